package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/golden"
	"github.com/slipway/slipway/internal/testkit"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	return testkit.WriteTree(t, files)
}

const (
	lockedDigest = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	olderDigest  = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
)

func TestGoldenUsers(t *testing.T) {
	root := writeTree(t, map[string]string{
		"svc/current/slipway.toml":  "name = \"current\"\nlanguage = \"go\"\nbase = \"golden:base\"\nbase_digest = \"" + lockedDigest + "\"\n",
		"svc/behind/slipway.toml":   "name = \"behind\"\nlanguage = \"go\"\nbase = \"golden:base\"\nbase_digest = \"" + olderDigest + "\"\n",
		"svc/unpinned/slipway.toml": "name = \"unpinned\"\nlanguage = \"python\"\nbase = \"golden:python\"\n",
		"svc/rendered/slipway.toml": "name = \"rendered\"\nlanguage = \"go\"\nbase = \"golden:base\"\n",
		"svc/rendered/Dockerfile":   "FROM golang:1.26 AS build\nFROM registry.example.com/golden/base@" + lockedDigest + "\nUSER 10001\n",
		"svc/plain/slipway.toml":    "name = \"plain\"\nlanguage = \"go\"\nbase = \"distroless-static\"\n",
		".git/x/slipway.toml":       "name = \"hidden\"\nbase = \"golden:base\"\n",
	})
	lock := &golden.Lock{Version: golden.LockVersion, Images: map[string]*golden.LockEntry{
		"base":   {Image: "registry.example.com/golden/base", Digest: lockedDigest, BuiltAt: time.Unix(0, 0)},
		"python": {Image: "registry.example.com/golden/python", Digest: lockedDigest, BuiltAt: time.Unix(0, 0)},
	}}
	if err := os.MkdirAll(filepath.Join(root, "golden"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := lock.Write(filepath.Join(root, "golden", golden.LockFileName)); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := slipway(t, "golden", "users", filepath.Join(root, "svc"), "--json")
	if code != exitFailure {
		t.Errorf("exit %d, want 1 (a service is behind); stderr: %s", code, stderr)
	}
	var uses []golden.Use
	if err := json.Unmarshal([]byte(out), &uses); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got := map[string]golden.UseState{}
	for _, u := range uses {
		got[u.Name] = u.State
	}
	want := map[string]golden.UseState{"current": golden.UseCurrent, "rendered": golden.UseCurrent, "behind": golden.UseBehind, "unpinned": golden.UseUnpinned}
	if len(got) != len(want) {
		t.Errorf("users = %v, want %v", got, want)
	}
	for n, s := range want {
		if got[n] != s {
			t.Errorf("%s: %s, want %s", n, got[n], s)
		}
	}
	// Only current services: exit 0, and the text lists them.
	code, out, _ = slipway(t, "golden", "users", filepath.Join(root, "svc", "current"))
	if code != 0 || !strings.Contains(out, "golden:base") || !strings.Contains(out, "current") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestGoldenCheckNeverBuilt(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"base.toml": "name = \"base\"\nfrom = \"docker.io/library/debian:bookworm-slim\"\n[user]\nname = \"app\"\nuid = 10001\n",
	})
	code, out, stderr := slipway(t, "golden", "check", "--dir", dir, "--json")
	if code != exitFailure {
		t.Fatalf("exit %d, want 1; %s", code, stderr)
	}
	var st []golden.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0].Current || !strings.Contains(st[0].Reasons[0], "never built") {
		t.Errorf("statuses: %+v", st)
	}
}

func TestGoldenBadSpecsExitTwoWithoutADaemon(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.toml": "name = \"a\"\nfrom = \"golden:b\"\n",
		"b.toml": "name = \"b\"\nfrom = \"golden:a\"\n",
	})
	t.Setenv("BUILDKIT_HOST", "unix:///nonexistent/buildkitd.sock")
	code, _, stderr := slipway(t, "golden", "build", "--dir", dir, "--registry", "registry.example.com/platform")
	if code != exitUsage || !strings.Contains(stderr, "cycle: a -> b -> a") {
		t.Errorf("exit %d, want 2 naming the cycle; stderr: %s", code, stderr)
	}
	code, _, stderr = slipway(t, "golden", "check", "--dir", dir)
	if code != exitUsage || !strings.Contains(stderr, "a.toml:2") {
		t.Errorf("check: exit %d, want 2 with the file and line; stderr: %s", code, stderr)
	}
	code, _, stderr = slipway(t, "golden", "build", "--dir", dir, "--jobs", "0")
	if code != exitUsage {
		t.Errorf("--jobs 0: exit %d, want 2; %s", code, stderr)
	}
}

func TestGoldenBuildNeedsARegistry(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"golden/base.toml": "name = \"base\"\nfrom = \"docker.io/library/debian:bookworm-slim\"\n[user]\nname = \"app\"\nuid = 10001\n",
	})
	code, _, stderr := slipway(t, "golden", "build", "--dir", filepath.Join(dir, "golden"))
	if code == 0 || !strings.Contains(stderr, "registry_prefix") {
		t.Errorf("exit %d; stderr: %s", code, stderr)
	}
}
