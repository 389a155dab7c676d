package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/golden"
)

// --format text|json is the one way to ask for output a CI reads, on verify
// and every golden subcommand; --json stays as its alias; any other value,
// or both flags at once, is bad usage (exit 2) before any work is done.
func TestFormatFlag(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"base.toml": "name = \"base\"\nfrom = \"docker.io/library/debian:bookworm-slim\"\n[user]\nname = \"app\"\nuid = 10001\n",
	})
	for _, args := range [][]string{
		{"golden", "check", "--dir", dir, "--format", "json"},
		{"golden", "check", "--dir", dir, "--json"},
		{"golden", "check", "--dir", dir, "--json=true"},
	} {
		code, out, stderr := slipway(t, args...)
		var st []golden.Status
		if code != exitFailure || json.Unmarshal([]byte(out), &st) != nil || len(st) != 1 || st[0].Name != "base" {
			t.Errorf("%v: exit %d, want 1 (never built) and JSON statuses; stdout %q stderr %q", args, code, out, stderr)
		}
	}
	code, out, _ := slipway(t, "golden", "check", "--dir", dir, "--format", "text")
	if code != exitFailure || !strings.Contains(out, "base") || !strings.Contains(out, "STALE") || json.Valid([]byte(out)) {
		t.Errorf("--format text: exit %d, stdout %q", code, out)
	}
	for _, args := range [][]string{
		{"verify", "image.tar", "--format", "yaml"},
		{"verify", "image.tar", "--format", "sarif"},
		{"golden", "check", "--dir", dir, "--format", "JSON"},
		{"golden", "users", "--format", ""},
		{"golden", "build", "--dir", dir, "--format", "xml"},
		{"golden", "check", "--dir", dir, "--format", "json", "--json"},
	} {
		code, out, stderr := slipway(t, args...)
		if code != exitUsage || out != "" || !strings.Contains(stderr, "--help") {
			t.Errorf("%v: exit %d, want 2 with a usage hint; stdout %q stderr %q", args, code, out, stderr)
		}
	}
}
