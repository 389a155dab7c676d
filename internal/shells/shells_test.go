package shells

import (
	"slices"
	"testing"
)

func TestIs(t *testing.T) {
	for prog, want := range map[string]bool{
		"sh": true, "/bin/bash": true, "/usr/local/bin/zsh": true, "busybox": true,
		"/bin/false": false, "/usr/sbin/nologin": false, "python3": false, "": false, "/bin/": false,
	} {
		if got := Is(prog); got != want {
			t.Errorf("Is(%q) = %v, want %v", prog, got, want)
		}
	}
}

func TestPaths(t *testing.T) {
	p := Paths()
	if len(p) != len(Names)*len(BinDirs) {
		t.Fatalf("%d paths, want every name in every bin directory", len(p))
	}
	for _, want := range []string{"/bin/sh", "/usr/local/bin/fish", "/usr/sbin/busybox"} {
		if !slices.Contains(p, want) {
			t.Errorf("Paths() has no %s", want)
		}
	}
	if p[0] != "/bin/sh" {
		t.Errorf("Paths()[0] = %s: the order is the bin directories', then the names'", p[0])
	}
}

func TestIsPOSIX(t *testing.T) {
	for prog, want := range map[string]bool{
		"sh": true, "/usr/bin/dash": true, "mksh": true, "busybox": false, "fish": false, "tcsh": false, "env": false,
	} {
		if got := IsPOSIX(prog); got != want {
			t.Errorf("IsPOSIX(%q) = %v, want %v", prog, got, want)
		}
	}
}

func TestSummary(t *testing.T) {
	if got, want := Summary(), "sh, bash, dash, rbash, ash, busybox, zsh, ksh, mksh, csh, tcsh, fish in /bin, /usr/bin, /sbin, /usr/sbin, /usr/local/bin"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}
