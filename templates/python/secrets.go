package python

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

var (
	// ${VAR} in a requirements file: pip expands it from the environment.
	reEnvRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
	// pip's own index variables, read by a build script or by pip itself.
	rePipEnv = regexp.MustCompile(`\b(PIP_(?:EXTRA_)?INDEX_URL)\b`)
	// index-url / extra-index-url in pip.conf.
	rePipConfIndex = regexp.MustCompile(`(?m)^\s*(index-url|extra-index-url)\s*=\s*(\S+)`)
	reSecretName   = regexp.MustCompile(`[^A-Z0-9]+`)
)

// secrets collects the build secrets a tree needs, once per variable.
type secrets struct {
	d    *provider.Detector
	seen map[string]bool
}

func (s *secrets) add(env, format string, args ...any) {
	if s.seen[env] {
		return
	}
	s.seen[env] = true
	s.d.R.BuildSecrets = append(s.d.R.BuildSecrets, provider.Secret{ID: strings.ToLower(env), Env: env})
	s.d.R.Found("secret", strings.ToLower(env)+" (env "+env+")", format, args...)
}

// hasPassword reports whether an index URL carries a literal password
// (not a ${VAR} reference); it never returns the password.
func hasPassword(raw string) bool {
	if reEnvRef.MatchString(raw) {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok || u.User.Username() != ""
}

// detectSecrets finds the credentials the install steps need: ${VAR} in a
// requirements file's index URL (pip expands it), PIP_INDEX_URL or
// PIP_EXTRA_INDEX_URL read by a build script, a pip.conf index with
// credentials, and Poetry or uv sources (their credentials come from
// POETRY_HTTP_BASIC_<NAME>_* and UV_INDEX_<NAME>_*). A literal password is
// never copied anywhere: it is reported, with the variable to move it to.
func detectSecrets(d *provider.Detector, ds *deps, py *pyproject) error {
	s := &secrets{d: d, seen: map[string]bool{}}
	for _, ix := range ds.indexes {
		for _, m := range reEnvRef.FindAllStringSubmatch(ix.url, -1) {
			s.add(m[1], "%s (%s expands ${%s})", ix.where, ix.opt, m[1])
		}
		if hasPassword(ix.url) {
			d.R.Note(fmt.Sprintf("warning: %s: the %s URL carries credentials, and requirements files are sent into the build: write them as ${PIP_INDEX_USER}:${PIP_INDEX_PASSWORD} (pip expands them from the build secrets slipway then declares)", ix.where, ix.opt))
		}
	}
	for _, f := range []string{"pip.conf", "pip.ini", ".pip/pip.conf"} {
		b, err := d.Read(f)
		if err != nil {
			return err
		}
		for _, m := range rePipConfIndex.FindAllStringSubmatch(string(b), -1) {
			env := "PIP_INDEX_URL"
			if m[1] == "extra-index-url" {
				env = "PIP_EXTRA_INDEX_URL"
			}
			if hasPassword(m[2]) || reEnvRef.MatchString(m[2]) {
				s.add(env, "%s (%s with credentials; pip reads %s from the environment)", f, m[1], env)
			}
		}
	}
	for _, f := range buildScripts(d) {
		b, err := d.Read(f)
		if err != nil {
			return err
		}
		for i, l := range strings.Split(string(b), "\n") {
			if m := rePipEnv.FindStringSubmatch(l); m != nil {
				s.add(m[1], "%s:%d", f, i+1)
			}
		}
	}
	if py.Tool.Poetry != nil {
		for _, src := range py.Tool.Poetry.Source {
			if src.Name == "" || isPyPI(src.URL) {
				continue
			}
			n := reSecretName.ReplaceAllString(strings.ToUpper(src.Name), "_")
			for _, part := range []string{"USERNAME", "PASSWORD"} {
				s.add("POETRY_HTTP_BASIC_"+n+"_"+part, "pyproject.toml [[tool.poetry.source]] %q (%s)", src.Name, redact(src.URL))
			}
		}
	}
	if ix, ok := py.Tool.UV["index"].([]map[string]any); ok {
		for _, e := range ix {
			name, _ := e["name"].(string)
			u, _ := e["url"].(string)
			if name == "" || isPyPI(u) {
				continue
			}
			n := reSecretName.ReplaceAllString(strings.ToUpper(name), "_")
			for _, part := range []string{"USERNAME", "PASSWORD"} {
				s.add("UV_INDEX_"+n+"_"+part, "pyproject.toml [[tool.uv.index]] %q (%s)", name, redact(u))
			}
		}
	}
	return nil
}

func isPyPI(u string) bool {
	return strings.Contains(u, "://pypi.org/") || strings.Contains(u, "://files.pythonhosted.org/")
}

// buildScripts are the root files that may drive the install: setup.py,
// shell scripts, a Makefile.
func buildScripts(d *provider.Detector) []string {
	var out []string
	entries, err := os.ReadDir(d.Dir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && (n == "setup.py" || n == "Makefile" || strings.HasSuffix(n, ".sh")) {
			out = append(out, n)
		}
	}
	return out
}

// redact drops a URL's user information, so no printed line carries a
// password.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "an index URL"
	}
	u.User = nil
	return u.String()
}
