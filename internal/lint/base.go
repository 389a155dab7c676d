package lint

import (
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

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
var otherToolchains = []string{"gcc", "buildpack-deps", "swift", "haskell", "elixir", "cgr.dev/chainguard/gcc-glibc"}

// toolchains are the images that carry a compiler or SDK.
var toolchains = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range otherToolchains {
		m[n] = true
	}
	for _, p := range templates.Providers() {
		for _, n := range p.Info().Toolchains {
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
		c.checkUser(user, userVal, s.windows)
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

func (c *checker) checkUser(in *instr, val string, windows bool) {
	if strings.Contains(val, "$") {
		return // set by a build argument: unknown here
	}
	user, _, _ := strings.Cut(val, ":")
	if windows {
		if strings.EqualFold(user, "ContainerAdministrator") || strings.EqualFold(user, "Administrator") {
			c.add("SW102", in.line, "USER %s is the Windows administrator", user)
		}
		return
	}
	if user == "root" || user == "0" {
		c.add("SW102", in.line, "the final USER is %s: the service runs as root", val)
		return
	}
	uid, err := strconv.Atoi(user)
	if err != nil {
		c.add("SW103", in.line, "USER %s is a name: runAsNonRoot policies need a numeric uid", user)
		return
	}
	if c.team.MinUID > 0 && uid < c.team.MinUID {
		c.add("SW104", in.line, "USER %d is below the team's min_uid %d", uid, c.team.MinUID)
	}
}

// allowed applies the team's allowed_bases and allowed_registries to the
// final stage's base image.
func (c *checker) allowed(root *stage) bool {
	t := c.team
	if len(t.AllowedBases) == 0 && len(t.AllowedRegistries) == 0 {
		return true
	}
	written := root.base
	full := root.image.String()
	key := catalogueKey(root.image)
	if key == "" && t.RegistryPrefix != "" {
		name := reference.TrimNamed(root.image).String()
		if rest, ok := strings.CutPrefix(name, t.RegistryPrefix+"/"); ok {
			key = "golden:" + rest
		}
	}
	if len(t.AllowedBases) > 0 && key == "" {
		return false
	}
	// AllowsBase checks allowed_bases by key and allowed_registries by
	// prefix; a prefix may be written in either form ("golang" or
	// "docker.io/library/golang").
	return t.AllowsBase(key, written) || t.AllowsBase(key, full)
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
	src, err := fs.ReadFile(templates.FS(), "catalogue.toml")
	if err != nil {
		return
	}
	var cat struct {
		Bases map[string]struct {
			Image string `toml:"image"`
		} `toml:"bases"`
	}
	if _, err := toml.Decode(string(src), &cat); err != nil {
		return
	}
	for k, b := range cat.Bases {
		if n, err := reference.ParseNormalizedNamed(b.Image); err == nil {
			catByName[withoutDigest(n)] = k
		}
	}
}

func sortStrings(s []string) { sort.Strings(s) }
