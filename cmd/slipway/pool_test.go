package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/pool"
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
	_, err = poolAddrs(build.ConnectOptions{Addr: "unix:///x.sock"}, []string{"unix:///a.sock"}, nil, "")
	if !errdefs.IsBadInput(err) {
		t.Fatalf("--addr with --builder: %v", err)
	}
	_, err = poolAddrs(build.ConnectOptions{CACert: "ca.pem"}, []string{"unix:///a.sock"}, nil, "")
	if !errdefs.IsBadInput(err) {
		t.Fatalf("TLS flags with no tcp:// daemon: %v", err)
	}
	_, err = poolAddrs(build.ConnectOptions{}, nil, &config.Team{Builders: []string{"nosuch://x"}}, "/repo/slipway-team.toml")
	if !errdefs.IsBadInput(err) || !strings.Contains(err.Error(), "/repo/slipway-team.toml: builders") {
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

// fakePoolDaemon builds nothing and says so; it records the tags it saw.
type fakePoolDaemon struct {
	addr string
	mu   *sync.Mutex
	got  map[string]string
}

func (f fakePoolDaemon) Build(_ context.Context, o build.Options) (*build.Result, error) {
	f.mu.Lock()
	f.got[o.Tags[0]] = f.addr
	f.mu.Unlock()
	return &build.Result{ImageDigest: "sha256:" + strings.Repeat("b", 64)}, nil
}
func (fakePoolDaemon) Platforms(context.Context) ([]string, error) {
	return []string{"linux/amd64"}, nil
}
func (fakePoolDaemon) Close() error { return nil }

// golden build on a pool places each image by its repository, the same in
// every run whatever the tag, and names where each ran.
func TestGoldenOnThePool(t *testing.T) {
	addrs := []string{"tcp://bk-0:1234", "tcp://bk-1:1234", "tcp://bk-2:1234"}
	var mu sync.Mutex
	got := map[string]string{}
	dial := func(_ context.Context, a string) (pool.Daemon, error) {
		return fakePoolDaemon{addr: a, mu: &mu, got: got}, nil
	}
	var log bytes.Buffer
	run := func(tag string) map[string]string {
		p, err := pool.New(addrs, dial, pool.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b := &poolBuilder{p: p, keyOf: goldenKey, w: &log}
		defer b.Close()
		out := map[string]string{}
		for _, name := range []string{"base", "static", "python", "postgres", "node", "java"} {
			ref := "registry.example.com/platform/golden/" + name
			if _, err := b.Build(context.Background(), build.Options{Tags: []string{ref + ":" + tag}}); err != nil {
				t.Fatal(err)
			}
			out[name] = got[ref+":"+tag]
		}
		return out
	}
	first, second := run("latest"), run("2026-12")
	used := map[string]bool{}
	for n, d := range first {
		used[d] = true
		if second[n] != d {
			t.Errorf("%s built on %s, then on %s under another tag", n, d, second[n])
		}
	}
	if len(used) < 2 {
		t.Errorf("six golden images all built on one daemon: %v", first)
	}
	if !strings.Contains(log.String(), "builder: golden//registry.example.com/platform/golden/base built on tcp://") {
		t.Errorf("no builder line:\n%s", log.String())
	}
}
