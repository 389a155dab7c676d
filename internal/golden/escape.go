package golden

import (
	"strings"

	"github.com/slipway/slipway/internal/dfescape"
)

// The Dockerfile escaping helpers are internal/dfescape's, shared with
// service generation.
var (
	execForm = dfescape.ExecForm
	quote    = dfescape.Quote
)

// shellWord renders s as one POSIX shell word in single quotes. Values that
// reach a RUN line are validated to a safe alphabet first; quoting them is
// the second fence.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/@+=:,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellWords(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = shellWord(s)
	}
	return strings.Join(out, " ")
}
