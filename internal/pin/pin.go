// Package pin resolves the images a service's Dockerfile is built FROM to
// the digests their registries serve and records them in slipway.toml: the
// final base as base_digest, every build stage's image in the [pins] table.
// The generated FROM lines then name exact bytes instead of tags that move.
package pin

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/slipway/slipway/internal/atomicfile"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/templates"
)

// Resolver answers the digest a reference points to now. Given a reference
// by digest it answers that digest when the registry still serves it, and
// an error when it does not.
type Resolver interface {
	Digest(ctx context.Context, ref string) (string, error)
}

// Options drive one `slipway pin`.
type Options struct {
	Dir    string // service root
	Config string // slipway.toml path; default Dir/slipway.toml
	Team   string // team file; default found by walking up
	// Check writes nothing and reports whether every pin is there and
	// current.
	Check bool
	// Update moves every pin to the digest its tag serves now. Without it
	// an existing pin is kept (and checked to still resolve) and only
	// unpinned images are pinned.
	Update bool
}

// Image is one FROM image of the Dockerfile and its pin.
type Image struct {
	Ref   string // the reference without digest, as the Dockerfile names it
	Stage string // the stage it starts ("build", "probe"; "" for the final stage)
	Final bool   // the final stage's base (base_digest), not a [pins] entry
	Old   string // the pinned digest before, or ""
	New   string // the digest after: the tag's digest now, or Old kept
	// Golden is set for a golden final base, which golden.lock pins.
	Golden bool
}

// Changed reports whether the pin moves.
func (i Image) Changed() bool { return i.Old != i.New }

// Result says what pin found.
type Result struct {
	Config string // the slipway.toml path
	// Base, Ref, Old, New and Changed describe the final base, as before
	// build stages were pinned too.
	Base    string
	Ref     string
	Old     string
	New     string
	Changed bool
	// Images are every FROM image of the Dockerfile, in file order.
	Images []Image
	// Dropped are [pins] entries no FROM uses any more, removed on write.
	Dropped []string
	// Before and After are slipway.toml's bytes (equal when nothing moves).
	Before, After []byte
}

// Moved reports whether any pin changes or is dropped.
func (r *Result) Moved() bool { return !bytes.Equal(r.Before, r.After) }

// Diff is a unified diff of slipway.toml from before to after, or "".
func (r *Result) Diff() string {
	if !r.Moved() {
		return ""
	}
	s, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(r.Before)), B: difflib.SplitLines(string(r.After)),
		FromFile: r.Config + " (before)", ToFile: r.Config + " (pinned)", Context: 1,
	})
	if err != nil {
		return err.Error()
	}
	return s
}

// ErrGolden is returned when a golden base is the only image to pin:
// golden.lock pins those.
var ErrGolden = errdefs.Invalid(errors.New("golden bases are pinned by golden/golden.lock (run `slipway golden build`), not by base_digest"))

// StaleError is a pin whose digest the registry no longer serves.
type StaleError struct {
	Config, Key, Ref, Digest string
	Err                      error
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("%s: %s pins %s to %s, which its registry no longer serves (%v); run `slipway pin --update` to move it to the digest the tag serves now", e.Config, e.Key, e.Ref, e.Digest, e.Err)
}

func (e *StaleError) Unwrap() error { return e.Err }

// Run pins every FROM image of the service in o.Dir and, unless o.Check,
// writes the digests into its slipway.toml (changing only base_digest and
// the [pins] table).
func Run(ctx context.Context, set *templates.Set, reg Resolver, o Options) (*Result, error) {
	path := o.Config
	if path == "" {
		path = filepath.Join(o.Dir, config.FileName)
	}
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &config.InvalidError{Errs: []error{fmt.Errorf("%s not found: run `slipway init` in %s first (or `slipway init --pin`)", path, o.Dir)}}
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	p, err := config.Parse(path, src)
	if err != nil {
		return nil, err
	}
	team, _, err := config.FindTeam(o.Dir, o.Team)
	if err != nil {
		return nil, err
	}
	images, err := Images(set, p, team, o.Dir)
	if err != nil {
		return nil, config.Locate(err, path, src)
	}
	res := &Result{Config: path, Before: src}
	// --check compares every pin with what its tag serves now.
	if err := resolve(ctx, reg, images, o.Update || o.Check, path); err != nil {
		return nil, err
	}
	res.Images = images
	pins := map[string]string{}
	for _, im := range images {
		switch {
		case im.Golden:
		case im.Final:
			res.Base, res.Ref, res.Old, res.New, res.Changed = p.Base, im.Ref, im.Old, im.New, im.Changed()
		default:
			pins[im.Ref] = im.New
		}
	}
	for k := range p.Pins {
		if _, ok := pins[k]; !ok {
			res.Dropped = append(res.Dropped, k)
		}
	}
	if res.Ref == "" {
		if strings.HasPrefix(p.Base, "golden:") && len(pins) == 0 {
			return nil, ErrGolden
		}
		if p.BaseDigest != "" && !strings.HasPrefix(p.Base, "golden:") {
			return nil, fmt.Errorf("%s: base scratch is empty and has no digest to pin; remove base_digest", path)
		}
	}
	out := src
	if res.Ref != "" && res.Changed {
		if out, err = SetTopLevel(out, "base_digest", strconv.Quote(res.New), "base"); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if !sameMap(pins, p.Pins) {
		if out, err = SetTable(out, "pins", pins); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	res.After = out
	if o.Check || !res.Moved() {
		return res, nil
	}
	// The edit must leave a valid file that says exactly what we meant.
	q, err := config.Parse(path, out)
	if err != nil {
		return nil, fmt.Errorf("%s: pinning would break the file (not written): %w", path, err)
	}
	if (res.Ref != "" && q.BaseDigest != res.New) || !sameMap(q.Pins, pins) {
		return nil, fmt.Errorf("%s: pinning did not take effect (not written); set base_digest and [pins] by hand", path)
	}
	if err := atomicfile.WriteFile(path, out, 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

// resolve fills in New for every image: the tag's digest now for an
// unpinned image (and, with update, for every image); a kept pin is
// checked to still resolve.
func resolve(ctx context.Context, reg Resolver, images []Image, update bool, path string) error {
	for i := range images {
		im := &images[i]
		if im.Golden {
			im.New = im.Old
			continue
		}
		if im.Old != "" && !update {
			if _, err := reg.Digest(ctx, im.Ref+"@"+im.Old); err != nil {
				key := "pins." + strconv.Quote(im.Ref)
				if im.Final {
					key = "base_digest"
				}
				return &StaleError{Config: path, Key: key, Ref: im.Ref, Digest: im.Old, Err: err}
			}
			im.New = im.Old
			continue
		}
		d, err := reg.Digest(ctx, im.Ref)
		if err != nil {
			return err
		}
		im.New = d
	}
	return nil
}

// Stages pins, through digest, every build stage's image of p that is not
// pinned yet, filling p.Pins (init --pin). It returns the images pinned.
func Stages(ctx context.Context, set *templates.Set, p *config.Project, team *config.Team, dir string, digest func(context.Context, string) (string, error)) ([]Image, error) {
	images, err := Images(set, p, team, dir)
	if err != nil {
		return nil, err
	}
	var done []Image
	for _, im := range images {
		if im.Final || im.Old != "" {
			continue
		}
		d, err := digest(ctx, im.Ref)
		if err != nil {
			return nil, err
		}
		if p.Pins == nil {
			p.Pins = map[string]string{}
		}
		p.Pins[im.Ref] = d
		im.New = d
		done = append(done, im)
	}
	return done, nil
}

// sameMap reports whether two pin tables hold the same entries.
func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// SetTopLevel sets a top-level key of a TOML document to an already-encoded
// value by editing one line, keeping every other line (and comment) as it
// was: an existing `key = ...` line is replaced; otherwise the line goes
// right after the `after` key's line, or before the first table.
func SetTopLevel(src []byte, key, value, after string) ([]byte, error) {
	lines, err := splitLines(src)
	if err != nil {
		return nil, err
	}
	newLine := key + " = " + value
	at, afterAt, firstTable := -1, -1, len(lines)
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			firstTable = i
			break
		}
		switch keyOf(t) {
		case key:
			if strings.Contains(t, `"""`) || strings.Contains(t, `'''`) {
				return nil, fmt.Errorf("%s is a multi-line string; set it by hand", key)
			}
			at = i
		case after:
			afterAt = i
		}
	}
	switch {
	case at >= 0:
		lines[at] = newLine
	case afterAt >= 0:
		lines = append(lines[:afterAt+1], append([]string{newLine}, lines[afterAt+1:]...)...)
	default:
		ins := firstTable
		for ins > 0 && strings.TrimSpace(lines[ins-1]) == "" {
			ins--
		}
		lines = append(lines[:ins], append([]string{newLine}, lines[ins:]...)...)
	}
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}

func splitLines(src []byte) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

// keyOf returns the bare key of a `key = value` line, or "".
func keyOf(line string) string {
	eq := strings.IndexByte(line, '=')
	if eq <= 0 || strings.HasPrefix(line, "#") {
		return ""
	}
	return strings.Trim(strings.TrimSpace(line[:eq]), `"'`)
}
