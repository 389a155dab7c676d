package rules

import (
	"regexp"
	"testing"
)

func TestCatalogue(t *testing.T) {
	cat := Default()
	lintID := regexp.MustCompile(`^SW1\d\d$`)
	imageID := regexp.MustCompile(`^SW2\d\d$`)
	seen := map[string]bool{}
	var lint, bk int
	for _, r := range cat.All() {
		if seen[r.ID] {
			t.Errorf("duplicate id %s", r.ID)
		}
		seen[r.ID] = true
		if r.Message == "" || r.Fix == "" || r.HelpURI == "" || r.Name == "" {
			t.Errorf("%s: message, fix, name and helpUri are required", r.ID)
		}
		switch r.Kind {
		case KindLint:
			lint++
			if !lintID.MatchString(r.ID) {
				t.Errorf("lint rule %s is not SW1xx", r.ID)
			}
			if r.Example == "" || r.Why == "" {
				t.Errorf("%s: a slipway rule needs why and an example", r.ID)
			}
		case KindImage:
			if !imageID.MatchString(r.ID) {
				t.Errorf("image rule %s is not SW2xx", r.ID)
			}
		case KindBuildKit:
			bk++
		default:
			t.Errorf("%s: kind %q", r.ID, r.Kind)
		}
		got, ok := cat.Lookup(lowerASCII(r.ID))
		if !ok || got.ID != r.ID {
			t.Errorf("Lookup(%q) = %v, %v", r.ID, got.ID, ok)
		}
	}
	if lint < 30 || bk < 20 {
		t.Errorf("%d lint rules and %d BuildKit rules", lint, bk)
	}
	// Every CIS §4 item the issue names is covered by some rule.
	cis := map[string]bool{}
	for _, r := range cat.All() {
		for _, c := range r.CIS {
			cis[c] = true
		}
	}
	for _, want := range []string{"4.1", "4.2", "4.3", "4.6", "4.7", "4.8", "4.9", "4.10"} {
		if !cis[want] {
			t.Errorf("no rule maps to CIS %s", want)
		}
	}
	// A BuildKit check a slipway rule claims must exist in the catalogue.
	for _, r := range cat.All() {
		for _, b := range r.BuildKit {
			if x, ok := cat.Lookup(b); !ok || x.Kind != KindBuildKit {
				t.Errorf("%s maps to unknown BuildKit check %s", r.ID, b)
			}
		}
	}
}

func lowerASCII(s string) string { return lower(s) }

func TestParseSeverity(t *testing.T) {
	for in, want := range map[string]Severity{"off": Off, "info": Info, "warning": Warning, "WARN": Warning, "error": Error} {
		got, err := ParseSeverity(in)
		if err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseSeverity("fatal"); err == nil {
		t.Error("fatal is not a severity")
	}
}

func TestFails(t *testing.T) {
	fs := []Finding{{Severity: Info}, {Severity: Warning}}
	for _, tc := range []struct {
		threshold Severity
		want      bool
	}{{Info, true}, {Warning, true}, {Error, false}} {
		if got := Fails(fs, tc.threshold); got != tc.want {
			t.Errorf("Fails(info+warning, %v) = %v, want %v", tc.threshold, got, tc.want)
		}
	}
	if Fails(nil, Info) {
		t.Error("Fails(no findings, info) = true")
	}
}
