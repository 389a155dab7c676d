// Package layer holds the rules that verify's unpacker and scan's walk
// share for the entries of an image layer tar, so that both judge a hostile
// layer the same way: which entry names are refused, and the limits that
// bound the work one image may cause.
//
// An entry name is refused, never cleaned into something else, when it
// climbs with a ".." component, is absolute, is longer than Limits.PathLen
// bytes or deeper than Limits.PathDepth components. Layer tars written by
// BuildKit, Docker, containerd, ko, apko and umoci never need any of these;
// an attacker's tar does. Refusals are *EntryError and *LimitError, both bad
// input (IsBadInput): the commands exit 2. Messages quote at most a short
// prefix of a name, with control characters escaped.
package layer

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/docker/go-units"
)

// Limits bound what reading one image's layers may cost. A zero field takes
// its default.
type Limits struct {
	// UnpackedBytes bounds the regular file content of all layers together,
	// as unpacked (not the compressed size). Default 16 GiB.
	UnpackedBytes int64
	// Files bounds the entries of all layers together. Default 2,000,000.
	Files int
	// PathDepth bounds the components of an entry name. Default 256.
	PathDepth int
	// PathLen bounds an entry name in bytes. Default 4096 (PATH_MAX), or
	// 16 bytes a component of PathDepth when that is more.
	PathLen int
}

// Defaults, chosen so that no real image reaches them: the largest images
// in common use (CUDA toolchains) unpack to about 20 GB in far fewer files,
// the deepest node_modules trees stay under 100 components.
const (
	DefaultUnpackedBytes = 16 << 30
	DefaultFiles         = 2_000_000
	DefaultPathDepth     = 256
	DefaultPathLen       = 4096
)

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.UnpackedBytes <= 0 {
		l.UnpackedBytes = DefaultUnpackedBytes
	}
	if l.Files <= 0 {
		l.Files = DefaultFiles
	}
	if l.PathDepth <= 0 {
		l.PathDepth = DefaultPathDepth
	}
	if l.PathLen <= 0 {
		// Raising the depth raises the length with it: 16 bytes a component.
		l.PathLen = max(DefaultPathLen, 16*l.PathDepth)
	}
	return l
}

// EntryError is an entry that is refused: the layer (1-based, from the
// bottom), the entry's name as the tar holds it, and why.
type EntryError struct {
	Layer int
	Name  string
	Why   string
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("layer %d: entry %s: %s", e.Layer, Quote(e.Name), e.Why)
}

// LimitError is a limit that the image goes over; Flag names the flag that
// raises it.
type LimitError struct {
	Layer int
	Name  string // the entry at which the limit was reached
	What  string // "unpacked size over 16GiB"
	Flag  string // "--max-unpacked-size"
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("layer %d: entry %s: %s (raise the limit with %s)", e.Layer, Quote(e.Name), e.What, e.Flag)
}

// BadInput marks a refused entry as bad input (exit 2).
func (e *EntryError) BadInput() {}

// BadInput marks a limit the image goes over as bad input (exit 2).
func (e *LimitError) BadInput() {}

// IsBadInput reports whether err is an entry refusal or a limit.
func IsBadInput(err error) bool {
	var ee *EntryError
	var le *LimitError
	return errors.As(err, &ee) || errors.As(err, &le)
}

// maxQuoted bounds how much of a name an error message shows.
const maxQuoted = 120

// Quote returns name as a Go-quoted string (control characters and
// invalid UTF-8 escaped), cut to its first bytes when long.
func Quote(name string) string {
	if len(name) <= maxQuoted {
		return strconv.Quote(name)
	}
	return strconv.Quote(name[:maxQuoted]) + fmt.Sprintf("... (%d bytes)", len(name))
}

// Budget counts what the layers of one image have used of its Limits.
// The zero value is not usable: call NewBudget.
type Budget struct {
	l     Limits
	files int
	bytes int64
}

// NewBudget returns a budget for l (zero fields take their defaults).
func NewBudget(l Limits) *Budget { return &Budget{l: l.WithDefaults()} }

// Limits returns the limits in force.
func (b *Budget) Limits() Limits { return b.l }

// Bytes returns the regular file bytes counted so far.
func (b *Budget) Bytes() int64 { return b.bytes }

// Entry checks the header of one entry of layer l (1-based), counts it,
// and returns its clean name relative to the root ("" for the root
// itself). Regular file content is counted too (its header's size), so a
// bomb is refused at its header, before a byte of it is written.
func (b *Budget) Entry(l int, hdr *tar.Header) (string, error) {
	name, err := b.Name(l, hdr.Name)
	if err != nil {
		return "", err
	}
	b.files++
	if b.files > b.l.Files {
		return "", &LimitError{Layer: l, Name: hdr.Name, What: fmt.Sprintf("more than %d files", b.l.Files), Flag: "--max-files"}
	}
	if hdr.Typeflag == tar.TypeReg || hdr.Typeflag == tar.TypeRegA { //nolint:staticcheck // TypeRegA still appears in old layers
		if hdr.Size < 0 {
			return "", &EntryError{Layer: l, Name: hdr.Name, Why: "a negative size"}
		}
		if hdr.Size > b.l.UnpackedBytes-b.bytes {
			return "", &LimitError{Layer: l, Name: hdr.Name,
				What: "unpacked size over " + units.BytesSize(float64(b.l.UnpackedBytes)), Flag: "--max-unpacked-size"}
		}
		b.bytes += hdr.Size
	}
	return name, nil
}

// Name checks an entry name (or a hard link's target) of layer l and
// returns it clean and relative to the root. The length is checked before
// anything else, so a name of 100,000 components costs no more than a
// short one.
func (b *Budget) Name(l int, raw string) (string, error) {
	if len(raw) > b.l.PathLen {
		return "", &LimitError{Layer: l, Name: raw, What: fmt.Sprintf("a name of %d bytes, over %d", len(raw), b.l.PathLen), Flag: "--max-path-depth"}
	}
	if strings.HasPrefix(raw, "/") {
		return "", &EntryError{Layer: l, Name: raw, Why: "an absolute path (layer entries are relative to the image root)"}
	}
	if strings.IndexByte(raw, 0) >= 0 {
		return "", &EntryError{Layer: l, Name: raw, Why: "a NUL byte in the name"}
	}
	depth := 0
	for c := range strings.SplitSeq(raw, "/") {
		switch c {
		case "..":
			return "", &EntryError{Layer: l, Name: raw, Why: `a ".." component (it would climb out of the image)`}
		case "", ".":
			continue
		}
		depth++
	}
	if depth > b.l.PathDepth {
		return "", &LimitError{Layer: l, Name: raw, What: fmt.Sprintf("%d path components, over %d", depth, b.l.PathDepth), Flag: "--max-path-depth"}
	}
	n := path.Clean("/" + raw)[1:]
	return n, nil
}

// Walk reads the tar of layer l (1-based) from r: every entry's header
// passes b.Entry, and fn gets each entry but the root with its clean
// absolute path ("/" and the name) and the tar reader, positioned at the
// entry's content. archive/tar may flag an insecure name with a usable
// header: the budget judges that name like every other.
func (b *Budget) Walk(l int, r io.Reader, fn func(hdr *tar.Header, p string, tr *tar.Reader) error) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return fmt.Errorf("reading layer %d: %w", l, err)
		}
		rel, err := b.Entry(l, hdr)
		if err != nil {
			return err
		}
		if rel != "" {
			if err := fn(hdr, "/"+rel, tr); err != nil {
				return err
			}
		}
	}
}
