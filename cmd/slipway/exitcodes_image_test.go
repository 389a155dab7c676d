package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/testkit"
)

// The README's exit codes, per command: 0 success, 1 the command found a
// problem, 2 bad usage, bad configuration or an input that is not what the
// command reads, 130 cancelled. None of these cases needs a daemon: an
// address that dials nothing makes any case that got as far as connecting
// exit 1, not 2.
func TestExitCodesGoldenVerifyScanBuild(t *testing.T) {
	t.Setenv(image.EnvRegistryMirror, "")
	t.Setenv("BUILDKIT_HOST", "unix:///nonexistent/buildkitd.sock")
	spec := "name = \"base\"\nfrom = \"docker.io/library/debian:bookworm-slim\"\n[user]\nname = \"app\"\nuid = 10001\n"
	tree := writeTree(t, map[string]string{
		"golden/base.toml":  spec,
		"empty/README":      "no specs here\n",
		"svc/Dockerfile":    "FROM scratch\nCOPY a /\n",
		"svc/a":             "a\n",
		"bad/slipway.toml":  "name = \"api\"\nlanguage = \"go\"\nport = \"http\"\n",
		"lint/Dockerfile":   "FROM debian:bookworm-slim\nRUN apt-get update\n",
		"notimage.tar":      "this is not a tarball\n",
		"notimage/index.js": "not an image layout\n",
	})
	at := func(p string) string { return filepath.Join(tree, p) }
	type exitCase struct {
		name string
		env  map[string]string
		args []string
		want int
	}
	cases := []exitCase{
		{"rules: success", nil, []string{"rules"}, exitOK},
		{"lint: a finding", nil, []string{"lint", at("lint/Dockerfile")}, exitFailure},
		{"golden check: stale", nil, []string{"golden", "check", "--dir", at("golden")}, exitFailure},
		{"unknown flag", nil, []string{"verify", "--no-such-flag", "x"}, exitUsage},
		{"generate: bad config", nil, []string{"generate", at("bad")}, exitUsage},
		{"golden build: no registry", nil, []string{"golden", "build", "--dir", at("golden")}, exitUsage},
		{"golden build: a bad registry", nil, []string{"golden", "build", "--dir", at("golden"), "--registry", "r.example.com/"}, exitUsage},
		{"golden build: no golden/ folder", nil, []string{"golden", "build", "--dir", at("nope"), "--registry", "r.example.com/p"}, exitUsage},
		{"golden check: no golden/ folder", nil, []string{"golden", "check", "--dir", at("nope")}, exitUsage},
		{"golden check: no specs in the folder", nil, []string{"golden", "check", "--dir", at("empty")}, exitUsage},
		{"verify: not an image", nil, []string{"verify", at("notimage.tar")}, exitUsage},
		{"verify: a folder that is not a layout", nil, []string{"verify", at("notimage")}, exitUsage},
		{"verify: no such file", nil, []string{"verify", at("absent.tar")}, exitUsage},
		{"scan: not an image", nil, []string{"scan", at("notimage.tar")}, exitUsage},
		{"build: unreachable daemon", nil, []string{"build", at("svc")}, exitFailure},
	}
	for _, h := range []string{"bogus", "foo://bar", "tcp://", "tcp://host", "tcp://host:notaport", "tcp://host:0", "unix://", "docker-container://"} {
		env := map[string]string{"BUILDKIT_HOST": h}
		cases = append(cases,
			exitCase{"build: BUILDKIT_HOST=" + h, env, []string{"build", at("svc")}, exitUsage},
			exitCase{"golden build: BUILDKIT_HOST=" + h, env, []string{"golden", "build", "--dir", at("golden"), "--registry", "r.example.com/p"}, exitUsage})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, _, stderr := runCtx(t, context.Background(), c.args...)
			if code != c.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.want, stderr)
			}
			if code == exitUsage && strings.Contains(c.name, "BUILDKIT_HOST") && !strings.Contains(stderr, "buildkit address") {
				t.Errorf("the message does not name the address:\n%s", stderr)
			}
		})
	}

	// Cancelled: golden build blocked on a registry that accepts and never
	// answers stops when its context does, with 130.
	addr := testkit.SilentListener(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	code, _, stderr := runCtx(t, ctx, "golden", "build", "--dir", at("golden"), "--registry", "r.example.com/p", "--registry-mirror", addr)
	if code != exitCanceled || time.Since(start) > 5*time.Second {
		t.Errorf("cancelled golden build: exit %d after %v, want %d; stderr:\n%s", code, time.Since(start), exitCanceled, stderr)
	}
}
