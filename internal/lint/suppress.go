package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/rules"
)

// suppressionMark starts an inline suppression comment:
//
//	# slipway:ignore SW101[,SW150 ...] -- reason
//
// It applies to the instruction directly below its comment block.
const suppressionMark = "slipway:ignore"

type suppression struct {
	line   int             // the comment's line
	target int             // the instruction's first line
	ids    map[string]bool // upper-cased rule ids
	reason string
	used   bool
}

type suppressions struct {
	list     []*suppression
	byTarget map[int][]*suppression
}

// suppressions reads the slipway:ignore comments in the comment block
// directly above each instruction.
func (d *doc) suppressions() *suppressions {
	s := &suppressions{byTarget: map[int][]*suppression{}}
	prevEnd := 0
	for _, n := range d.ast.Children {
		for l := n.StartLine - 1; l > prevEnd && l >= 1 && l <= len(d.lines); l-- {
			text := strings.TrimSpace(d.lines[l-1])
			if !strings.HasPrefix(text, "#") {
				break
			}
			sp := parseSuppression(strings.TrimSpace(strings.TrimPrefix(text, "#")))
			if sp == nil {
				continue
			}
			sp.line, sp.target = l, n.StartLine
			s.list = append(s.list, sp)
			s.byTarget[n.StartLine] = append(s.byTarget[n.StartLine], sp)
		}
		prevEnd = n.EndLine
	}
	// In source order, for stable findings.
	for i, j := 0, len(s.list)-1; i < j; i, j = i+1, j-1 {
		s.list[i], s.list[j] = s.list[j], s.list[i]
	}
	return s
}

func parseSuppression(comment string) *suppression {
	rest, ok := strings.CutPrefix(comment, suppressionMark)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return nil
	}
	ids, reason, _ := strings.Cut(rest, "--")
	sp := &suppression{ids: map[string]bool{}, reason: strings.TrimSpace(reason)}
	for _, id := range strings.FieldsFunc(ids, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		sp.ids[strings.ToUpper(id)] = true
	}
	return sp
}

// suppress reports whether f is suppressed, marking the suppression used.
// A suppression without a reason suppresses nothing.
func (s *suppressions) suppress(f rules.Finding, d *doc) bool {
	for _, sp := range s.byTarget[d.startOf(f.Line)] {
		if sp.reason != "" && sp.ids[strings.ToUpper(f.RuleID)] {
			sp.used = true
			return true
		}
	}
	return false
}

// findings are the problems with the suppressions themselves.
func (s *suppressions) findings(d *doc) []rules.Finding {
	var out []rules.Finding
	add := func(id string, sp *suppression, msg string) {
		r, _ := catalogue.Lookup(id)
		out = append(out, rules.Finding{RuleID: id, Severity: r.Severity, Message: msg, File: d.path,
			Line: sp.line, EndLine: sp.line, Source: d.mask(d.source(sp.line, sp.line))})
	}
	for _, sp := range s.list {
		if len(sp.ids) == 0 {
			add("SW191", sp, "slipway:ignore names no rule")
			continue
		}
		var unknown []string
		for id := range sp.ids {
			if _, ok := catalogue.Lookup(id); !ok {
				unknown = append(unknown, id)
			}
		}
		sortStrings(unknown)
		if len(unknown) > 0 {
			add("SW191", sp, fmt.Sprintf("slipway:ignore names unknown rule(s) %s", strings.Join(unknown, ", ")))
		}
		switch {
		case sp.reason == "":
			add("SW190", sp, "slipway:ignore without a reason (write it after ` -- `): it suppresses nothing")
		case !sp.used && len(unknown) < len(sp.ids):
			add("SW192", sp, "slipway:ignore suppresses nothing on the next instruction")
		}
	}
	return out
}

// startOf maps a line to the first line of the instruction that contains
// it. Instructions are in line order and do not overlap: a binary search, so
// that many findings in a long file cost no walk each.
func (d *doc) startOf(line int) int {
	cs := d.ast.Children
	i := sort.Search(len(cs), func(i int) bool { return cs[i].EndLine >= line })
	if i < len(cs) && cs[i].StartLine <= line {
		return cs[i].StartLine
	}
	return line
}
