// Package pin resolves a service's base image to the digest its registry
// serves now and records it in slipway.toml (base_digest), so the generated
// FROM line names exact bytes instead of a tag that moves.
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

	"github.com/slipway/slipway/internal/atomicfile"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/templates"
)

// Resolver answers the digest a reference points to now.
type Resolver interface {
	Digest(ctx context.Context, ref string) (string, error)
}

// Options drive one `slipway pin`.
type Options struct {
	Dir    string // service root
	Config string // slipway.toml path; default Dir/slipway.toml
	Team   string // team file; default found by walking up
	// Check writes nothing and reports whether the pin is current.
	Check bool
}

// Result says what pin found.
type Result struct {
	Config  string // the slipway.toml path
	Base    string // the base as slipway.toml names it
	Ref     string // the image reference that was resolved (no digest)
	Old     string // base_digest before
	New     string // the digest the registry serves now
	Changed bool   // New differs from Old
}

// ErrGolden is returned for golden bases, which golden.lock pins.
var ErrGolden = errdefs.Invalid(errors.New("golden bases are pinned by golden/golden.lock (run `slipway golden build`), not by base_digest"))

// Run resolves the base of the service in o.Dir and, unless o.Check, writes
// the digest into its slipway.toml (changing only the base_digest line).
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
	if strings.HasPrefix(p.Base, "golden:") {
		return nil, ErrGolden
	}
	team, _, err := config.FindTeam(o.Dir, o.Team)
	if err != nil {
		return nil, err
	}
	unpinned := *p
	unpinned.BaseDigest = ""
	r, err := generate.Resolve(set, &unpinned, team)
	if err != nil {
		return nil, config.Locate(err, path, src)
	}
	res := &Result{Config: path, Base: r.Project.Base, Ref: r.BaseRef, Old: p.BaseDigest}
	if r.BaseRef == "scratch" {
		return nil, fmt.Errorf("%s: base scratch is empty and has no digest to pin", path)
	}
	res.New, err = reg.Digest(ctx, r.BaseRef)
	if err != nil {
		return nil, err
	}
	res.Changed = res.New != res.Old
	if o.Check || !res.Changed {
		return res, nil
	}
	out, err := SetTopLevel(src, "base_digest", strconv.Quote(res.New), "base")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// The edit must leave a valid file that says exactly what we meant.
	q, err := config.Parse(path, out)
	if err != nil {
		return nil, fmt.Errorf("%s: pinning would break the file (not written): %w", path, err)
	}
	if q.BaseDigest != res.New {
		return nil, fmt.Errorf("%s: pinning did not take effect (not written); set base_digest = %q by hand", path, res.New)
	}
	if err := atomicfile.WriteFile(path, out, 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

// SetTopLevel sets a top-level key of a TOML document to an already-encoded
// value by editing one line, keeping every other line (and comment) as it
// was: an existing `key = ...` line is replaced; otherwise the line goes
// right after the `after` key's line, or before the first table.
func SetTopLevel(src []byte, key, value, after string) ([]byte, error) {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
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

// keyOf returns the bare key of a `key = value` line, or "".
func keyOf(line string) string {
	eq := strings.IndexByte(line, '=')
	if eq <= 0 || strings.HasPrefix(line, "#") {
		return ""
	}
	return strings.Trim(strings.TrimSpace(line[:eq]), `"'`)
}
