package ruby_test

import (
	"testing"

	"github.com/slipway/slipway/internal/lint/linttest"
)

// TestLintKnowsRubyToolchains: a final stage on a full ruby image (gcc and
// make from buildpack-deps) or Chainguard's -dev variant is the toolchain
// shipping in the image (SW115); the slim image slipway itself uses as the
// final base is not.
func TestLintKnowsRubyToolchains(t *testing.T) {
	linttest.CheckToolchains(t, "COPY . /app\nUSER 10001:10001\nENTRYPOINT [\"ruby\", \"/app/app.rb\"]\n", []linttest.ToolchainCase{
		{From: "docker.io/library/ruby:3.3", Want: true},
		{From: "ruby:3.3-bookworm", Want: true},
		{From: "ruby", Want: true},
		{From: "cgr.dev/chainguard/ruby:latest-dev", Want: true},
		{From: "docker.io/library/ruby:3.3-slim-bookworm", Want: false},
		{From: "ruby:3.3-alpine", Want: false},
		{From: "cgr.dev/chainguard/ruby:latest", Want: false},
	})
}
