package static_test

import (
	"testing"

	"github.com/slipway/slipway/internal/lint/linttest"
)

// TestLintKnowsBuildImages: the static site's build images (node for the
// site, golang for slipway-static) are toolchains as a final stage (SW115);
// the distroless static base is not.
func TestLintKnowsBuildImages(t *testing.T) {
	linttest.CheckToolchains(t, "COPY dist /app\nUSER 65532:65532\nENTRYPOINT [\"/usr/local/bin/slipway-static\", \"-root\", \"/app\"]\n", []linttest.ToolchainCase{
		{From: "docker.io/library/node:20-bookworm-slim", Want: true},
		{From: "docker.io/library/golang:1.26-bookworm", Want: true},
		{From: "gcr.io/distroless/static-debian12:nonroot", Want: false},
	})
}
