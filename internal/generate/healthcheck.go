package generate

import (
	"fmt"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/dfescape"
	"github.com/slipway/slipway/templates"
)

// healthcheck renders the HEALTHCHECK instruction for a resolved project,
// or "" when none is configured. An HTTP path is probed with a tool the
// base has (curl, wget) or its language runtime; a base with neither needs
// an explicit command, which preflight reports.
func healthcheck(r *Resolved) (string, error) {
	h := r.Project.Healthcheck
	if !h.IsSet() {
		return "", nil
	}
	cmd := h.Command
	if len(cmd) == 0 {
		var err error
		if cmd, err = httpProbe(r); err != nil {
			return "", err
		}
	}
	return dfescape.HealthcheckInstruction(dfescape.Healthcheck{Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}, "5s", cmd), nil
}

func httpProbe(r *Resolved) ([]string, error) {
	url := fmt.Sprintf("http://127.0.0.1:%d%s", r.Project.Port, r.Project.Healthcheck.HTTPPath)
	b := r.Base
	switch {
	case r.Project.Port == 0:
		return nil, &config.FieldError{Key: "healthcheck.http_path", Msg: "an HTTP healthcheck needs a port; set port"}
	case b.HasTool("curl"):
		return []string{"curl", "-fsS", "-o", "/dev/null", url}, nil
	case b.HasTool("wget"):
		return []string{"wget", "-q", "-O", "/dev/null", url}, nil
	}
	if cmd := templates.RuntimeProbe(b, url); cmd != nil {
		return cmd, nil
	}
	return nil, &config.FieldError{Key: "healthcheck.http_path", Msg: fmt.Sprintf(
		"base %s has no curl, wget or scripting runtime to probe %s; set healthcheck.command to an exec-form probe your image has (e.g. [\"/app/%s\", \"-healthcheck\"])",
		b.Key, url, r.Project.Name)}
}
