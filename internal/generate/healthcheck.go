package generate

import (
	"fmt"
	"strings"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/dfescape"
	"github.com/slipway/slipway/templates"
)

// ProbePath is where the final stage carries slipway's static probe.
const ProbePath = "/usr/local/bin/slipway-probe"

// ProbeBuilder is the toolchain image the probe stage compiles with.
const ProbeBuilder = "docker.io/library/golang:1.26-bookworm"

// hcPlan is how the final stage answers its HEALTHCHECK.
type hcPlan struct {
	// Instruction is the whole HEALTHCHECK line, or "".
	Instruction string
	// Probe is set when the image carries slipway-probe, built in the
	// probe stage.
	Probe bool
	// Binary is the project's own probe program, built beside main and
	// copied to /app/<Binary>.
	Binary string
}

// healthcheck plans the HEALTHCHECK instruction for a resolved project. An
// HTTP path is probed with a tool the base has (curl, wget), else its
// language runtime, else slipway's static probe (templates/probe), which
// needs neither shell nor libc; the gRPC health service is always probed
// with the static probe; a project binary is run as is.
func healthcheck(r *Resolved) (hcPlan, error) {
	h := r.Project.Healthcheck
	if !h.IsSet() {
		return hcPlan{}, nil
	}
	var plan hcPlan
	cmd := h.Command
	switch {
	case len(cmd) > 0:
	case h.Binary != "":
		plan.Binary = h.Binary
		cmd = []string{"/app/" + h.Binary}
	case h.GRPC:
		if r.Project.Port == 0 {
			return hcPlan{}, &config.FieldError{Key: "healthcheck.grpc", Msg: "a gRPC healthcheck needs a port; set port"}
		}
		plan.Probe = true
		cmd = []string{ProbePath, "grpc", fmt.Sprintf("127.0.0.1:%d", r.Project.Port)}
	default:
		var err error
		if cmd, plan.Probe, err = httpProbe(r); err != nil {
			return hcPlan{}, err
		}
	}
	plan.Instruction = dfescape.HealthcheckInstruction(dfescape.Healthcheck{Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}, "5s", cmd)
	return plan, nil
}

// httpProbe is the command that GETs the health path; probe reports that
// it is slipway's static probe.
func httpProbe(r *Resolved) (cmd []string, probe bool, err error) {
	url := fmt.Sprintf("http://127.0.0.1:%d%s", r.Project.Port, r.Project.Healthcheck.HTTPPath)
	b := r.Base
	switch {
	case r.Project.Port == 0:
		return nil, false, &config.FieldError{Key: "healthcheck.http_path", Msg: "an HTTP healthcheck needs a port; set port"}
	case b.HasTool("curl"):
		return []string{"curl", "-fsS", "-o", "/dev/null", url}, false, nil
	case b.HasTool("wget"):
		return []string{"wget", "-q", "-O", "/dev/null", url}, false, nil
	}
	if cmd := templates.RuntimeProbe(b, url); cmd != nil {
		return cmd, false, nil
	}
	return []string{ProbePath, url}, true, nil
}

// probeStage is the build stage that compiles slipway-probe from the
// embedded source: a heredoc COPY (the built-in Dockerfile frontend
// supports it), the standard library only, CGO_ENABLED=0, and no build id,
// so the binary is static and reproducible. BuildKit builds it beside the
// service's own stages.
func probeStage(baseKey, from string) (string, error) {
	// Whole-line comments are left out of the heredoc (the source file
	// has no //go: directives) and tabs become spaces (Go reads either;
	// a generated Dockerfile has no control characters): the Dockerfile
	// carries the code only.
	code, err := templates.HeredocCode(templates.ProbeSource())
	if err != nil {
		return "", fmt.Errorf("templates/probe/main.go: %w", err)
	}
	src := "// slipway-probe, from slipway's templates/probe/main.go (comments left out).\n" + code
	var b strings.Builder
	fmt.Fprintf(&b, "# probe builds slipway's static health probe (base %s has nothing to probe with).\n", baseKey)
	fmt.Fprintf(&b, "FROM %s AS probe\n", from)
	b.WriteString("WORKDIR /probe\n")
	b.WriteString("ENV CGO_ENABLED=0 GOFLAGS=-trimpath GOTOOLCHAIN=local\n")
	b.WriteString("COPY <<'EOF' main.go\n")
	b.WriteString(src)
	b.WriteString("\nEOF\n")
	b.WriteString("RUN --mount=type=cache,target=/root/.cache/go-build \\\n")
	fmt.Fprintf(&b, "    go build -ldflags=\"-s -w -buildid=\" -o /out/slipway-probe main.go\n\n")
	return b.String(), nil
}
