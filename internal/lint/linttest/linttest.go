// Package linttest holds what the providers' tests ask of lint.
package linttest

import (
	"context"
	"testing"

	"github.com/slipway/slipway/internal/lint"
)

// ToolchainCase is one final-stage image and whether lint must call it a
// toolchain shipping in the image (SW115).
type ToolchainCase struct {
	From string
	Want bool
}

// CheckToolchains lints "FROM <image>" followed by rest (the final stage's
// other instructions) for each case, without BuildKit's checks, and fails t
// where SW115 is reported and not wanted, or wanted and not reported.
func CheckToolchains(t *testing.T, rest string, cases []ToolchainCase) {
	t.Helper()
	for _, c := range cases {
		src := "FROM " + c.From + "\n" + rest
		res, err := lint.Check(context.Background(), lint.Input{Path: "Dockerfile", Data: []byte(src)}, lint.Options{NoBuildKit: true})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, f := range res.Findings {
			got = got || f.RuleID == "SW115"
		}
		if got != c.Want {
			t.Errorf("FROM %s: SW115 reported %v, want %v (%v)", c.From, got, c.Want, res.Findings)
		}
	}
}
