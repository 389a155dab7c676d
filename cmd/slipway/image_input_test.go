package main

import (
	"os"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/hostile"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// Every image-structure case of the hostile corpus: scan and verify
// refuse it with exit 2 and a message naming what is wrong, or read it
// and warn about what is ambiguous.
func TestHostileImagesExitTwo(t *testing.T) {
	for _, c := range hostile.ImageCases() {
		t.Run(c.Name, func(t *testing.T) {
			p, err := c.Build(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			cmds := [][]string{{"scan", p}}
			if os.Geteuid() == 0 || os.Getenv("CI") == "true" {
				labtest.NeedRootAndRunc(t)
				cmds = append(cmds, []string{"verify", "--timeout", "2s", p})
			}
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			for _, args := range cmds {
				code, out, stderr := runIO(t, "", args...)
				if left, _ := os.ReadDir(tmp); len(left) != 0 {
					t.Errorf("%s left temporary files: %v", args[0], left)
				}
				switch {
				case c.Want.Refuse:
					if code != exitUsage || !strings.Contains(stderr, c.Want.ErrorHas) {
						t.Errorf("%s: exit %d, stderr %q; want exit 2 saying %q\n%s", args[0], code, stderr, c.Want.ErrorHas, out)
					}
				case c.Want.WarnHas != "":
					if code == exitUsage || !strings.Contains(stderr, c.Want.WarnHas) {
						t.Errorf("%s: exit %d, stderr %q; want the image read, with a warning %q", args[0], code, stderr, c.Want.WarnHas)
					}
				}
			}
		})
	}
}

// The limit flags change what is read: a chain of indexes deeper than the
// default is refused, and read with --max-index-depth raised; bad values
// are usage errors.
func TestImageLimitFlags(t *testing.T) {
	var deep hostile.Case
	for _, c := range hostile.ImageCases() {
		if c.Name == "layout-deep-index-chain" {
			deep = c
		}
	}
	p, err := deep.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runIO(t, "", "scan", p); code != exitUsage || !strings.Contains(stderr, "--max-index-depth") {
		t.Errorf("default depth: exit %d, stderr %q; want exit 2 naming --max-index-depth", code, stderr)
	}
	if code, out, stderr := runIO(t, "", "scan", "--max-index-depth", "8", p); code == exitUsage || !strings.Contains(out, "1 layers") {
		t.Errorf("--max-index-depth 8: exit %d, stderr %q\n%s; want the image scanned", code, stderr, out)
	}
	if code, _, stderr := runIO(t, "", "scan", "--max-index-depth", "8", "--max-manifest-size", "100", p); code != exitUsage || !strings.Contains(stderr, "more than the limit of 100") {
		t.Errorf("--max-manifest-size 100: exit %d, stderr %q; want the index refused", code, stderr)
	}
	for _, args := range [][]string{
		{"scan", "--max-config-size", "lots", p},
		{"scan", "--max-index-depth", "0", p},
		{"verify", "--max-manifest-size", "-1", p},
	} {
		if code, _, stderr := runIO(t, "", args...); code != exitUsage || !strings.Contains(stderr, args[1]) {
			t.Errorf("%v: exit %d, stderr %q; want a usage error naming %s", args, code, stderr, args[1])
		}
	}
}
