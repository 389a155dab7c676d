package generate

import "github.com/slipway/slipway/internal/dfescape"

// The escaping helpers the templates and View use; see internal/dfescape.
var (
	execForm = dfescape.ExecForm
	quote    = dfescape.Quote
)
