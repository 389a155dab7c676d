package ruby_test

import (
	"context"
	"testing"

	"github.com/slipway/slipway/internal/lint"
)

// TestLintKnowsRubyToolchains: a final stage on a full ruby image (gcc and
// make from buildpack-deps) or Chainguard's -dev variant is the toolchain
// shipping in the image (SW115); the slim image slipway itself uses as the
// final base is not.
func TestLintKnowsRubyToolchains(t *testing.T) {
	for _, c := range []struct {
		from string
		want bool
	}{
		{"docker.io/library/ruby:3.3", true},
		{"ruby:3.3-bookworm", true},
		{"ruby", true},
		{"cgr.dev/chainguard/ruby:latest-dev", true},
		{"docker.io/library/ruby:3.3-slim-bookworm", false},
		{"ruby:3.3-alpine", false},
		{"cgr.dev/chainguard/ruby:latest", false},
	} {
		src := "FROM " + c.from + "\nCOPY . /app\nUSER 10001:10001\nENTRYPOINT [\"ruby\", \"/app/app.rb\"]\n"
		res, err := lint.Check(context.Background(), lint.Input{Path: "Dockerfile", Data: []byte(src)}, lint.Options{NoBuildKit: true})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, f := range res.Findings {
			got = got || f.RuleID == "SW115"
		}
		if got != c.want {
			t.Errorf("FROM %s: SW115 reported %v, want %v (%v)", c.from, got, c.want, res.Findings)
		}
	}
}
