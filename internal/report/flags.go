package report

import (
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/rules"
)

// ParseFlags reads the --severity and --format flags that lint and scan
// share: the lowest severity that fails the run and the format to write.
// A bad value is bad input.
func ParseFlags(severity, format string) (rules.Severity, string, error) {
	threshold, err := rules.ParseThreshold(severity)
	if err != nil {
		return rules.Off, "", errdefs.Invalid(err)
	}
	f, err := ParseFormat(format)
	if err != nil {
		return rules.Off, "", errdefs.Invalid(err)
	}
	return threshold, f, nil
}
