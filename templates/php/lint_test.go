package php_test

import (
	"testing"

	"github.com/slipway/slipway/internal/lint/linttest"
)

// TestLintKnowsComposer: a final stage on the composer image (the build
// image of this provider) is the toolchain shipping in the image (SW115);
// the same program on the php-apache base is not.
func TestLintKnowsComposer(t *testing.T) {
	linttest.CheckToolchains(t, "COPY . /app\nUSER 10001:10001\nENTRYPOINT [\"php\", \"/app/index.php\"]\n", []linttest.ToolchainCase{
		{From: "docker.io/library/composer:2", Want: true},
		{From: "composer:2", Want: true},
		{From: "docker.io/library/php:8.2-apache", Want: false},
	})
}
