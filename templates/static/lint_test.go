package static_test

import (
	"context"
	"testing"

	"github.com/slipway/slipway/internal/lint"
)

// TestLintKnowsBuildImages: the static site's build images (node for the
// site, golang for slipway-static) are toolchains as a final stage (SW115);
// the distroless static base is not.
func TestLintKnowsBuildImages(t *testing.T) {
	for _, c := range []struct {
		from string
		want bool
	}{
		{"docker.io/library/node:20-bookworm-slim", true},
		{"docker.io/library/golang:1.26-bookworm", true},
		{"gcr.io/distroless/static-debian12:nonroot", false},
	} {
		src := "FROM " + c.from + "\nCOPY dist /app\nUSER 65532:65532\nENTRYPOINT [\"/usr/local/bin/slipway-static\", \"-root\", \"/app\"]\n"
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
