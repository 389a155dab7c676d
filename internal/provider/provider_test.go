package provider

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"Hello World":   "hello-world",
		"@scope/pkg":    "scope-pkg",
		"--x--":         "x",
		"Billing_API":   "billing_api",
		"ünïcode":       "n-code",
		"...":           "",
		"a.b-c_d":       "a.b-c_d",
		"ALLCAPS123":    "allcaps123",
		"trailing.dot.": "trailing.dot",
	} {
		if got := SanitizeName(in); got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SanitizeName(strings.Repeat("a", 200)); len(got) != 128 {
		t.Errorf("long name not cut to 128: %d", len(got))
	}
}

func TestMajorMinor(t *testing.T) {
	for in, want := range map[string]string{"1.26": "1.26", "1.22.3": "1.22", "v1.21rc1": "1.21", "stable": "", "1": "", "1.78.0": "1.78"} {
		if got := MajorMinor(in); got != want {
			t.Errorf("MajorMinor(%q) = %q, want %q", in, got, want)
		}
	}
}

// Facts reads the language and the [provider] table; a manifest without a
// language, or one that is not TOML, is a programming error of the provider
// (the files are embedded) and panics with the file's name.
func TestFacts(t *testing.T) {
	man := "language = \"demo\"\n[builders]\ndefault = \"x\"\n[provider]\nmarkers = [\"demo.txt\"]\npackage_managers = [\"a\", \"b\"]\nruntime_name = \"demo\"\nkeys = [\"cgo\"]\nfallback = true\n"
	got := Facts(fstest.MapFS{"manifest.toml": {Data: []byte(man)}})
	if got.Key != "demo" || len(got.Markers) != 1 || got.Markers[0] != "demo.txt" || len(got.PackageManagers) != 2 ||
		got.RuntimeName != "demo" || len(got.Keys) != 1 || !got.Fallback {
		t.Errorf("Facts = %+v", got)
	}
	for name, src := range map[string]string{"no language": "[provider]\nmarkers = []\n", "not TOML": "language = \n", "no file": ""} {
		fsys := fstest.MapFS{"manifest.toml": {Data: []byte(src)}}
		if name == "no file" {
			fsys = fstest.MapFS{}
		}
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "manifest.toml") {
					t.Errorf("%s: panic %v, want one naming manifest.toml", name, r)
				}
			}()
			Facts(fsys)
		}()
	}
}

type memo struct{ fsys fstest.MapFS }

func (m *memo) Files() fs.FS             { return m.fsys }
func (m *memo) Detect(d *Detector) error { return nil }

// InfoOf reads a provider's manifest once: a change to the files after the
// first call is not seen (embedded files never change).
func TestInfoOfReadsOnce(t *testing.T) {
	p := &memo{fstest.MapFS{"manifest.toml": {Data: []byte("language = \"one\"\n[provider]\nmarkers = [\"a\"]\n")}}}
	if got := InfoOf(p); got.Key != "one" || len(got.Markers) != 1 {
		t.Fatalf("InfoOf = %+v", got)
	}
	p.fsys["manifest.toml"] = &fstest.MapFile{Data: []byte("language = \"two\"\n")}
	if got := InfoOf(p); got.Key != "one" {
		t.Errorf("InfoOf read the manifest again: %+v", got)
	}
}
