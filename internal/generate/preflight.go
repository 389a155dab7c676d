package generate

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/shells"
	"github.com/slipway/slipway/templates"
)

// Preflight checks that the project's choices fit together before anything
// is rendered. Errors make the result unusable; warnings are printed.
func Preflight(set *templates.Set, r *Resolved, team *config.Team) (warnings []string, err error) {
	p, b := &r.Project, r.Base
	var errs []error
	fail := func(key, format string, args ...any) {
		errs = append(errs, &config.FieldError{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	if !b.Fits(p.Language) {
		fail("base", "%s cannot run %s output (%s); bases that fit: %s", b.Key, p.Language, b.Notes, strings.Join(fitting(set, p.Language), ", "))
	}
	for _, c := range []struct {
		key  string
		args []string
	}{{"entrypoint", p.Entrypoint}, {"cmd", p.Cmd}, {"healthcheck.command", p.Healthcheck.Command}} {
		if len(c.args) == 0 {
			continue
		}
		prog := path.Base(c.args[0])
		switch {
		case shells.Is(prog) && !b.Shell:
			fail(c.key, "runs %s, but base %s has no shell; use an exec-form command that runs your program directly", c.args[0], b.Key)
		case (prog == "curl" || prog == "wget") && !b.HasTool(prog) && !b.Shell:
			fail(c.key, "runs %s, which base %s does not have; probe with your own binary (e.g. a -healthcheck flag) or an http_path", prog, b.Key)
		}
	}
	if pr, ok := templates.Provider(p.Language); ok {
		if bc, ok := pr.(provider.BaseChecker); ok {
			for _, is := range bc.CheckBase(provider.Base{Key: b.Key, Libc: b.Libc}, provider.Build{CGO: p.CGO}) {
				if is.Warning {
					warnings = append(warnings, is.Msg)
				} else {
					fail(is.Key, "%s", is.Msg)
				}
			}
		}
	}
	if !b.CACerts && !r.Manifest.Static {
		warnings = append(warnings, fmt.Sprintf("base %s carries no CA certificates: HTTPS clients in the service will fail to verify servers", b.Key))
	}
	if team != nil {
		if team.MinUID > 0 && p.User < team.MinUID {
			fail("user", "uid %d is below the team's min_uid %d", p.User, team.MinUID)
		}
		if team.RequireHealthcheck && !p.Healthcheck.IsSet() {
			fail("healthcheck", "the team standard requires a HEALTHCHECK; set healthcheck.command or healthcheck.http_path")
		}
		for _, l := range team.RequiredLabels {
			if _, ok := p.Labels[l]; !ok && !autoLabel(l) {
				fail("labels", "the team standard requires label %q", l)
			}
		}
	}
	// Golden images are pinned through golden.lock, not base_digest.
	if strings.HasPrefix(p.Base, "golden:") && !r.GoldenLocked && p.BaseDigest == "" {
		warnings = append(warnings, fmt.Sprintf("%s has no entry in a golden/golden.lock above the service: FROM %s is unpinned (run `slipway golden build`)", p.Base, r.BaseRef))
	}
	if p.BaseDigest == "" && movingTag(r.BaseRef) && !strings.HasPrefix(p.Base, "golden:") {
		fail("base_digest", "base %s (%s) is published only under a moving tag; pin it: set base_digest = \"sha256:...\" (`slipway pin`, or `slipway init --pin`, resolves it from the registry)", b.Key, r.BaseRef)
	}
	if p.User == 0 {
		fail("user", "the final image must not run as root")
	}
	return warnings, errors.Join(errs...)
}

// movingTag reports whether ref names no digest and its tag is "latest" (or
// absent, which means latest): such a FROM line changes under the user.
func movingTag(ref string) bool {
	if ref == "scratch" || strings.Contains(ref, "@") {
		return false
	}
	last := ref[strings.LastIndex(ref, "/")+1:]
	i := strings.LastIndex(last, ":")
	return i < 0 || last[i+1:] == "latest"
}

func autoLabel(k string) bool {
	return k == "org.opencontainers.image.title" || k == "org.opencontainers.image.base.name"
}

func fitting(set *templates.Set, lang string) []string {
	var out []string
	for _, k := range set.BaseKeys() {
		if set.Bases[k].Fits(lang) {
			out = append(out, k)
		}
	}
	return out
}

// FittingBases lists the catalogue entries that can run a language, for
// the wizard and error messages.
func FittingBases(set *templates.Set, lang string) []templates.Base {
	var out []templates.Base
	for _, k := range fitting(set, lang) {
		out = append(out, set.Bases[k])
	}
	return out
}
