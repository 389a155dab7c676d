package php_test

import (
	"context"
	"testing"

	"github.com/slipway/slipway/internal/lint"
)

// TestLintKnowsComposer: a final stage on the composer image (the build
// image of this provider) is the toolchain shipping in the image (SW115);
// the same program on the php-apache base is not.
func TestLintKnowsComposer(t *testing.T) {
	for _, c := range []struct {
		from string
		want bool
	}{
		{"docker.io/library/composer:2", true},
		{"composer:2", true},
		{"docker.io/library/php:8.2-apache", false},
	} {
		src := "FROM " + c.from + "\nCOPY . /app\nUSER 10001:10001\nENTRYPOINT [\"php\", \"/app/index.php\"]\n"
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
