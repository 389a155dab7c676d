package generate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/slipway/slipway/internal/atomicfile"
)

// State says how a file on disk relates to what slipway would write.
type State int

const (
	// Same: the file already has exactly the wanted content.
	Same State = iota
	// New: there is no file yet.
	New
	// Stale: slipway wrote the file and nobody edited it since; safe to replace.
	Stale
	// Edited: the file was edited by hand, or was not written by slipway;
	// replacing it needs --force.
	Edited
)

func (s State) String() string {
	return [...]string{"up to date", "new", "outdated", "edited by hand"}[s]
}

// Change is one file slipway wants to write.
type Change struct {
	Path  string
	Old   []byte // current content (nil when New)
	New   []byte
	State State
	// Managed files carry slipway's header; unmanaged ones (slipway.toml)
	// count as Edited whenever they differ.
	Managed bool
}

// Plan compares wanted contents with the files on disk. managed says whether
// files carry slipway's header (Dockerfile, .dockerignore).
func Plan(path string, want []byte, managed bool) (Change, error) {
	c := Change{Path: path, New: want, Managed: managed}
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		c.State = New
		return c, nil
	case err != nil:
		return c, fmt.Errorf("reading %s: %w", path, err)
	}
	c.Old = old
	switch {
	case bytes.Equal(old, want):
		c.State = Same
	case managed:
		if ok, _ := Untouched(old); ok {
			c.State = Stale
		} else {
			c.State = Edited
		}
	default:
		c.State = Edited
	}
	return c, nil
}

// Diff is a unified diff from the file on disk to the wanted content.
func (c Change) Diff() string {
	if c.State == Same {
		return ""
	}
	d := difflib.UnifiedDiff{
		A:        difflib.SplitLines(string(c.Old)),
		B:        difflib.SplitLines(string(c.New)),
		FromFile: c.Path + " (on disk)",
		ToFile:   c.Path + " (generated)",
		Context:  3,
	}
	if c.State == New {
		d.FromFile = "/dev/null"
	}
	s, err := difflib.GetUnifiedDiffString(d)
	if err != nil {
		return err.Error()
	}
	return s
}

// ConflictError lists files that would be overwritten but were edited by hand.
type ConflictError struct{ Paths []string }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("refusing to overwrite %s: edited by hand since slipway wrote it (or not written by slipway); review with --diff, then re-run with --force to replace it, or move your changes into slipway.toml", strings.Join(e.Paths, ", "))
}

// Apply writes every change that is not Same, atomically. If any change is
// Edited and force is false, it writes nothing and returns a *ConflictError.
func Apply(changes []Change, force bool) error {
	var conflicts []string
	for _, c := range changes {
		if c.State == Edited && !force {
			conflicts = append(conflicts, c.Path)
		}
	}
	if len(conflicts) > 0 {
		return &ConflictError{Paths: conflicts}
	}
	for _, c := range changes {
		if c.State == Same {
			continue
		}
		if err := atomicfile.WriteFile(c.Path, c.New, 0o644); err != nil {
			return err
		}
	}
	return nil
}
