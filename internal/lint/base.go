package lint

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/userspec"
	"github.com/slipway/slipway/templates"
)

// checkBase runs the base-image rules on one FROM.
func (c *checker) checkBase(s *stage) {
	line := s.from.line
	switch {
	case s.parent != nil, s.scratch:
		return
	case len(s.unresolved) > 0:
		sortStrings(s.unresolved)
		c.add("SW114", line, "FROM %s is unresolvable: build argument %s has no default", s.raw, strings.Join(s.unresolved, ", "))
		return
	case s.invalid != nil:
		c.add("SW114", line, "FROM %s is unresolvable: %v", s.raw, s.invalid)
		return
	}
	_, digested := s.image.(reference.Digested)
	tagged, hasTag := s.image.(reference.Tagged)
	switch {
	case digested:
	case !hasTag:
		c.add("SW110", line, "FROM %s has no tag: it means whatever `latest` is at build time", s.base)
	case tagged.Tag() == "latest":
		c.add("SW111", line, "FROM %s uses `latest` without a digest", s.base)
	default:
		c.add("SW112", line, "FROM %s is not pinned by digest", s.base)
	}
}

// otherToolchains are compiler and SDK images (familiar names) of no
// slipway language; each provider adds its own (provider.Info.Toolchains).
var otherToolchains = []string{"gcc", "buildpack-deps", "swift", "haskell", "cgr.dev/chainguard/gcc-glibc"}

// toolchains are the images that carry a compiler or SDK.
var toolchains = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range otherToolchains {
		m[n] = true
	}
	for _, p := range templates.Providers() {
		for _, n := range provider.InfoOf(p).Toolchains {
			m[n] = true
		}
	}
	return m
}()

func isToolchain(n reference.Named) bool {
	name := familiar(n)
	if toolchains[name] {
		return true
	}
	tag := ""
	if t, ok := n.(reference.Tagged); ok {
		tag = t.Tag()
	}
	for _, p := range templates.Providers() {
		if ti, ok := p.(provider.ToolchainImages); ok && ti.IsToolchain(name, tag) {
			return true
		}
	}
	if t, ok := n.(reference.Tagged); ok && strings.Contains(t.Tag(), "jdk") {
		switch name {
		case "eclipse-temurin", "amazoncorretto", "ibm-semeru-runtimes", "sapmachine":
			return true
		}
	}
	return false
}

// checkFinal runs the rules about the image the Dockerfile ships: its
// user, base, healthcheck and labels.
func (c *checker) checkFinal(s *stage) {
	line := s.from.line
	root := s.root()
	chain := s.chain()

	var user *instr
	var userVal string
	for _, st := range chain {
		for i := len(st.instrs) - 1; i >= 0 && user == nil; i-- {
			if u, ok := st.instrs[i].cmd.(*instructions.UserCommand); ok {
				user, userVal = st.instrs[i], u.User
			}
		}
		if user != nil {
			break
		}
	}
	nanoserver := root.image != nil && strings.Contains(reference.Path(root.image), "nanoserver")
	switch {
	case user == nil && !nanoserver:
		c.add("SW101", line, "the final stage sets no USER: the container runs as the base image's user (root unless it says otherwise)")
	case user != nil:
		c.checkUser(s, user, userVal, s.windows)
	}

	if root.image != nil {
		if isToolchain(root.image) {
			if len(c.doc.stages) == 1 {
				c.add("SW115", line, "single-stage build on %s: the compiler toolchain ships in the image", familiar(root.image))
			} else {
				c.add("SW115", line, "the final stage is based on %s: the compiler toolchain ships in the image", familiar(root.image))
			}
		}
		if !c.allowed(root) {
			c.add("SW113", line, "%s is not among the team's allowed bases or registries", root.base)
		}
	}

	if c.team.RequireHealthcheck {
		var hc *instructions.HealthCheckCommand
		for _, st := range chain {
			for i := len(st.instrs) - 1; i >= 0 && hc == nil; i-- {
				if h, ok := st.instrs[i].cmd.(*instructions.HealthCheckCommand); ok {
					hc = h
				}
			}
			if hc != nil {
				break
			}
		}
		switch {
		case hc == nil:
			c.add("SW160", line, "the final stage has no HEALTHCHECK (the team standard requires one)")
		case hc.Health == nil || len(hc.Health.Test) == 0 || hc.Health.Test[0] == "NONE":
			c.add("SW160", line, "the final stage disables HEALTHCHECK (the team standard requires one)")
		}
	}

	if len(c.team.RequiredLabels) > 0 {
		have := map[string]bool{}
		for _, st := range chain {
			for _, in := range st.instrs {
				if l, ok := in.cmd.(*instructions.LabelCommand); ok {
					for _, kv := range l.Labels {
						have[kv.Key] = true
					}
				}
			}
		}
		var missing []string
		for _, l := range c.team.RequiredLabels {
			if !have[l] {
				missing = append(missing, l)
			}
		}
		if len(missing) > 0 {
			c.add("SW161", line, "the final stage lacks required label(s) %s", strings.Join(missing, ", "))
		}
	}
}

// checkUser judges the final USER as a runtime would read it: variables
// expanded through the stage's ARG defaults (or the build's own values,
// when Options.BuildArgs gives them) and ENV, then parsed by userspec, so
// "00", "+0" and "4294967296" are root like "0" is.
func (c *checker) checkUser(s *stage, in *instr, val string, windows bool) {
	raw := val
	if strings.Contains(val, "$") {
		res, unresolved, err := c.expandUser(s, in, val)
		switch {
		case err != nil:
			c.add("SW105", in.line, "USER %s cannot be expanded: %v", raw, err)
			return
		case strings.TrimSpace(res) == "" || (len(unresolved) > 0 && !strings.Contains(val, ":-") && !strings.Contains(val, ":+")):
			sortStrings(unresolved)
			what := "a variable with no value"
			if len(unresolved) > 0 {
				what = "variable(s) " + strings.Join(unresolved, ", ") + " with no value (no ARG default, no ENV)"
			}
			c.add("SW105", in.line, "USER %s cannot be resolved: it uses %s, so the user is whatever the build or the base image supplies", raw, what)
			return
		}
		val = res
	}
	sp, err := userspec.Parse(val)
	if err != nil {
		c.add("SW105", in.line, "USER %s: %v", raw, err)
		return
	}
	shown := raw
	if val != raw {
		shown = fmt.Sprintf("%s (%s)", raw, val)
	}
	user := sp.User.Raw
	if windows {
		if strings.EqualFold(user, "ContainerAdministrator") || strings.EqualFold(user, "Administrator") {
			c.add("SW102", in.line, "USER %s is the Windows administrator", user)
		}
		return
	}
	if sp.Root() {
		if why := sp.Spelling(); why != "" {
			c.add("SW102", in.line, "the final USER is %s: %s, so the service runs as root", shown, why)
		} else {
			c.add("SW102", in.line, "the final USER is %s: the service runs as root", shown)
		}
		return
	}
	if !sp.User.Numeric {
		c.add("SW103", in.line, "USER %s is a name: runAsNonRoot policies need a numeric uid", shown)
		return
	}
	if c.team.MinUID > 0 && int64(sp.User.ID) < int64(c.team.MinUID) {
		c.add("SW104", in.line, "USER %s is uid %d, below the team's min_uid %d", shown, sp.User.ID, c.team.MinUID)
	}
}

// expandUser expands a USER value with what is in scope at in: ENV set in
// the stage and the stages it builds on (inherited), and the ARGs declared
// in in's own stage before it (a bare ARG takes the build's value or the
// global ARG's default). ENV wins over ARG, as in BuildKit. Variables set
// by the base image are not known and stay unresolved.
func (c *checker) expandUser(final *stage, in *instr, val string) (string, []string, error) {
	chain := final.chain()
	owner := 0 // chain index of the stage holding in
	for i, st := range chain {
		for _, x := range st.instrs {
			if x == in {
				owner = i
			}
		}
	}
	envs := map[string]string{}
	var args map[string]string
	lex := shell.NewLex(c.doc.escape)
	for i := len(chain) - 1; i >= owner; i-- {
		st := chain[i]
		args = map[string]string{}
		for _, x := range st.instrs {
			if x == in {
				break
			}
			sc := &scope{args: args, envs: envs}
			switch cmd := x.cmd.(type) {
			case *instructions.ArgCommand:
				for _, kv := range cmd.Args {
					if v, ok := c.buildArgs[kv.Key]; ok {
						args[kv.Key] = v
						continue
					}
					if kv.Value != nil {
						if r, _, err := lex.ProcessWord(*kv.Value, sc); err == nil {
							args[kv.Key] = r
						}
						continue
					}
					if c.doc.meta.set_[kv.Key] {
						args[kv.Key] = c.doc.meta.vals[kv.Key]
					}
				}
			case *instructions.EnvCommand:
				for _, kv := range cmd.Env {
					if r, _, err := lex.ProcessWord(kv.Value, sc); err == nil {
						envs[kv.Key] = r
					}
				}
			}
		}
	}
	res, err := lex.ProcessWordWithMatches(val, &scope{args: args, envs: envs})
	if err != nil {
		return "", nil, err
	}
	var unresolved []string
	for k := range res.Unmatched {
		unresolved = append(unresolved, k)
	}
	return res.Result, unresolved, nil
}

// scope is the variables a USER sees, for BuildKit's shell lexer.
type scope struct{ args, envs map[string]string }

func (s *scope) Get(k string) (string, bool) {
	if v, ok := s.envs[k]; ok {
		return v, true
	}
	v, ok := s.args[k]
	return v, ok
}

func (s *scope) Keys() []string {
	var out []string
	for k := range s.envs {
		out = append(out, k)
	}
	for k := range s.args {
		if _, ok := s.envs[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// allowed applies the team's allowed_bases and allowed_registries to the
// final stage's base image.
func (c *checker) allowed(root *stage) bool {
	t := c.team
	if len(t.AllowedBases) == 0 && len(t.AllowedRegistries) == 0 {
		return true
	}
	full := root.image.String()
	key := catalogueKey(root.image)
	if key == "" && t.RegistryPrefix != "" {
		name := reference.TrimNamed(root.image).String()
		if rest, ok := strings.CutPrefix(name, t.RegistryPrefix+"/"); ok {
			key = "golden:" + rest
		}
	}
	if key == "" {
		// Not a catalogue key: an explicit reference, which only image:
		// entries of allowed_bases (and allowed_registries) can allow.
		key = full
	}
	// AllowsBase matches references by parts (go-containerregistry's
	// parser normalises docker.io), so the written and the full form agree.
	return t.AllowsBase(key, full)
}

var (
	catOnce   sync.Once
	catByName map[string]string // image name without tag/digest + tag -> key
)

// catalogueKey finds the catalogue entry whose image is n (tag compared,
// digest ignored).
func catalogueKey(n reference.Named) string {
	catOnce.Do(loadCatalogue)
	return catByName[withoutDigest(n)]
}

func withoutDigest(n reference.Named) string {
	s := reference.TrimNamed(n).String()
	if t, ok := n.(reference.Tagged); ok {
		s += ":" + t.Tag()
	}
	return s
}

func loadCatalogue() {
	catByName = map[string]string{}
	bases, err := templates.Catalogue()
	if err != nil {
		return
	}
	for k, b := range bases {
		if n, err := reference.ParseNormalizedNamed(b.Image); err == nil {
			catByName[withoutDigest(n)] = k
		}
	}
}

func sortStrings(s []string) { sort.Strings(s) }
