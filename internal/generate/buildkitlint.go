package generate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	digest "github.com/opencontainers/go-digest"
)

// LintWarning is one finding of BuildKit's Dockerfile checks.
type LintWarning struct {
	Rule        string // BuildKit rule name, e.g. "JSONArgsRecommended"
	Description string // what the rule checks
	URL         string // the rule's documentation
	Detail      string // the message for this occurrence
	Line        int    // 1-based line in the Dockerfile; 0 when unknown
}

func (w LintWarning) String() string {
	return fmt.Sprintf("line %d: %s: %s (%s)", w.Line, w.Rule, w.Detail, w.URL)
}

// lintDirective enables every BuildKit check, experimental ones included.
const lintDirective = "# check=experimental=all\n"

// BuildKitLint runs BuildKit's own Dockerfile checks (the ones a build with
// BUILDKIT_DOCKERFILE_CHECK, or `docker build --check`, runs) in process,
// with every rule enabled, experimental ones included, and returns the
// warnings. Rules the file itself skips with a `# check=skip=...` directive
// stay skipped. It needs no daemon and
// no network: base images resolve to an empty placeholder config, so the
// rules that look inside a base image's config have nothing to report.
// An error means the Dockerfile does not parse or convert at all.
func BuildKitLint(dockerfile []byte) ([]LintWarning, error) {
	src, shift := enableAllChecks(dockerfile)
	var warnings []LintWarning
	sm := llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", src)
	sm.Definition = &llb.Definition{} // lint results carry the source; there is no LLB
	opt := dockerfile2llb.ConvertOpt{
		MetaResolver: placeholderResolver{},
		SourceMap:    sm,
	}
	res, err := dockerfile2llb.DockerfileLint(context.Background(), src, opt)
	if err != nil {
		return nil, fmt.Errorf("linting Dockerfile: %w", err)
	}
	if res.Error != nil {
		line := 0
		if len(res.Error.Location.Ranges) > 0 {
			line = int(res.Error.Location.Ranges[0].Start.Line) - shift
		}
		return nil, fmt.Errorf("linting Dockerfile: line %d: %s", line, res.Error.Message)
	}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line) - shift
		}
		warnings = append(warnings, LintWarning{
			Rule:        w.RuleName,
			Description: w.Description,
			URL:         w.URL,
			Detail:      w.Detail,
			Line:        line,
		})
	}
	return warnings, nil
}

// enableAllChecks turns every rule on with a check directive: placed first,
// or merged into the file's own check directive (a second one is a parse
// error), whose skips are kept. shift is the number of lines added.
func enableAllChecks(dockerfile []byte) (src []byte, shift int) {
	_, value, loc, ok := parser.ParseDirective("check", dockerfile)
	if !ok {
		return append([]byte(lintDirective), dockerfile...), 1
	}
	if strings.Contains(value, "experimental=all") || len(loc) == 0 {
		return dockerfile, 0
	}
	lines := bytes.SplitAfter(dockerfile, []byte("\n"))
	i := loc[0].Start.Line - 1
	if i < 0 || i >= len(lines) {
		return dockerfile, 0
	}
	merged := "# check=" + strings.TrimSpace(value) + ";experimental=all\n"
	out := make([]byte, 0, len(dockerfile)+len(merged))
	for j, l := range lines {
		if j == i {
			out = append(out, merged...)
			continue
		}
		out = append(out, l...)
	}
	return out, 0
}

// placeholderResolver answers every base image lookup with an empty image
// config for the host platform, so that linting never touches a registry.
type placeholderResolver struct{}

var _ llb.ImageMetaResolver = placeholderResolver{}

func (placeholderResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := map[string]any{
		"os":           "linux",
		"architecture": runtime.GOARCH,
		"config":       map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + fmt.Sprintf("%064x", 0)}},
	}
	dt, err := json.Marshal(cfg)
	if err != nil {
		return "", "", nil, err
	}
	return ref, "", dt, nil
}
