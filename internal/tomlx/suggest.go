package tomlx

import (
	"strings"

	"github.com/agext/levenshtein"
)

// Suggest returns the option nearest to key by edit distance (compared
// without case, '_' or '-', so "sizeBudget" finds size_budget), or "" when
// none is within two edits: a typo, not another word.
func Suggest(key string, options []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
	}
	k := norm(key)
	best, bestD := "", 3
	for _, o := range options {
		d := levenshtein.Distance(k, norm(o), nil)
		if d < bestD && d < max(len([]rune(k)), 1) {
			best, bestD = o, d
		}
	}
	return best
}
