package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/slipway/slipway/internal/lint"
	rulereport "github.com/slipway/slipway/internal/report"
)

// docs/rules.md is what every finding's help link points to; it must say
// what `slipway rules --format markdown` says. Regenerate it with
// `go run ./cmd/slipway rules --format markdown > docs/rules.md`.
func TestRulesDocIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	if err := rulereport.RuleList(&buf, "markdown", lint.Catalogue().All()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatal("docs/rules.md is out of date: run `go run ./cmd/slipway rules --format markdown > docs/rules.md`")
	}
}
