// Package rules is slipway's policy catalogue: every rule that `slipway lint`
// (SW1xx, over a Dockerfile) and `slipway scan` (SW2xx, over an image) can
// report, with its default severity, how to fix it, and the CIS Docker
// Benchmark items, hadolint rules and BuildKit checks it corresponds to. It
// also lists BuildKit's own Dockerfile checks, which lint runs in process
// and reports under their BuildKit names. Findings of both commands share
// the Finding type, so that one report package prints them all.
package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Severity orders findings; a command's --severity threshold decides which
// of them fail it.
type Severity int

// Severities, from none to the most severe.
const (
	Off Severity = iota
	Info
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Off:
		return "off"
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads "off", "info", "warning" (or "warn") or "error".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "none":
		return Off, nil
	case "info", "note":
		return Info, nil
	case "warning", "warn":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return Off, fmt.Errorf("%q is not a severity; use info, warning or error (or off)", s)
}

// Kind says which command reports a rule.
type Kind string

// Kinds of rules.
const (
	KindLint     Kind = "lint"     // slipway's Dockerfile rules (SW1xx)
	KindImage    Kind = "image"    // slipway's image rules (SW2xx), reported by scan
	KindBuildKit Kind = "buildkit" // BuildKit's own Dockerfile checks, reported by lint
)

// Rule is one catalogue entry.
type Rule struct {
	ID       string   // stable id: SW1xx (lint), SW2xx (image), or a BuildKit check name
	Name     string   // short kebab-case name
	Kind     Kind     // which command reports it
	Severity Severity // default severity; a team file may override it
	Message  string   // one line: what is wrong
	Why      string   // why it matters
	Fix      string   // how to fix it
	Example  string   // a fixed Dockerfile (or command) fragment
	CIS      []string // CIS Docker Benchmark items ("4.1")
	Hadolint []string // hadolint rules ("DL3002")
	BuildKit []string // BuildKit checks that report the same problem
	HelpURI  string   // documentation; BuildKit rules link to Docker's docs
	// Fixable rules have an automatic rewrite in `slipway lint --fix`.
	Fixable bool
}

// HelpText is the rule's explanation as plain text: why, how to fix, example.
func (r Rule) HelpText() string {
	var b strings.Builder
	b.WriteString(r.Message)
	if r.Why != "" {
		b.WriteString("\n\n" + r.Why)
	}
	if r.Fix != "" {
		b.WriteString("\n\nFix: " + r.Fix)
	}
	if r.Example != "" {
		b.WriteString("\n\nExample:\n" + indent(r.Example, "    "))
	}
	return b.String()
}

// References lists the rule's mappings as "CIS 4.1", "DL3002", ... .
func (r Rule) References() []string {
	var out []string
	for _, c := range r.CIS {
		out = append(out, "CIS "+c)
	}
	out = append(out, r.Hadolint...)
	for _, b := range r.BuildKit {
		out = append(out, "BuildKit "+b)
	}
	return out
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// Finding is one occurrence of a rule, in a Dockerfile or an image.
type Finding struct {
	RuleID   string   `json:"rule"`
	Severity Severity `json:"-"`
	Message  string   `json:"message"`
	// File is the Dockerfile (as given on the command line) or the image.
	File string `json:"file"`
	// Line and EndLine are 1-based; 0 when the finding has no line.
	Line    int `json:"line,omitempty"`
	EndLine int `json:"endLine,omitempty"`
	// Source is the offending text (the instruction's lines), when known.
	Source string `json:"source,omitempty"`
}

// Catalogue is the rule list, in id order, with an index.
type Catalogue struct {
	rules []Rule
	byID  map[string]int
}

// All returns every rule: slipway's in id order, then BuildKit's by name.
func (c *Catalogue) All() []Rule { return append([]Rule(nil), c.rules...) }

// Lookup finds a rule by id (case-insensitive).
func (c *Catalogue) Lookup(id string) (Rule, bool) {
	i, ok := c.byID[strings.ToLower(id)]
	if !ok {
		return Rule{}, false
	}
	return c.rules[i], true
}

// Default is the catalogue: slipway's lint and image rules and BuildKit's
// Dockerfile checks.
func Default() *Catalogue {
	return newCatalogue(append(append(lintRules(), imageRules()...), buildKitRules()...))
}

func newCatalogue(rs []Rule) *Catalogue {
	sort.SliceStable(rs, func(i, j int) bool {
		ki, kj := kindOrder(rs[i].Kind), kindOrder(rs[j].Kind)
		if ki != kj {
			return ki < kj
		}
		return rs[i].ID < rs[j].ID
	})
	c := &Catalogue{rules: rs, byID: map[string]int{}}
	for i, r := range rs {
		k := strings.ToLower(r.ID)
		if _, dup := c.byID[k]; dup {
			panic("rules: duplicate id " + r.ID) // a programming error, caught by the tests
		}
		c.byID[k] = i
	}
	return c
}

func kindOrder(k Kind) int {
	switch k {
	case KindLint:
		return 0
	case KindImage:
		return 1
	}
	return 2
}

// ParseThreshold reads a --severity flag: the lowest severity that fails a
// run. Empty means warning; "off" is refused (it would fail on nothing).
func ParseThreshold(s string) (Severity, error) {
	if s == "" {
		return Warning, nil
	}
	sev, err := ParseSeverity(s)
	if err != nil || sev == Off {
		return Off, fmt.Errorf("--severity %q: use info, warning or error", s)
	}
	return sev, nil
}

// Fails reports whether a finding is at or above threshold: a run that
// found it fails.
func Fails(fs []Finding, threshold Severity) bool {
	for _, f := range fs {
		if f.Severity >= threshold {
			return true
		}
	}
	return false
}

// Unknown lists, sorted, the rule ids a team file's [rules] names that the
// catalogue does not know, so that a typo does not silently do nothing.
func (c *Catalogue) Unknown(overrides map[string]string) []string {
	var out []string
	for id := range overrides {
		if _, ok := c.Lookup(id); !ok {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
