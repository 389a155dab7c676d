package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/slipway/slipway/internal/deploy"
	"github.com/slipway/slipway/internal/rules"
	"github.com/slipway/slipway/internal/textsafe"
)

// maxDeployFile bounds a compose or Kubernetes file lint reads.
const maxDeployFile = 4 << 20

// isDeployFile reports whether lint reads file as a compose file or
// Kubernetes manifests (by its .yaml/.yml name) rather than a Dockerfile.
func isDeployFile(file string) bool {
	ext := strings.ToLower(filepath.Ext(file))
	return ext == ".yaml" || ext == ".yml"
}

// checkDeployFile reports SW170 for each setting of file that runs a
// container weaker than slipway's hardening.
func checkDeployFile(ctx context.Context, file string) ([]rules.Finding, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxDeployFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, maxDeployFile)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	ws, err := deploy.Weaknesses(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	sev := rules.Warning
	id := "SW170"
	if r, ok := catalogue.Lookup(id); ok {
		sev = r.Severity
	}
	var out []rules.Finding
	for _, w := range ws {
		out = append(out, rules.Finding{
			RuleID: id, Severity: sev, File: file, Line: w.Line, EndLine: w.Line,
			Message: textsafe.String(w.Where + ": " + w.What),
		})
	}
	return out, nil
}
