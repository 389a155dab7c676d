package report

import (
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/rules"
)

func TestParseFlags(t *testing.T) {
	th, f, err := ParseFlags("", "")
	if err != nil || th != rules.Warning || f != "text" {
		t.Fatalf("defaults: %v %q %v, want warning text", th, f, err)
	}
	if th, f, err = ParseFlags("error", "sarif"); err != nil || th != rules.Error || f != "sarif" {
		t.Fatalf("error sarif: %v %q %v", th, f, err)
	}
	for _, tc := range []struct{ severity, format, want string }{
		{"fatal", "json", `--severity "fatal"`},
		{"off", "json", `--severity "off"`},
		{"info", "xml", `--format "xml"`},
	} {
		_, _, err := ParseFlags(tc.severity, tc.format)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errdefs.IsBadInput(err) {
			t.Errorf("ParseFlags(%q, %q): %v, want bad input naming %s", tc.severity, tc.format, err, tc.want)
		}
	}
}
