package provider

import (
	"strings"
	"testing"
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
