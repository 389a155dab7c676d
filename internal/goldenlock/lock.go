// Package goldenlock reads and writes golden/golden.lock: which golden image
// was built from what, with which digest. It is small on purpose: service
// generation reads the lock to pin FROM lines without depending on the
// golden build machinery (and so on BuildKit).
package goldenlock

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/slipway/slipway/internal/atomicfile"
	"github.com/slipway/slipway/internal/config"
)

// FileName is the lock's name inside the golden/ folder.
const FileName = "golden.lock"

// Prefix marks a golden base in slipway.toml and in golden specs.
const Prefix = "golden:"

// LockVersion is the format version of golden.lock.
const LockVersion = 1

// Lock is golden/golden.lock: what was built, from what, when.
type Lock struct {
	Version int `toml:"version"`
	// Images maps a spec name to its entry.
	Images map[string]*LockEntry `toml:"image"`
}

// LockEntry is one built golden image.
type LockEntry struct {
	// Image is the repository the image was pushed to (registry/repo, no
	// tag or digest); Digest is the pushed manifest (or index) digest.
	Image  string `toml:"image"`
	Digest string `toml:"digest"`
	// Platforms maps "os/arch[/variant]" to that platform's manifest digest.
	Platforms map[string]string `toml:"platforms"`
	// From is the spec's from line; BaseDigest what it resolved to when the
	// image was built (for golden:<name>, the parent's Digest).
	From       string `toml:"from"`
	BaseDigest string `toml:"base_digest"`
	// SpecHash is Spec.Hash() of the spec that was built.
	SpecHash string `toml:"spec_hash"`
	// BuiltAt is when this digest was first built: a rebuild that yields the
	// same digest keeps it, so an unchanged rebuild leaves the lock alone.
	BuiltAt time.Time `toml:"built_at"`
	// User is the numeric uid:gid the image runs as; Shell whether it has one.
	User  string `toml:"user"`
	Shell bool   `toml:"shell"`
}

// Ref returns the image reference pinned by digest: repo@sha256:...
func (e *LockEntry) Ref() string { return e.Image + "@" + e.Digest }

// ReadLock reads a lock file; a missing file is an empty lock.
func ReadLock(path string) (*Lock, error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Lock{Version: LockVersion, Images: map[string]*LockEntry{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return ParseLock(path, src)
}

// ParseLock decodes a lock file's content (named name in errors).
func ParseLock(name string, src []byte) (*Lock, error) {
	var raw struct {
		Version int                  `toml:"version"`
		Images  map[string]LockEntry `toml:"image"`
	}
	if err := config.DecodeStrict(name, src, &raw); err != nil {
		return nil, err
	}
	l := &Lock{Version: raw.Version, Images: map[string]*LockEntry{}}
	for n, e := range raw.Images {
		l.Images[n] = &e
	}
	if l.Version != LockVersion {
		return nil, &config.FieldError{File: name, Key: "version", Msg: fmt.Sprintf("%d is not a lock version this slipway reads (want %d): rebuild with `slipway golden build`", l.Version, LockVersion)}
	}
	if l.Images == nil {
		l.Images = map[string]*LockEntry{}
	}
	for n, e := range l.Images {
		if e == nil || e.Image == "" || !strings.HasPrefix(e.Digest, "sha256:") {
			return nil, &config.FieldError{File: name, Key: "image." + n, Msg: "image and digest are required: rebuild with `slipway golden build " + n + "`"}
		}
	}
	return l, nil
}

// Entry returns the named entry, or nil.
func (l *Lock) Entry(name string) *LockEntry {
	if l == nil {
		return nil
	}
	return l.Images[name]
}

// Marshal renders the lock: a header, then images sorted by name with their
// keys in a fixed order, so that the same lock always gives the same bytes.
func (l *Lock) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# golden.lock: written by `slipway golden build`; do not edit by hand.\n")
	b.WriteString("# Each image: where it was pushed, its digest, what it was built from, and when.\n")
	fmt.Fprintf(&b, "version = %d\n", LockVersion)
	// BurntSushi's encoder writes struct fields in declaration order and
	// map keys sorted: the same lock always gives the same bytes.
	out := struct {
		Images map[string]*LockEntry `toml:"image"`
	}{Images: map[string]*LockEntry{}}
	for n, e := range l.Images {
		out.Images[n] = normalized(e)
	}
	var body bytes.Buffer
	enc := toml.NewEncoder(&body)
	enc.Indent = ""
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encoding golden.lock: %w", err)
	}
	// A blank line before each image's table, for the reader.
	for _, line := range strings.SplitAfter(body.String(), "\n") {
		if strings.HasPrefix(line, "[image") && !strings.HasSuffix(line, ".platforms]\n") {
			b.WriteString("\n")
		}
		b.WriteString(line)
	}
	return b.Bytes(), nil
}

func normalized(e *LockEntry) *LockEntry {
	c := *e
	c.BuiltAt = c.BuiltAt.UTC().Truncate(time.Second)
	if c.Platforms == nil {
		c.Platforms = map[string]string{}
	}
	return &c
}

// Write writes the lock to path atomically.
func (l *Lock) Write(path string) error {
	b, err := l.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// Clone returns a deep copy of l.
func (l *Lock) Clone() *Lock {
	c := &Lock{Version: LockVersion, Images: map[string]*LockEntry{}}
	if l == nil {
		return c
	}
	for n, e := range l.Images {
		ec := *e
		ec.Platforms = map[string]string{}
		for k, v := range e.Platforms {
			ec.Platforms[k] = v
		}
		c.Images[n] = &ec
	}
	return c
}

// FindLock looks for golden/golden.lock in dir and its parents, the way a
// service finds the golden images of the repository it lives in. It
// returns "" when there is none.
func FindLock(dir string) (string, error) {
	return config.FindUp(dir, filepath.Join("golden", FileName))
}

// Locked is what a service needs to build FROM a golden image: the
// reference pinned by digest and the facts the Dockerfile template needs.
type Locked struct {
	Name   string // the golden image's name
	Image  string // repository, without tag or digest
	Digest string // sha256:...
	UID    int    // the uid the image runs as (0 when unknown)
	Shell  bool   // whether the image has a shell
}

// Ref returns Image@Digest.
func (l Locked) Ref() string { return l.Image + "@" + l.Digest }

// LookupLocked finds golden image name in the golden.lock above dir (the
// service's folder). ok is false when there is no lock or no such image in
// it; the caller then falls back to its unpinned default.
//
// internal/generate calls it for base = "golden:<name>" so that the
// rendered FROM line carries the locked digest.
func LookupLocked(dir, name string) (l Locked, ok bool, err error) {
	path, err := FindLock(dir)
	if err != nil || path == "" {
		return Locked{}, false, err
	}
	lock, err := ReadLock(path)
	if err != nil {
		return Locked{}, false, err
	}
	e := lock.Entry(strings.TrimPrefix(name, Prefix))
	if e == nil {
		return Locked{}, false, nil
	}
	l = Locked{Name: strings.TrimPrefix(name, Prefix), Image: e.Image, Digest: e.Digest, Shell: e.Shell}
	if uid, _, found := strings.Cut(e.User, ":"); found || uid != "" {
		fmt.Sscanf(uid, "%d", &l.UID)
	}
	return l, true, nil
}
