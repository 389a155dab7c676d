package config

import (
	"fmt"
	"io"

	"github.com/slipway/slipway/internal/textsafe"
)

// WriteNotices writes, each on a line of its own after "slipway: ", what a
// command says of the team file before it runs: every key by which a nested
// file tried to loosen a floor (Warnings), then every [rules] entry that
// names no rule, so that a typo does not silently do nothing. file is the
// team file's path (FindTeam's second result). Both are escaped for a
// terminal.
func (t *Team) WriteNotices(w io.Writer, file string) {
	for _, m := range t.Warnings {
		fmt.Fprintf(w, "slipway: warning: %s\n", textsafe.String(m))
	}
	for _, id := range ruleCatalogue().Unknown(t.Rules) {
		fmt.Fprintf(w, "slipway: %s: rules.%s: no such rule (see `slipway rules`)\n", textsafe.String(file), textsafe.String(id))
	}
}
