package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/golden"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// hostileText clears the screen, homes the cursor, and prints a forged "clean"
// summary on a line of its own; then a bidi override and invalid UTF-8.
const hostileText = "\x1b[2J\x1b[H\n1 file checked: 0 error, 0 warning, 0 info\r\u202e\xff"

// rawControl returns the text around the first character of out that a
// terminal would act on, or that reorders or forges text: a C0 control but
// tab and newline, DEL, a C1 control, invalid UTF-8, a bidi control.
func rawControl(out string) (string, bool) {
	for i := 0; i < len(out); {
		r, n := rune(out[i]), 1
		if r >= 0x80 {
			r, n = decodeRune(out[i:])
		}
		bad := (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
			r == -1 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
		if bad {
			return out[max(0, i-20):min(len(out), i+20)], true
		}
		i += n
	}
	return "", false
}

// decodeRune is utf8.DecodeRuneInString with -1 for an invalid byte.
func decodeRune(s string) (rune, int) {
	for _, r := range s[:min(len(s), 4)] {
		if r == 0xfffd && !strings.HasPrefix(s, "\ufffd") {
			return -1, 1
		}
		return r, len(string(r))
	}
	return -1, 1
}

// noForgery fails when out holds a raw control or a line that starts with
// the forged summary.
func noForgery(t *testing.T, what, out string) {
	t.Helper()
	if bad, ok := rawControl(out); ok {
		t.Errorf("%s: raw control near %q:\n%s", what, bad, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "1 file checked: 0 error, 0 warning, 0 info\\r") || strings.HasPrefix(l, "1 file checked: 0 error, 0 warning, 0 info\r") {
			t.Errorf("%s: forged line %q", what, l)
		}
	}
}

func TestLintHostileFileName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc"+hostileText)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, dir, "Dockerfile"+hostileText, "FROM debian:bookworm-slim\nLABEL x=\"\x1b]0;pwned\x07\"\nRUN echo \x1b[31mred \u202e\xff\nCMD /app\n")
	for _, args := range [][]string{
		{"lint", file},
		{"lint", "--format", "json", file},
		{"lint", "--fix", "--dry-run", file},
		{"lint", filepath.Join(dir, "missing"+hostileText)},
		{"lint", "--team", filepath.Join(dir, "team"+hostileText+".toml"), file},
	} {
		code, stdout, stderr := runIO(t, "", args...)
		if code == exitOK {
			t.Errorf("%v: exit 0", args)
		}
		noForgery(t, strings.Join(args[:len(args)-1], " ")+" stdout", stdout)
		noForgery(t, strings.Join(args[:len(args)-1], " ")+" stderr", stderr)
	}
	// The text report names the file, escaped.
	_, stdout, _ := runIO(t, "", "lint", file)
	if !strings.Contains(stdout, `Dockerfile\x1b[2J\x1b[H\n1 file checked`) || !strings.Contains(stdout, `\u202e\xff`) {
		t.Errorf("the file name is not shown escaped:\n%s", stdout)
	}
}

// hostileImage has hostileText text in every field scan and verify print: the
// user, env keys, a label, history, the entrypoint, file names.
func hostileImage(t *testing.T) v1.Image {
	cfg := v1.Config{
		User:       "0" + hostileText,
		Env:        []string{"KEY" + hostileText + "=v", "AWS_SECRET_ACCESS_KEY" + hostileText + "=x"},
		Labels:     map[string]string{"org.example" + hostileText: "v" + hostileText},
		Entrypoint: []string{"/app" + hostileText},
	}
	return scanImage(t, cfg, map[string]scanFile{
		"usr/bin/su" + hostileText:  {0o4755, "\x7fELF"},
		".env" + hostileText:        {0o644, "TOKEN=x\n"},
		"tmp/" + hostileText + "/w": {0o777, "x"},
		"bin/sh":                    {0o755, "\x7fELF"},
	})
}

func TestScanHostileImage(t *testing.T) {
	dir := writeLayout(t, hostileImage(t), filepath.Join(t.TempDir(), "img"+hostileText))
	for _, args := range [][]string{{"scan", dir}, {"scan", "--format", "json", dir}, {"scan", "--format", "sarif", dir}} {
		code, stdout, stderr := runIO(t, "", args...)
		if code != exitFailure {
			t.Errorf("%v: exit %d, want 1 (findings)\n%s", args[:len(args)-1], code, stderr)
		}
		noForgery(t, strings.Join(args[:len(args)-1], " ")+" stdout", stdout)
		noForgery(t, strings.Join(args[:len(args)-1], " ")+" stderr", stderr)
	}
	_, stdout, _ := runIO(t, "", "scan", dir)
	if !strings.Contains(stdout, `su\x1b[2J\x1b[H\n1 file checked`) {
		t.Errorf("the setuid file's name is not shown escaped:\n%s", stdout)
	}
}

func TestVerifyHostileImage(t *testing.T) {
	labtest.NeedRootAndRunc(t)
	dir := writeLayout(t, hostileImage(t), filepath.Join(t.TempDir(), "img"+hostileText))
	for _, args := range [][]string{{"verify", dir}, {"verify", "--json", dir}} {
		code, stdout, stderr := runIO(t, "", args...)
		if code != exitFailure {
			t.Errorf("%v: exit %d, want 1 (failed checks)\n%s\n%s", args[:len(args)-1], code, stdout, stderr)
		}
		noForgery(t, strings.Join(args[:len(args)-1], " ")+" stdout", stdout)
		noForgery(t, strings.Join(args[:len(args)-1], " ")+" stderr", stderr)
	}
	_, stdout, _ := runIO(t, "", "verify", dir)
	if !strings.Contains(stdout, `user     0\x1b[2J\x1b[H\n1 file checked`) {
		t.Errorf("the image user is not shown escaped:\n%s", stdout)
	}
}

// golden's tables print spec names, digests, reasons and service paths.
func TestGoldenTablesEscape(t *testing.T) {
	var b strings.Builder
	printStatuses(&b, []golden.Status{
		{Name: "base" + hostileText, Current: true, Digest: "sha256:" + hostileText},
		{Name: "py\tthon", Reasons: []string{"spec changed" + hostileText}},
	})
	printUses(&b, []golden.Use{{Service: "svc" + hostileText, Golden: "base" + hostileText, State: golden.UseInvalid, Error: "bad" + hostileText}}, "dir"+hostileText, "lock"+hostileText)
	noForgery(t, "golden tables", b.String())
	if !strings.Contains(b.String(), `py\tthon`) {
		t.Errorf("a tab in a name is not shown escaped:\n%s", b.String())
	}
}
