// Package generate renders a service's Dockerfile and .dockerignore from its
// slipway.toml: pure functions from a project and the template set to bytes,
// plus atomic, non-destructive writing and drift checks. BuildKitLint runs
// BuildKit's dockerfile frontend checks in process (dockerfile2llb, with
// client/llb's source map and a placeholder image resolver): no daemon, no
// network, no build; building is internal/build's.
package generate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/templates"
)

// Output is a rendered service.
type Output struct {
	Dockerfile   []byte
	Dockerignore []byte
	// DockerignoreName is where Dockerignore belongs, beside the
	// Dockerfile: ".dockerignore", or "Dockerfile.dockerignore" when the
	// build context is above the service folder (service_dir), which
	// BuildKit reads before the context's own .dockerignore, so a
	// repository root's file is never replaced.
	DockerignoreName string
	Warnings         []string
}

// Funcs are the template functions: sprig's hermetic set (no env, time or
// randomness) plus our escaping helpers.
func Funcs() template.FuncMap {
	f := sprig.HermeticTxtFuncMap()
	f["exec"] = func(args ...string) string { return execForm(args) }
	f["execList"] = func(args []string) string { return execForm(args) }
	f["quote"] = quote
	// A template's fail reports a configuration problem (a choice the
	// template cannot render), so it reaches the user as one: naming
	// slipway.toml, with exit code 2.
	f["fail"] = func(msg string) (string, error) { return "", &config.FieldError{Msg: msg} }
	return f
}

// LoadTemplates loads the embedded template set with our functions.
func LoadTemplates() (*templates.Set, error) { return templates.Load(Funcs()) }

// Render validates p, resolves its defaults, runs the preflight checks and
// renders both files. It has no side effects.
func Render(set *templates.Set, p *config.Project, team *config.Team) (*Output, error) {
	return RenderIn(set, p, team, "")
}

// RenderIn is Render for the service in dir: a golden base is pinned to the
// digest of the golden/golden.lock found above dir.
func RenderIn(set *templates.Set, p *config.Project, team *config.Team, dir string) (*Output, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	r, err := ResolveIn(set, p, team, dir)
	if err != nil {
		return nil, err
	}
	if dir != "" {
		if err := CheckTree(dir, p); err != nil {
			return nil, err
		}
	}
	warnings, err := Preflight(set, r, team)
	if err != nil {
		return nil, err
	}
	v, err := r.View()
	if err != nil {
		return nil, err
	}
	df, err := set.Execute(p.Language, "Dockerfile.tmpl", v)
	if err != nil {
		return nil, err
	}
	if v.Probe {
		// The probe stage comes first: a COPY --from names an earlier stage.
		stage, err := probeStage(r.Base.Key, config.PinnedRef(ProbeBuilder, p.Pins))
		if err != nil {
			return nil, err
		}
		df = append([]byte(stage), df...)
	}
	di, err := set.Execute(p.Language, "dockerignore.tmpl", v)
	if err != nil {
		return nil, err
	}
	syntax := ""
	if team != nil {
		syntax = team.Syntax
	}
	ignoreName := ".dockerignore"
	if p.ServiceDir != "" {
		di = rootIgnore(tidy(di), p.ServiceDir, p.SharedPaths)
		ignoreName = "Dockerfile.dockerignore"
	}
	tv := fmt.Sprintf("%s@%d", p.Language, r.Manifest.TemplateVersion)
	return &Output{
		Dockerfile:       WithHeader(tidy(df), tv, syntax),
		Dockerignore:     WithHeader(tidy(di), tv, ""),
		DockerignoreName: ignoreName,
		Warnings:         warnings,
	}, nil
}

// tidy collapses runs of blank lines and ends the file with one newline.
func tidy(b []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var out []string
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

const (
	headerMark = "# slipway:generated"
	hashMark   = "# slipway:hash sha256:"
)

// WithHeader prefixes body with slipway's header: a marker naming the
// template version, and the hash of the body, so that a later generate can
// tell an untouched file from one edited by hand. A syntax directive, when
// given, must stay the first line.
func WithHeader(body []byte, templateVersion, syntax string) []byte {
	var b bytes.Buffer
	if syntax != "" {
		fmt.Fprintf(&b, "# syntax=%s\n", syntax)
	}
	fmt.Fprintf(&b, "%s by slipway from slipway.toml (template %s). Edit slipway.toml and run `slipway generate`;\n", headerMark, templateVersion)
	fmt.Fprintf(&b, "# hand edits are detected and never overwritten without --force.\n")
	sum := sha256.Sum256(body)
	fmt.Fprintf(&b, "%s%s\n\n", hashMark, hex.EncodeToString(sum[:]))
	b.Write(body)
	return b.Bytes()
}

// ErrNoHeader means a file was not written by slipway (or its header was removed).
var ErrNoHeader = errors.New("no slipway header")

// Untouched reports whether content still is exactly what slipway wrote:
// its header is present and its body matches the recorded hash.
func Untouched(content []byte) (bool, error) {
	s := string(content)
	i := strings.Index(s, hashMark)
	if i < 0 || !strings.Contains(s[:i], headerMark) {
		return false, ErrNoHeader
	}
	rest := s[i+len(hashMark):]
	nl := strings.IndexByte(rest, '\n')
	if nl < 0 {
		return false, ErrNoHeader
	}
	want := rest[:nl]
	body := strings.TrimPrefix(rest[nl+1:], "\n")
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:]) == want, nil
}
