// Package scan checks a built container image against slipway's image
// rules (the SW2xx rules of internal/rules): who it runs as, its
// healthcheck, setuid/setgid and world-writable files, credentials in its
// environment, history and files, package-manager leftovers, a shell in an
// image that claims to be distroless, its accounts, and its base against
// golden.lock. The image's layers are streamed once, from the top one down,
// flattening them as they go (layers.go): only small candidate files are
// read, and credentials that a later layer deleted or overwrote, still in
// a lower layer, are found in the same pass. Image is pure: an image in,
// findings out.
package scan

import (
	"context"
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/goldenlock"
	"github.com/slipway/slipway/internal/image"
	tarlayer "github.com/slipway/slipway/internal/layer"
	"github.com/slipway/slipway/internal/rules"
)

// Options tune Image.
type Options struct {
	// Name is what findings name as their file: the image as the user gave it.
	Name string
	// Team is the team standard (rule overrides); nil means none.
	Team *config.Team
	// Golden, when set, is golden.lock: the image's base is checked against it.
	Golden *goldenlock.Lock
	// Remote reaches the registry holding the golden images, for the
	// layer comparison.
	Remote image.Options
	// Limits bound the walk over the layers (zero fields take their
	// defaults); going over one is an error (tarlayer.IsBadInput).
	Limits tarlayer.Limits

	// Attestations are the in-toto statements attached to the image
	// (ReadAttestations); each credential in them is reported (SW226).
	Attestations []Attestation
}

// Result is what Image found.
type Result struct {
	// Findings, sorted by rule id, with team overrides applied.
	Findings []rules.Finding
	Digest   string // the image manifest's digest
	Layers   int
	// Files, Dirs and Bytes describe the flattened filesystem walked.
	Files, Dirs int
	Bytes       int64
}

var catalogue = rules.Default()

// Rules are the rules scan can report.
func Rules() []rules.Rule {
	var out []rules.Rule
	for _, r := range catalogue.All() {
		if r.Kind == rules.KindImage {
			out = append(out, r)
		}
	}
	return out
}

// Image scans img.
func Image(ctx context.Context, img v1.Image, o Options) (*Result, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the image config: %w", err)
	}
	d, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("reading the image digest: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the image layers: %w", err)
	}
	t, err := walk(ctx, img, o.Limits)
	if err != nil {
		return nil, err
	}
	s := &scanner{name: o.Name, cf: cf, tree: t}
	s.config()
	s.files()
	s.accounts()
	s.attestations(o.Attestations)
	if o.Golden != nil {
		if err := s.golden(ctx, o.Golden, o.Remote); err != nil {
			return nil, err
		}
	}
	return &Result{
		Findings: s.finish(o.Team),
		Digest:   d.String(),
		Layers:   len(layers),
		Files:    t.Files, Dirs: t.Dirs, Bytes: t.Bytes,
	}, nil
}

type scanner struct {
	name     string
	cf       *v1.ConfigFile
	tree     *tree
	findings []rules.Finding
}

func (s *scanner) add(id, format string, args ...any) {
	r, ok := catalogue.Lookup(id)
	if !ok {
		panic("scan: unknown rule " + id) // a programming error, caught by the tests
	}
	s.findings = append(s.findings, rules.Finding{RuleID: r.ID, Severity: r.Severity, File: s.name, Message: fmt.Sprintf(format, args...)})
}

// finish applies the team's overrides and sorts.
func (s *scanner) finish(team *config.Team) []rules.Finding {
	out := team.ApplyRules(s.findings)
	sort.SliceStable(out, func(i, j int) bool { return out[i].RuleID < out[j].RuleID })
	return out
}

// list joins paths for a message, at most max of them.
func list(ps []string, max int) string {
	if len(ps) <= max {
		return strings.Join(ps, ", ")
	}
	return strings.Join(ps[:max], ", ") + fmt.Sprintf(" and %d more", len(ps)-max)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
