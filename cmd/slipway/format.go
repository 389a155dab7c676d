package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// Output formats a CI reads. verify and the golden subcommands speak text
// and json; lint and scan add sarif (their own flag, report.Formats).
const (
	formatText = "text"
	formatJSON = "json"
)

// formatValue is --format: a value outside allowed is refused when the flag
// is parsed, so a typo exits 2 before any work (as every flag error does).
type formatValue struct {
	p       *string
	allowed []string
	by      *string // the flag that set *p, to refuse --format with --json
}

func (v *formatValue) String() string { return *v.p }
func (v *formatValue) Type() string   { return "string" }
func (v *formatValue) Set(s string) error {
	if err := setOnce(v.by, "--format"); err != nil {
		return err
	}
	if !slices.Contains(v.allowed, s) {
		return fmt.Errorf("%q is not an output format: use %s", s, strings.Join(v.allowed, " or "))
	}
	*v.p = s
	return nil
}

// jsonAlias is --json, kept from before --format: the same as --format json.
type jsonAlias struct {
	p  *string
	by *string
}

func (v *jsonAlias) String() string   { return "false" }
func (v *jsonAlias) Type() string     { return "bool" }
func (v *jsonAlias) IsBoolFlag() bool { return true }
func (v *jsonAlias) Set(s string) error {
	if err := setOnce(v.by, "--json"); err != nil {
		return err
	}
	switch s {
	case "true":
		*v.p = formatJSON
	case "false":
		*v.p = formatText
	default:
		return fmt.Errorf("%q is not a boolean", s)
	}
	return nil
}

// setOnce records that flag set the format, refusing a second flag.
func setOnce(by *string, flag string) error {
	if *by != "" && *by != flag {
		return fmt.Errorf("%s and %s both choose the output format: give one", *by, flag)
	}
	*by = flag
	return nil
}

// addFormatFlags gives c `--format text|json` (default text), writing into
// p, and `--json` as its alias; giving both is a usage error.
func addFormatFlags(c *cobra.Command, p *string, what string) {
	*p = formatText
	by := new(string)
	f := c.Flags()
	f.Var(&formatValue{p: p, allowed: []string{formatText, formatJSON}, by: by}, "format", "output format: text or json (json prints "+what+")")
	f.Var(&jsonAlias{p: p, by: by}, "json", "the same as --format json")
	f.Lookup("json").NoOptDefVal = "true"
}
