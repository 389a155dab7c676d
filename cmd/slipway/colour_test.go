package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/colour"
	"github.com/slipway/slipway/internal/colour/colourtest"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/verify"
)

// runOnTerminal runs slipway with stdout on a pseudo-terminal.
func runOnTerminal(t *testing.T, args ...string) (code int, stdout string) {
	t.Helper()
	tty := colourtest.Terminal(t)
	errF, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errF.Close()
	savedOut, savedErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = tty.Out, errF
	code = run(context.Background(), args)
	os.Stdout, os.Stderr = savedOut, savedErr
	return code, tty.Output()
}

const esc = "\x1b["

// Colour on a terminal, none when piped, with NO_COLOR, with TERM=dumb or
// with --color=never; --color=always colours a pipe too. For lint's
// and scan's severities and golden check's results, through the real
// commands.
func TestColourOnATerminalOnly(t *testing.T) {
	t.Setenv("TERM", "xterm-256color")
	t.Setenv(image.EnvRegistryMirror, "")
	dir := t.TempDir()
	df := writeFile(t, dir, "Dockerfile", "FROM debian:bookworm-slim\nRUN apt-get update\n")
	_, dirty, _ := scanFixtures(t)
	dirtyImage := writeLayout(t, dirty, filepath.Join(t.TempDir(), "dirty"))
	gold := writeTree(t, map[string]string{"golden/base.toml": "name = \"base\"\nfrom = \"docker.io/library/debian:bookworm-slim\"\n[user]\nname = \"app\"\nuid = 10001\n"})
	for _, c := range []struct {
		name  string
		args  []string
		words []string // coloured when colour is on
		code  int
	}{
		{"lint", []string{"lint", "--no-buildkit-checks", df}, []string{"\x1b[33mwarning\x1b[0m"}, exitFailure},
		{"golden check", []string{"golden", "check", "--dir", filepath.Join(gold, "golden")}, []string{"\x1b[33mSTALE\x1b[0m"}, exitFailure},
		{"scan", []string{"scan", dirtyImage}, []string{"\x1b[31merror\x1b[0m"}, exitFailure},
	} {
		t.Run(c.name, func(t *testing.T) {
			check := func(what string, code int, out string, on bool) {
				t.Helper()
				if code != c.code {
					t.Errorf("%s: exit %d, want %d:\n%s", what, code, c.code, out)
				}
				for _, w := range c.words {
					if on && !strings.Contains(out, w) {
						t.Errorf("%s: %q not coloured:\n%q", what, w, out)
					}
				}
				if !on && strings.Contains(out, esc) {
					t.Errorf("%s: coloured output:\n%q", what, out)
				}
			}
			code, out := runOnTerminal(t, c.args...)
			check("terminal", code, out, true)
			code, out = runOnTerminal(t, append([]string{"--color=never"}, c.args...)...)
			check("terminal, --color=never", code, out, false)
			code, out, _ = slipway(t, c.args...)
			check("piped", code, out, false)
			code, out, _ = slipway(t, append([]string{"--color", "always"}, c.args...)...)
			check("piped, --color always", code, out, true)
			t.Setenv("NO_COLOR", "1")
			code, out = runOnTerminal(t, c.args...)
			check("terminal, NO_COLOR", code, out, false)
			t.Setenv("NO_COLOR", "")
			t.Setenv("TERM", "dumb")
			code, out = runOnTerminal(t, c.args...)
			check("terminal, TERM=dumb", code, out, false)
			t.Setenv("TERM", "xterm-256color")
		})
	}
	// JSON and SARIF are never coloured, even with --color=always.
	for _, f := range []string{"json", "sarif"} {
		if _, out, _ := slipway(t, "--color=always", "lint", "--format", f, df); strings.Contains(out, esc) {
			t.Errorf("--format %s is coloured:\n%s", f, out)
		}
	}
	// A bad value is a usage error.
	if code, _, stderr := slipway(t, "--color=sometimes", "rules"); code != exitUsage || !strings.Contains(stderr, "auto, always or never") {
		t.Errorf("--color=sometimes: exit %d\n%s", code, stderr)
	}
}

// verify's RESULT column: PASS green, FAIL red, SKIP yellow, and the
// columns line up as in the plain table.
func TestVerifyTableColours(t *testing.T) {
	rep := &verify.Report{Image: "a.tar", Rows: []verify.Check{
		{ID: "user", Name: "non-root user", Status: verify.Pass, Detail: "65532"},
		{ID: "port", Name: "port", Status: verify.Fail, Detail: "nothing answers"},
		{ID: "health", Name: "HEALTHCHECK", Status: verify.Skip, Detail: "none"},
	}}
	var plain, col strings.Builder
	if err := rep.WriteTable(&plain); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteTableColour(&col, colour.For(nil, colour.Always, nil)); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"\x1b[32mPASS\x1b[0m", "\x1b[31mFAIL\x1b[0m", "\x1b[33mSKIP\x1b[0m"} {
		if !strings.Contains(col.String(), w) {
			t.Errorf("%q missing:\n%q", w, col.String())
		}
	}
	stripped := strings.NewReplacer("\x1b[32m", "", "\x1b[31m", "", "\x1b[33m", "", "\x1b[0m", "").Replace(col.String())
	if stripped != plain.String() {
		t.Errorf("coloured table without its escapes differs from the plain one:\n%s\n---\n%s", stripped, plain.String())
	}
	if strings.Contains(plain.String(), esc) {
		t.Errorf("WriteTable is coloured:\n%q", plain.String())
	}
}
