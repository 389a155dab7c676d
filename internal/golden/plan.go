package golden

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/config"
)

// Plan is a checked set of specs: every golden: parent exists, there is no
// cycle, and what a spec inherits from its parents is known.
type Plan struct {
	// Order lists the specs parents first (a topological order; ties are
	// broken by name, so the order is stable).
	Order    []*Spec
	byName   map[string]*Spec
	children map[string][]string
}

// NewPlan checks the golden graph of specs: an unknown golden:<name> and
// a cycle are errors naming the spec files involved.
func NewPlan(specs []*Spec) (*Plan, error) {
	p := &Plan{byName: map[string]*Spec{}, children: map[string][]string{}}
	var errs []error
	for _, s := range specs {
		if other, dup := p.byName[s.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: name %q is also used by %s", s.File, s.Name, other.File))
			continue
		}
		p.byName[s.Name] = s
	}
	for _, s := range specs {
		parent := s.Parent()
		if parent == "" {
			continue
		}
		if _, ok := p.byName[parent]; !ok {
			errs = append(errs, locate(s, "from", fmt.Sprintf("golden:%s is not a golden image here; known: %s", parent, strings.Join(p.Names(), ", "))))
			continue
		}
		p.children[parent] = append(p.children[parent], s.Name)
	}
	if len(errs) > 0 {
		return nil, &config.InvalidError{Errs: errs}
	}
	for k := range p.children {
		sort.Strings(p.children[k])
	}
	if cyc := p.findCycle(); cyc != nil {
		s := p.byName[cyc[0]]
		return nil, &config.InvalidError{Errs: []error{locate(s, "from", "golden images depend on each other in a cycle: "+strings.Join(cyc, " -> "))}}
	}
	// Kahn's algorithm over names in sorted order: a stable topological order.
	indeg := map[string]int{}
	for _, s := range specs {
		if s.Parent() != "" {
			indeg[s.Name] = 1
		}
	}
	ready := []string{}
	for _, n := range p.Names() {
		if indeg[n] == 0 {
			ready = append(ready, n)
		}
	}
	for len(ready) > 0 {
		sort.Strings(ready)
		n := ready[0]
		ready = ready[1:]
		p.Order = append(p.Order, p.byName[n])
		for _, c := range p.children[n] {
			indeg[c]--
			if indeg[c] == 0 {
				ready = append(ready, c)
			}
		}
	}
	if err := p.checkInheritance(); err != nil {
		return nil, err
	}
	return p, nil
}

// locate makes a FieldError for key of s, with its file and line.
func locate(s *Spec, key, msg string) error {
	err := config.Locate(&config.FieldError{Key: key, Msg: msg}, s.File, s.Src)
	return err.(*config.InvalidError).Errs[0]
}

// findCycle returns the names along a cycle (first name repeated at the
// end), or nil. Each spec has at most one parent, so following parents
// from every spec finds any cycle.
func (p *Plan) findCycle() []string {
	for _, start := range p.Names() {
		seen := map[string]int{}
		var path []string
		for n := start; n != ""; n = p.byName[n].Parent() {
			if i, ok := seen[n]; ok {
				cyc := append(path[i:], n)
				// Start the cycle at its smallest name, for a stable message.
				min := 0
				for j := range cyc[:len(cyc)-1] {
					if cyc[j] < cyc[min] {
						min = j
					}
				}
				out := append(append([]string{}, cyc[min:len(cyc)-1]...), cyc[:min]...)
				return append(out, out[0])
			}
			seen[n] = len(path)
			path = append(path, n)
		}
	}
	return nil
}

// checkInheritance refuses a spec that needs something its golden parent
// removed: a package manager to install with, or a shell to run with.
func (p *Plan) checkInheritance() error {
	var errs []error
	for _, s := range p.Order {
		parent := p.ParentSpec(s)
		if parent == nil {
			continue
		}
		if p.hasPackages(s) && p.pmRemoved(parent) {
			errs = append(errs, locate(s, "packages", fmt.Sprintf("golden:%s removed its package manager (remove_package_manager); install these packages in golden:%s, or set remove_package_manager = false there", parent.Name, parent.Name)))
		}
		if !p.HasShell(parent) && (p.needsRun(s)) {
			errs = append(errs, locate(s, "from", fmt.Sprintf("golden:%s has no shell (remove_shells or keep), so nothing can be installed or changed in an image built FROM it; build FROM its parent instead, or keep its shell", parent.Name)))
		}
	}
	if len(errs) > 0 {
		return &config.InvalidError{Errs: errs}
	}
	return nil
}

// Names returns every spec name, sorted.
func (p *Plan) Names() []string {
	return slices.Sorted(maps.Keys(p.byName))
}

// Spec returns the named spec, or nil.
func (p *Plan) Spec(name string) *Spec { return p.byName[name] }

// ParentSpec returns s's golden parent, or nil when s is FROM an external image.
func (p *Plan) ParentSpec(s *Spec) *Spec {
	if n := s.Parent(); n != "" {
		return p.byName[n]
	}
	return nil
}

// Dependants returns the names of every image built (directly or not) FROM
// one of names, not including names themselves, sorted.
func (p *Plan) Dependants(names ...string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(n string) {
		for _, c := range p.children[n] {
			if !seen[c] {
				seen[c] = true
				walk(c)
			}
		}
	}
	for _, n := range names {
		walk(n)
	}
	for _, n := range names {
		delete(seen, n)
	}
	out := slices.Sorted(maps.Keys(seen))
	return out
}

// Select returns the named specs in build order; an unknown name is an
// error that lists the known ones.
func (p *Plan) Select(names []string) ([]*Spec, error) {
	if len(names) == 0 {
		return p.Order, nil
	}
	want := map[string]bool{}
	var unknown []string
	for _, n := range names {
		if _, ok := p.byName[n]; !ok {
			unknown = append(unknown, n)
		}
		want[n] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("no golden image named %s; known: %s", strings.Join(unknown, ", "), strings.Join(p.Names(), ", "))
	}
	var out []*Spec
	for _, s := range p.Order {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}

// User returns the runtime user of s: its own, or its nearest parent's.
func (p *Plan) User(s *Spec) *User {
	for c := s; c != nil; c = p.ParentSpec(c) {
		if c.User != nil {
			return c.User
		}
	}
	return nil
}

// Manager returns the package manager of s: apt or apk.
func (p *Plan) Manager(s *Spec) string {
	switch {
	case s.Packages.Manager != "":
		return s.Packages.Manager
	case len(s.Packages.Apk) > 0:
		return "apk"
	case len(s.Packages.Apt) > 0:
		return "apt"
	}
	if parent := p.ParentSpec(s); parent != nil {
		return p.Manager(parent)
	}
	from := strings.ToLower(s.From)
	if strings.Contains(from, "alpine") || strings.Contains(from, "wolfi") || strings.Contains(from, "chainguard") {
		return "apk"
	}
	return "apt"
}

// HasShell reports whether the image of s keeps a shell.
func (p *Plan) HasShell(s *Spec) bool {
	return !s.Hardening.RemoveShells && len(s.Keep) == 0
}

// Flattened reports whether the final image of s is assembled on an empty
// image (distroless mode), so no lower layer keeps what was removed.
func (p *Plan) Flattened(s *Spec) bool { return s.Hardening.RemoveShells || len(s.Keep) > 0 }

func (p *Plan) pmRemoved(s *Spec) bool {
	for c := s; c != nil; c = p.ParentSpec(c) {
		if c.Hardening.RemovePackageManager || len(c.Keep) > 0 {
			return true
		}
	}
	return false
}

func (p *Plan) hasPackages(s *Spec) bool {
	return len(s.Packages.Apt) > 0 || len(s.Packages.Apk) > 0
}

// needsRun reports whether building s runs anything in its build stage.
func (p *Plan) needsRun(s *Spec) bool {
	h := s.Hardening
	userFiles := false
	for _, f := range s.Files {
		userFiles = userFiles || f.Owner == "user"
	}
	return p.hasPackages(s) || s.User != nil || userFiles || h.StripSetuid || h.RemovePackageManager || h.RemoveDocs || h.Timezone || h.CACertificates || h.LockRoot || len(s.Keep) > 0
}

// Env returns the environment of s with its golden parents' underneath
// (a flattened image loses its base's config, so it is written out).
func (p *Plan) Env(s *Spec) map[string]string {
	out := map[string]string{}
	var chain []*Spec
	for c := s; c != nil; c = p.ParentSpec(c) {
		chain = append(chain, c)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for k, v := range chain[i].Env {
			out[k] = v
		}
	}
	return out
}

// errUnresolved marks a base that the registry could not resolve.
var errUnresolved = errors.New("cannot resolve base")
