package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/slipway/slipway/internal/rules"
)

// TeamFileName is the team standard file, found by walking up from a service.
const TeamFileName = "slipway-team.toml"

// Team is a team's standard: floors that no service may go below. Every
// field is optional; an empty Team allows everything the defaults allow.
//
// Team files nest: FindTeam applies every slipway-team.toml from the
// service's folder up to the filesystem root (and --team on top), the
// outermost first, and a nearer file can only tighten what the files above
// it set. A Team read that way remembers each file's own
// allowed_bases and allowed_registries, and AllowsBase requires all of them.
type Team struct {
	// AllowedBases are catalogue keys ("distroless-static"), path.Match
	// patterns of catalogue keys ("distroless-*"), golden:<name> or
	// "golden:*", and image references written "image:REF" (matched by
	// parts, see RefPattern). A key pattern never matches an explicit image
	// reference: "distroless-*" allows the catalogue's distroless bases, not
	// an image named distroless-evil on Docker Hub.
	AllowedBases []string `toml:"allowed_bases,omitempty"`
	// AllowedRegistries are registries or repository prefixes
	// ("registry.example.com", "gcr.io/distroless/"), matched by parts:
	// the host and port exactly, the path segment by segment.
	AllowedRegistries []string `toml:"allowed_registries,omitempty"`
	// MinUID is the lowest uid a final image may run as.
	MinUID int `toml:"min_uid,omitempty,omitzero" want:"a numeric uid like 10000"`
	// RequiredLabels must be set on every image (by the service or slipway).
	RequiredLabels []string `toml:"required_labels,omitempty"`
	// RegistryPrefix is where golden images live ("registry.example.com/platform").
	RegistryPrefix string `toml:"registry_prefix,omitempty"`
	// RequireHealthcheck refuses services without a HEALTHCHECK.
	RequireHealthcheck bool `toml:"require_healthcheck,omitempty"`
	// Syntax, when set, is emitted as the Dockerfile's `# syntax=` line.
	Syntax string `toml:"syntax,omitempty"`
	// Rules overrides lint/scan rule severities: "off", "info", "warning", "error".
	Rules map[string]string `toml:"rules,omitempty"`
	// TrustedKeys are [[trusted_key]] tables: images under a prefix must be
	// signed by one of that file's keys for that prefix (README: Signed golden images).
	TrustedKeys []TrustedKey `toml:"trusted_key,omitempty"`
	// Builders are the team's pool of BuildKit daemons, as BuildKit's
	// client reaches them (tcp://, unix://, docker-container://,
	// kube-pod://); builds are spread over them by a stable key, and
	// --builder on the command line replaces them.
	Builders []string `toml:"builders,omitempty" want:"a list of daemon addresses like \"tcp://buildkit-0.ci:1234\""`
	// CacheRegistry is where every service and golden image keeps its
	// registry build cache ("registry.example.com/cache"): cache_to with
	// mode=max, cache_from its own ref and its golden base's.
	CacheRegistry string `toml:"cache_registry,omitempty"`

	// Files are the team files merged into this standard, outermost first
	// (set by FindTeam; empty for LoadTeam's single file).
	Files []string `toml:"-"`
	// Warnings name each key by which a nested file tried to loosen what a
	// file above it set; those values were not applied.
	Warnings []string `toml:"-"`

	// layers are each merged file's own allowed lists, all of which
	// AllowsBase applies.
	layers []teamLayer
}

// teamLayer is one file's allowed_bases and allowed_registries.
type teamLayer struct {
	file       string
	bases      []string
	registries []string
	keys       []TrustedKey
}

// reBasePattern is the shape of an allowed_bases glob.
var reBasePattern = regexp.MustCompile(`^(golden:)?[a-z0-9*?\[\]._-]{1,64}$`)

// Severities a team file may give a rule.
var Severities = []string{"off", "info", "warning", "error"}

// LoadTeam reads and validates a team file.
func LoadTeam(file string) (*Team, error) {
	t, _, err := loadTeam(file)
	return t, err
}

// loadTeam is LoadTeam that also returns the top-level keys the file wrote.
func loadTeam(file string) (*Team, map[string]bool, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		// A team file that cannot be read (a --team path that does not
		// exist) is bad input, exit 2, like one that does not parse.
		return nil, nil, &InvalidError{Errs: []error{fmt.Errorf("team file %s: %w", file, err)}}
	}
	var t Team
	md, errs, ok := decode(file, src, &t)
	if !ok {
		return nil, nil, &InvalidError{Errs: errs}
	}
	if verr := t.Validate(); verr != nil {
		errs = append(errs, Locate(verr, file, src).(*InvalidError).Errs...)
	}
	if len(errs) == 0 {
		errs = append(errs, t.resolveKeys(file, src)...)
	}
	if len(errs) > 0 {
		return nil, nil, &InvalidError{Errs: errs}
	}
	defined := map[string]bool{}
	for _, k := range md.Keys() {
		if len(k) == 1 {
			defined[k[0]] = true
		}
	}
	return &t, defined, nil
}

// FindTeam returns the team standard for a service in dir: every
// slipway-team.toml in dir and the folders above it, the outermost first,
// then the explicit file when one is given, each tightening the ones
// before it (see tighten for how each key merges). The path returned is the nearest file (the explicit
// one when given), "" when there is none; an empty Team allows anything.
func FindTeam(dir, explicit string) (*Team, string, error) {
	files, err := teamFilesUp(dir)
	if err != nil {
		return nil, "", err
	}
	if explicit != "" {
		if ea, err := filepath.Abs(explicit); err != nil || !slices.Contains(files, ea) {
			files = append(files, explicit)
		}
	}
	if len(files) == 0 {
		return &Team{}, "", nil
	}
	var merged *Team
	for _, f := range files {
		t, defined, err := loadTeam(f)
		if err != nil {
			return nil, "", err
		}
		if merged == nil {
			merged = t.asLayer(f)
			continue
		}
		merged = merged.tighten(t, defined, f)
	}
	return merged, files[len(files)-1], nil
}

// teamFilesUp lists the team files in dir and above, outermost first.
func teamFilesUp(dir string) ([]string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for {
		p := filepath.Join(dir, TeamFileName)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	slices.Reverse(out)
	return out, nil
}

// asLayer is t alone as the first of a merge.
func (t *Team) asLayer(file string) *Team {
	c := t.clone()
	c.Files = []string{file}
	c.layers = []teamLayer{{file: file, bases: t.AllowedBases, registries: t.AllowedRegistries, keys: t.TrustedKeys}}
	return c
}

func (t *Team) clone() *Team {
	c := *t
	c.AllowedBases = slices.Clone(t.AllowedBases)
	c.AllowedRegistries = slices.Clone(t.AllowedRegistries)
	c.RequiredLabels = slices.Clone(t.RequiredLabels)
	c.Files = slices.Clone(t.Files)
	c.Warnings = slices.Clone(t.Warnings)
	c.layers = slices.Clone(t.layers)
	c.TrustedKeys = slices.Clone(t.TrustedKeys)
	c.Builders = slices.Clone(t.Builders)
	if t.Rules != nil {
		c.Rules = maps.Clone(t.Rules)
	}
	return &c
}

// tighten returns t (the merged files above) with the nested team file n
// (read from file, which wrote the top-level keys defined) applied, where n can only make the standard stricter:
//   - allowed_bases and allowed_registries: every file's list applies (a
//     base must be allowed by each file that has a list); an entry of n that
//     t's lists do not allow is reported and dropped, so AllowedBases and
//     AllowedRegistries end up as the nearest list of entries all files allow;
//   - min_uid: the largest; a smaller one is reported;
//   - required_labels: the union; require_healthcheck: true if any file
//     says so (an explicit false under a true is reported);
//   - registry_prefix and syntax: the outermost file that sets them wins (a
//     nested file could otherwise send golden:* or the frontend elsewhere);
//     a different value is reported;
//   - rules: the stricter severity of t's (or the catalogue default) and
//     n's; a weaker one is reported.
//
// Reports go to Warnings, each naming the file and the key. t is not changed.
func (t *Team) tighten(n *Team, defined map[string]bool, file string) *Team {
	m := t.clone()
	m.Files = append(m.Files, file)
	warn := func(key, format string, args ...any) {
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s: %s: ", file, key)+fmt.Sprintf(format, args...)+"; a nested team file can only tighten the floors, so this is ignored")
	}
	from := func() string { return strings.Join(t.Files, ", ") }

	// A nested list keeps only the entries the lists above allow; the rest
	// are reported and dropped, so the nested file's own list is exactly
	// what every file allows (and an entry list left empty adds nothing).
	layer := teamLayer{file: file, keys: n.TrustedKeys}
	m.TrustedKeys = append(m.TrustedKeys, n.TrustedKeys...)
	for _, b := range n.AllowedBases {
		if len(t.AllowedBases) > 0 && !t.allowsEntry(b) {
			warn("allowed_bases", "%q is not allowed by %s", b, from())
			continue
		}
		layer.bases = append(layer.bases, b)
	}
	for _, r := range n.AllowedRegistries {
		if len(t.AllowedRegistries) > 0 && !t.allowsRegistryEntry(r) {
			warn("allowed_registries", "%q is not allowed by %s", r, from())
			continue
		}
		layer.registries = append(layer.registries, r)
	}
	m.layers = append(m.layers, layer)
	if len(layer.bases) > 0 {
		m.AllowedBases = slices.Clone(layer.bases)
	}
	if len(layer.registries) > 0 {
		m.AllowedRegistries = slices.Clone(layer.registries)
	}
	if n.MinUID > t.MinUID {
		m.MinUID = n.MinUID
	} else if defined["min_uid"] && n.MinUID < t.MinUID {
		warn("min_uid", "%d is below %d set by %s", n.MinUID, t.MinUID, from())
	}
	for _, l := range n.RequiredLabels {
		if !slices.Contains(m.RequiredLabels, l) {
			m.RequiredLabels = append(m.RequiredLabels, l)
		}
	}
	if n.RequireHealthcheck {
		m.RequireHealthcheck = true
	} else if defined["require_healthcheck"] && t.RequireHealthcheck {
		warn("require_healthcheck", "false, but %s requires a HEALTHCHECK", from())
	}
	outermostWins(&m.RegistryPrefix, t.RegistryPrefix, n.RegistryPrefix, "registry_prefix", warn, from)
	outermostWins(&m.Syntax, t.Syntax, n.Syntax, "syntax", warn, from)
	m.tightenPool(t, n, warn, from)
	keys := slices.Sorted(maps.Keys(n.Rules))
	for _, k := range keys {
		nv, err := rules.ParseSeverity(n.Rules[k])
		if err != nil {
			continue // Validate reported it
		}
		cur, curFrom := ruleDefault(k), "the rule's default"
		if s, ok := t.Rules[k]; ok {
			if v, err := rules.ParseSeverity(s); err == nil {
				cur, curFrom = v, from()
			}
		}
		if nv < cur {
			warn("rules."+k, "%q is weaker than %q from %s", n.Rules[k], cur, curFrom)
			continue
		}
		if m.Rules == nil {
			m.Rules = map[string]string{}
		}
		m.Rules[k] = n.Rules[k]
	}
	return m
}

var ruleCatalogue = sync.OnceValue(rules.Default)

// ruleDefault is a rule's catalogue severity (Off for an unknown rule,
// which the commands report on their own).
func ruleDefault(id string) rules.Severity {
	if r, ok := ruleCatalogue().Lookup(id); ok {
		return r.Severity
	}
	return rules.Off
}

// Validate reports every problem with the team file. It never changes t.
func (t *Team) Validate() error {
	var pr problems
	for i, b := range t.AllowedBases {
		if b == "golden:*" || reCatalogue.MatchString(b) || reGolden.MatchString(b) {
			continue
		}
		if pat, ok := strings.CutPrefix(b, ImagePrefix); ok {
			if _, err := ParseRefPattern(pat); err != nil {
				pr.add(fmt.Sprintf("allowed_bases[%d]", i), "%s: want image:REGISTRY/REPOSITORY (e.g. image:docker.io/library/debian)", err)
			}
			continue
		}
		if _, err := path.Match(b, ""); err == nil && reBasePattern.MatchString(b) && strings.ContainsAny(b, "*?[") {
			continue // a pattern, as AllowsBase matches them ("distroless-*")
		}
		pr.add(fmt.Sprintf("allowed_bases[%d]", i), "%q is not a catalogue key, golden:<name>, a pattern of them (distroless-*, golden:*), or image:REFERENCE", b)
	}
	for i, r := range t.AllowedRegistries {
		if r == "" || BadChar(r) != "" || strings.ContainsAny(r, " \t") {
			pr.add(fmt.Sprintf("allowed_registries[%d]", i), "%q is not a registry or repository prefix", r)
		} else if _, err := ParseRefPattern(r); err != nil {
			pr.add(fmt.Sprintf("allowed_registries[%d]", i), "%v (e.g. registry.example.com or gcr.io/distroless/)", err)
		}
	}
	if t.MinUID < 0 {
		pr.add("min_uid", "%d is negative", t.MinUID)
	}
	t.validateKeys(&pr)
	for i, l := range t.RequiredLabels {
		if !reLabelKey.MatchString(l) {
			pr.add(fmt.Sprintf("required_labels[%d]", i), "%q is not a valid label key", l)
		}
	}
	if t.RegistryPrefix != "" && (BadChar(t.RegistryPrefix) != "" || strings.ContainsAny(t.RegistryPrefix, " \t@") || strings.HasSuffix(t.RegistryPrefix, "/")) {
		pr.add("registry_prefix", "%q is not a registry prefix (e.g. registry.example.com/platform)", t.RegistryPrefix)
	}
	if t.Syntax != "" && (BadChar(t.Syntax) != "" || strings.ContainsAny(t.Syntax, " \t")) {
		pr.add("syntax", "%q is not an image reference (e.g. docker/dockerfile:1)", t.Syntax)
	}
	t.validatePool(&pr)
	keys := make([]string, 0, len(t.Rules))
	for k := range t.Rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(Severities, t.Rules[k]) {
			pr.add("rules."+k, "%q is not a severity; allowed: %s", t.Rules[k], strings.Join(Severities, ", "))
		}
	}
	return pr.err()
}

// RuleSeverity is the severity the team gives a finding of rule id: its
// [rules] override, or def where it sets none (a nil team sets none).
func (t *Team) RuleSeverity(id string, def rules.Severity) rules.Severity {
	if t != nil {
		if s, ok := t.Rules[id]; ok {
			if v, err := rules.ParseSeverity(s); err == nil {
				return v
			}
		}
	}
	return def
}

// ApplyRules gives each finding the team's severity for its rule and drops
// the findings of rules the team turns off.
func (t *Team) ApplyRules(fs []rules.Finding) []rules.Finding {
	var out []rules.Finding
	for _, f := range fs {
		f.Severity = t.RuleSeverity(f.RuleID, f.Severity)
		if f.Severity != rules.Off {
			out = append(out, f)
		}
	}
	return out
}

// AllowsBase reports whether the team allows a base given as a catalogue
// key or golden:<name> (key) that resolves to the image reference ref. An
// explicit image reference is given as both key and ref. Every merged
// file's allowed_bases must allow it, and every file's
// allowed_registries must allow ref (scratch is no registry).
func (t *Team) AllowsBase(key, ref string) bool {
	layers := t.layers
	if layers == nil {
		layers = []teamLayer{{bases: t.AllowedBases, registries: t.AllowedRegistries}}
	}
	for _, l := range layers {
		if len(l.bases) > 0 && !basesAllow(l.bases, key, ref) {
			return false
		}
		if len(l.registries) > 0 && ref != "" && ref != "scratch" && !registriesAllow(l.registries, ref) {
			return false
		}
	}
	return true
}

// ImagePrefix marks an allowed_bases entry that is an image reference
// pattern rather than a catalogue key ("image:docker.io/library/debian").
const ImagePrefix = "image:"

// isKey says s is shaped like a catalogue key or golden:<name>, not an
// image reference (which has a '/', ':' or '.' outside "golden:").
func isKey(s string) bool {
	return reCatalogue.MatchString(s) || reGolden.MatchString(s)
}

// basesAllow applies one allowed_bases list. Key entries and key patterns
// match only catalogue keys and golden names; image: entries match the
// reference the base resolves to.
func basesAllow(list []string, key, ref string) bool {
	for _, b := range list {
		if pat, ok := strings.CutPrefix(b, ImagePrefix); ok {
			r := ref
			if r == "" && !isKey(key) {
				r = key
			}
			if r != "" && r != "scratch" {
				if rp, err := ParseRefPattern(pat); err == nil && rp.Match(r) {
					return true
				}
			}
			continue
		}
		if !isKey(key) {
			continue // a key pattern never matches an explicit reference
		}
		if b == key || (b == "golden:*" && strings.HasPrefix(key, "golden:")) {
			return true
		}
		if m, _ := path.Match(b, key); m && strings.HasPrefix(b, "golden:") == strings.HasPrefix(key, "golden:") {
			return true
		}
	}
	return false
}

// registriesAllow applies one allowed_registries list to a reference.
func registriesAllow(list []string, ref string) bool {
	for _, r := range list {
		if rp, err := ParseRefPattern(r); err == nil && rp.Match(ref) {
			return true
		}
	}
	return false
}

// allowsEntry says the merged lists allow a nested file's allowed_bases
// entry: a key every list allows, or an entry some list of each file
// holds as written (a pattern cannot be proved narrower, so it must be the
// same pattern).
func (t *Team) allowsEntry(b string) bool {
	for _, l := range t.layersOrSelf() {
		if len(l.bases) == 0 || slices.Contains(l.bases, b) {
			continue
		}
		if isKey(b) && !strings.ContainsAny(b, "*?[") && basesAllow(l.bases, b, "") {
			continue
		}
		return false
	}
	return true
}

// allowsRegistryEntry says the merged lists allow a nested file's
// allowed_registries entry: it lies inside an entry of each file.
func (t *Team) allowsRegistryEntry(r string) bool {
	inner, err := ParseRefPattern(r)
	if err != nil {
		return false
	}
	for _, l := range t.layersOrSelf() {
		if len(l.registries) == 0 {
			continue
		}
		ok := false
		for _, o := range l.registries {
			if op, err := ParseRefPattern(o); err == nil && op.Contains(inner) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (t *Team) layersOrSelf() []teamLayer {
	if t.layers != nil {
		return t.layers
	}
	return []teamLayer{{bases: t.AllowedBases, registries: t.AllowedRegistries}}
}

// RefPattern is an allowed registry or repository prefix, parsed: a host
// (with its port, docker.io normalised as go-containerregistry does) and
// leading path segments. "registry.example.com" is every repository of
// that host on its default port; "gcr.io/distroless/" every repository
// under gcr.io/distroless; "golang" (no host) is docker.io/library/golang.
type RefPattern struct {
	Host string
	Path []string
}

// ParseRefPattern reads an allowed_registries entry or an image: pattern.
func ParseRefPattern(s string) (RefPattern, error) {
	s = strings.TrimSuffix(s, "/")
	if s == "" || strings.ContainsAny(s, " \t@") {
		return RefPattern{}, fmt.Errorf("%q is not a registry or repository prefix", s)
	}
	if first, _, hasPath := strings.Cut(s, "/"); !hasPath && hostLike(first) {
		reg, err := name.NewRegistry(first)
		if err != nil {
			return RefPattern{}, fmt.Errorf("%q: %w", s, err)
		}
		return RefPattern{Host: reg.RegistryStr()}, nil
	}
	repo, err := name.NewRepository(s)
	if err != nil {
		return RefPattern{}, fmt.Errorf("%q: %w", s, err)
	}
	return RefPattern{Host: repo.RegistryStr(), Path: strings.Split(repo.RepositoryStr(), "/")}, nil
}

// hostLike is Docker's rule for the first component of a name: a registry
// when it has a '.' or a ':' or is localhost.
func hostLike(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost"
}

// Match says ref (an image reference, with tag or digest or neither)
// lies under p: the same host and port, and p's path segments leading
// ref's repository path.
func (p RefPattern) Match(ref string) bool {
	r, err := name.ParseReference(ref)
	if err != nil {
		return false
	}
	repo := r.Context()
	if repo.RegistryStr() != p.Host {
		return false
	}
	segs := strings.Split(repo.RepositoryStr(), "/")
	return len(segs) >= len(p.Path) && slices.Equal(segs[:len(p.Path)], p.Path)
}

// Contains says every reference under q is under p.
func (p RefPattern) Contains(q RefPattern) bool {
	return p.Host == q.Host && len(q.Path) >= len(p.Path) && slices.Equal(q.Path[:len(p.Path)], p.Path)
}
