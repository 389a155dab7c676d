package scan

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/go-units"

	"github.com/slipway/slipway/internal/secrets"
	"github.com/slipway/slipway/internal/userspec"
)

// Labels an image states its base and purpose with.
const (
	labelBaseName    = "org.opencontainers.image.base.name"
	labelBaseDigest  = "org.opencontainers.image.base.digest"
	labelDescription = "org.opencontainers.image.description"
	labelTitle       = "org.opencontainers.image.title"
)

// config checks the image config: user, healthcheck, environment, history.
func (s *scanner) config() {
	c := s.cf.Config
	s.user(c.User)
	if hc := c.Healthcheck; hc == nil || len(hc.Test) == 0 || strings.EqualFold(hc.Test[0], "NONE") {
		s.add("SW202", "The image has no HEALTHCHECK")
	}
	env := map[string]string{}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
		if why := secretVar(k, v); why != "" {
			s.add("SW220", "ENV %s=%s: %s", k, mask(v), why)
		}
	}
	s.history(env)
}

// user checks the config's User as a runtime reads it (userspec): empty,
// root, 0 in any spelling ("00", "+0", "4294967296"), or a name that the
// image's /etc/passwd maps to uid 0 on any of its lines runs as root.
func (s *scanner) user(u string) {
	sp, err := userspec.Parse(u)
	if err != nil {
		s.add("SW200", "The image's user %q is not a user any runtime accepts (%v); it cannot be shown to be non-root", u, err)
		return
	}
	switch {
	case sp.DefaultUser() && u == "":
		s.add("SW200", "The image sets no user, so it runs as root (uid 0)")
		return
	case sp.Root():
		if why := sp.Spelling(); why != "" {
			s.add("SW200", "The image runs as %q: %s", u, why)
		} else {
			s.add("SW200", "The image runs as %q (uid 0)", u)
		}
		return
	case sp.User.Numeric:
		return
	}
	r, err := userspec.Resolve(userspec.Spec{Raw: sp.User.Raw, User: sp.User}, s.tree.Passwd, nil)
	switch {
	case err != nil:
		s.add("SW201", "The image runs as the name %q, which the image's /etc/passwd does not define", u)
	case r.AnyRoot() && r.Ambiguous():
		s.add("SW200", "The image runs as %q, which /etc/passwd defines on lines %s with uids %s: one of them is uid 0", u, joinInts(r.Lines), joinUIDs(r.UIDs))
	case r.AnyRoot():
		s.add("SW200", "The image runs as %q, which /etc/passwd maps to uid 0", u)
	default:
		s.add("SW201", "The image runs as the name %q; use its numeric uid %d", u, r.UID)
	}
}

func joinInts(ns []int) string {
	var out []string
	for _, n := range ns {
		out = append(out, strconv.Itoa(n))
	}
	return strings.Join(out, ", ")
}

func joinUIDs(ns []uint32) string {
	var out []string
	for _, n := range ns {
		out = append(out, strconv.FormatUint(uint64(n), 10))
	}
	return strings.Join(out, ", ")
}

// secretVar says why NAME=value carries a credential, or "".
func secretVar(k, v string) string {
	if v == "" {
		return ""
	}
	if what := secrets.Value(v); what != "" {
		return "the value looks like " + what
	}
	if !secrets.Name(k) || reference(v) || gpgFingerprint(k, v) {
		return ""
	}
	return "the name says it is a credential, and it has a value"
}

// reference is a value that points at a secret rather than being one: a
// path, a variable, a placeholder.
func reference(v string) bool {
	return strings.HasPrefix(v, "/") || strings.HasPrefix(v, "$") || strings.HasPrefix(v, "<") ||
		strings.EqualFold(v, "changeme") || strings.EqualFold(v, "none") || strings.EqualFold(v, "false") || strings.EqualFold(v, "true")
}

var hex40 = regexp.MustCompile(`^[0-9A-Fa-f]{40}$`)

// gpgFingerprint: official images publish the release signing key's
// fingerprint as GPG_KEY; it is public.
func gpgFingerprint(k, v string) bool {
	return strings.Contains(strings.ToUpper(k), "GPG") && hex40.MatchString(strings.ReplaceAll(v, " ", ""))
}

// mask shows a value's length and, for a long value, its first characters.
func mask(v string) string {
	if len(v) >= 16 {
		return v[:4] + "****"
	}
	return "****"
}

// history looks at each step's created_by: ARG values and the build
// arguments BuildKit records for a RUN ("RUN |2 A=x B=y /bin/sh -c ..."),
// ENV values that a later ENV replaced, and credentials on command lines.
func (s *scanner) history(env map[string]string) {
	for i, h := range s.cf.History {
		cb := strings.TrimSpace(strings.TrimPrefix(h.CreatedBy, "/bin/sh -c #(nop) "))
		var named []string
		var why []string
		shown := cb
		check := func(kvs []string, what string) {
			for _, kv := range kvs {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					continue
				}
				if what == "ENV" && env[k] == v {
					continue // SW220 reports the config's environment
				}
				if r := secretVar(k, v); r != "" {
					named = append(named, k)
					why = append(why, fmt.Sprintf("%s %s: %s", what, k, r))
					shown = strings.Replace(shown, kv, k+"="+mask(v), 1)
				}
			}
		}
		switch {
		case strings.HasPrefix(cb, "ARG "):
			check(strings.Fields(cb[len("ARG "):]), "build argument")
		case strings.HasPrefix(cb, "ENV "):
			check(strings.Fields(cb[len("ENV "):]), "ENV")
		case strings.HasPrefix(cb, "RUN |") || strings.HasPrefix(cb, "|"):
			check(runArgs(strings.TrimPrefix(cb, "RUN ")), "build argument")
		}
		if len(named) == 0 {
			if what := secrets.Value(cb); what != "" {
				why = append(why, "the command line holds "+what)
			}
		}
		if len(why) == 0 {
			continue
		}
		shown = secrets.Redact(shown)
		if len(shown) > 160 {
			shown = shown[:157] + "..."
		}
		s.add("SW221", "history step %d `%s`: %s", i+1, shown, strings.Join(why, "; "))
	}
}

// runArgs returns the NAME=value build arguments of "|N A=x B=y cmd...".
func runArgs(s string) []string {
	f := strings.Fields(s)
	if len(f) == 0 || !strings.HasPrefix(f[0], "|") {
		return nil
	}
	n, err := strconv.Atoi(f[0][1:])
	if err != nil || n < 0 || n > len(f)-1 {
		return nil
	}
	return f[1 : 1+n]
}

// files turns the walk's facts into findings.
func (s *scanner) files() {
	t := s.tree
	if len(t.Setuid) > 0 {
		s.add("SW210", "%s with the setuid/setgid bit: %s", plural(len(t.Setuid), "file", "files"), list(t.Setuid, 20))
	}
	if len(t.WorldWritable) > 0 {
		s.add("SW211", "%s writable by every user: %s", plural(len(t.WorldWritable), "path", "paths"), list(t.WorldWritable, 20))
	}
	if len(t.SecretFiles) > 0 {
		s.add("SW222", "%s with credentials: %s", plural(len(t.SecretFiles), "file", "files"), list(t.SecretFiles, 20))
	}
	if len(t.GitDirs) > 0 {
		s.add("SW223", "%s: %s", plural(len(t.GitDirs), ".git directory", ".git directories"), list(t.GitDirs, 10))
	}
	if len(t.EnvFiles) > 0 {
		s.add("SW224", "%s: %s", plural(len(t.EnvFiles), ".env file", ".env files"), list(t.EnvFiles, 10))
	}
	s.buriedFindings()
	if t.AptLists.Files > 0 {
		s.add("SW230", "/var/lib/apt/lists holds %s (%s)", plural(t.AptLists.Files, "file", "files"), human(t.AptLists.Bytes))
	}
	var caches []string
	for dir, u := range t.Caches {
		caches = append(caches, fmt.Sprintf("%s (%s, %s)", dir, plural(u.Files, "file", "files"), human(u.Bytes)))
	}
	sort.Strings(caches)
	if len(caches) > 0 {
		s.add("SW231", "package manager caches left in the image: %s", list(caches, 10))
	}
	if claim := s.distrolessClaim(); claim != "" && len(t.Shells) > 0 {
		msg := fmt.Sprintf("%s, but the image has a shell: %s", claim, strings.Join(t.Shells, ", "))
		if len(t.PkgManagers) > 0 {
			msg += "; and a package manager: " + strings.Join(t.PkgManagers, ", ")
		}
		s.add("SW232", "%s", msg)
	}
}

// distrolessClaim says which label claims the image is distroless (or
// has no shell by construction), or "".
func (s *scanner) distrolessClaim() string {
	labels := s.cf.Config.Labels
	for _, k := range []string{labelBaseName, labelDescription, labelTitle} {
		v := labels[k]
		if strings.Contains(strings.ToLower(v), "distroless") {
			return fmt.Sprintf("label %s=%q says distroless", k, v)
		}
	}
	if bn := labels[labelBaseName]; bn == "scratch" || strings.HasPrefix(bn, "cgr.dev/chainguard/static") {
		return fmt.Sprintf("label %s=%q names a base without a shell", labelBaseName, bn)
	}
	return ""
}

func human(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }

// account is one line of /etc/passwd, /etc/group or /etc/shadow.
type account struct {
	name, password, id string
	line               int
}

// parseAccounts reads name:password:id:... lines (id is "" for shadow).
func parseAccounts(b []byte) []account {
	var out []account
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxAccountLen)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "+") || strings.HasPrefix(line, "-") {
			continue
		}
		f := strings.Split(line, ":")
		a := account{name: f[0], line: n}
		if len(f) > 1 {
			a.password = f[1]
		}
		if len(f) > 2 {
			a.id = f[2]
		}
		out = append(out, a)
	}
	return out
}

// accounts checks /etc/passwd, /etc/group and /etc/shadow.
func (s *scanner) accounts() {
	t := s.tree
	dups := func(file string, as []account) {
		byID := map[string][]string{}
		var ids []string
		for _, a := range as {
			if a.id == "" {
				continue
			}
			if _, ok := byID[a.id]; !ok {
				ids = append(ids, a.id)
			}
			byID[a.id] = append(byID[a.id], a.name)
		}
		for _, id := range ids {
			if names := byID[id]; len(names) > 1 {
				what := "uid"
				if file == "/etc/group" {
					what = "gid"
				}
				s.add("SW240", "%s: %s %s is shared by %s", file, what, id, strings.Join(names, ", "))
			}
		}
	}
	passwd := parseAccounts(t.Passwd)
	dups("/etc/passwd", passwd)
	dups("/etc/group", parseAccounts(t.Group))
	var empty []string
	for _, a := range passwd {
		if a.password == "" {
			empty = append(empty, fmt.Sprintf("%s (/etc/passwd line %d)", a.name, a.line))
		}
	}
	for _, a := range parseAccounts(t.Shadow) {
		if a.password == "" {
			empty = append(empty, fmt.Sprintf("%s (/etc/shadow line %d)", a.name, a.line))
		}
	}
	if len(empty) > 0 {
		s.add("SW241", "%s with an empty password: %s", plural(len(empty), "account", "accounts"), list(empty, 10))
	}
}
