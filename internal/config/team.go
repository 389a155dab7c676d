package config

import (
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
)

// TeamFileName is the team standard file, found by walking up from a service.
const TeamFileName = "slipway-team.toml"

// Team is a team's standard: floors that no service may go below. Every
// field is optional; an empty Team allows everything the defaults allow.
type Team struct {
	// AllowedBases are catalogue keys, golden:<name>, or path.Match patterns
	// of them ("distroless-*", "golden:*").
	AllowedBases []string `toml:"allowed_bases,omitempty"`
	// AllowedRegistries are image-reference prefixes ("gcr.io/distroless/").
	AllowedRegistries []string `toml:"allowed_registries,omitempty"`
	// MinUID is the lowest uid a final image may run as.
	MinUID int `toml:"min_uid,omitempty,omitzero"`
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
}

// reBasePattern is the shape of an allowed_bases glob.
var reBasePattern = regexp.MustCompile(`^(golden:)?[a-z0-9*?\[\]._-]{1,64}$`)

// Severities a team file may give a rule.
var Severities = []string{"off", "info", "warning", "error"}

// LoadTeam reads and validates a team file.
func LoadTeam(file string) (*Team, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		// A team file that cannot be read (a --team path that does not
		// exist) is bad input, exit 2, like one that does not parse.
		return nil, &InvalidError{Errs: []error{fmt.Errorf("team file %s: %w", file, err)}}
	}
	var t Team
	err = decodeStrict(file, src, &t)
	var unknown *InvalidError
	if err != nil && !errors.As(err, &unknown) {
		return nil, &InvalidError{Errs: []error{err}}
	}
	var errs []error
	if unknown != nil {
		errs = append(errs, unknown.Errs...)
	}
	if verr := t.Validate(); verr != nil {
		errs = append(errs, Locate(verr, file, src).(*InvalidError).Errs...)
	}
	if len(errs) > 0 {
		return nil, &InvalidError{Errs: errs}
	}
	return &t, nil
}

// FindTeam loads the team file given explicitly, or the nearest one above
// dir; it returns an empty Team and "" when there is none.
func FindTeam(dir, explicit string) (*Team, string, error) {
	file := explicit
	if file == "" {
		var err error
		if file, err = FindUp(dir, TeamFileName); err != nil {
			return nil, "", err
		}
		if file == "" {
			return &Team{}, "", nil
		}
	}
	t, err := LoadTeam(file)
	return t, file, err
}

// Validate reports every problem with the team file. It never changes t.
func (t *Team) Validate() error {
	var pr problems
	for i, b := range t.AllowedBases {
		if b == "golden:*" || reCatalogue.MatchString(b) || reGolden.MatchString(b) {
			continue
		}
		if _, err := path.Match(b, ""); err == nil && reBasePattern.MatchString(b) && strings.ContainsAny(b, "*?[") {
			continue // a pattern, as AllowsBase matches them ("distroless-*")
		}
		pr.add(fmt.Sprintf("allowed_bases[%d]", i), "%q is not a catalogue key, golden:<name>, or a pattern of them (distroless-*, golden:*)", b)
	}
	for i, r := range t.AllowedRegistries {
		if r == "" || BadChar(r) != "" || strings.ContainsAny(r, " \t") {
			pr.add(fmt.Sprintf("allowed_registries[%d]", i), "%q is not a registry or repository prefix", r)
		}
	}
	if t.MinUID < 0 {
		pr.add("min_uid", "%d is negative", t.MinUID)
	}
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
	keys := make([]string, 0, len(t.Rules))
	for k := range t.Rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !contains(Severities, t.Rules[k]) {
			pr.add("rules."+k, "%q is not a severity; allowed: %s", t.Rules[k], strings.Join(Severities, ", "))
		}
	}
	return pr.err()
}

// AllowsBase reports whether the team allows a base given as a catalogue
// key or golden reference (key) that resolves to the image reference ref.
func (t *Team) AllowsBase(key, ref string) bool {
	if len(t.AllowedBases) > 0 {
		ok := false
		for _, b := range t.AllowedBases {
			if b == key || (b == "golden:*" && strings.HasPrefix(key, "golden:")) {
				ok = true
				break
			}
			if m, _ := path.Match(b, key); m {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(t.AllowedRegistries) > 0 && ref != "" && ref != "scratch" {
		for _, r := range t.AllowedRegistries {
			if strings.HasPrefix(ref, r) {
				return true
			}
		}
		return false
	}
	return true
}
