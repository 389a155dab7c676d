package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/config"
)

func TestPoolAddrs(t *testing.T) {
	team := &config.Team{Builders: []string{"tcp://pool-0:1234", "kube-pod://buildkit-1"}}
	got, err := poolAddrs(build.ConnectOptions{}, nil, team, "slipway-team.toml")
	if err != nil || len(got) != 2 {
		t.Fatalf("team builders: %v %v", got, err)
	}
	got, err = poolAddrs(build.ConnectOptions{}, []string{"unix:///a.sock"}, team, "slipway-team.toml")
	if err != nil || len(got) != 1 || got[0] != "unix:///a.sock" {
		t.Fatalf("--builder replaces the team's: %v %v", got, err)
	}
	if got, err = poolAddrs(build.ConnectOptions{Addr: "unix:///x.sock"}, nil, team, "t"); err != nil || got != nil {
		t.Fatalf("--addr picks one daemon: %v %v", got, err)
	}
	var ee *exitError
	_, err = poolAddrs(build.ConnectOptions{Addr: "unix:///x.sock"}, []string{"unix:///a.sock"}, nil, "")
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Fatalf("--addr with --builder: %v", err)
	}
	_, err = poolAddrs(build.ConnectOptions{CACert: "ca.pem"}, []string{"unix:///a.sock"}, nil, "")
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Fatalf("TLS flags with no tcp:// daemon: %v", err)
	}
	_, err = poolAddrs(build.ConnectOptions{}, nil, &config.Team{Builders: []string{"nosuch://x"}}, "/repo/slipway-team.toml")
	if !errors.As(err, &ee) || ee.code != exitUsage || !strings.Contains(err.Error(), "/repo/slipway-team.toml: builders") {
		t.Fatalf("unknown scheme in the team file: %v", err)
	}
}

// slipway build with a pool of daemons none of which answers fails with
// exit 1, naming each daemon it tried.
func TestBuildOnAPoolThatIsDown(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, b := "unix://"+filepath.Join(dir, "a.sock"), "unix://"+filepath.Join(dir, "b.sock")
	var stderr bytes.Buffer
	code := runArgs(t, &stderr, "build", dir, "--builder", a, "--builder", b, "--progress", "quiet")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailure, stderr.String())
	}
	for _, s := range []string{a, b, "no daemon of the pool could build"} {
		if !strings.Contains(stderr.String(), s) {
			t.Errorf("stderr does not name %q:\n%s", s, stderr.String())
		}
	}
}

func runArgs(t *testing.T, stderr *bytes.Buffer, args ...string) int {
	t.Helper()
	cmd := newRootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(stderr)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		stderr.WriteString(err.Error())
	}
	return report(context.Background(), err)
}
