package image

import (
	"context"
	"io"
	"os"
)

// Limits bound what reading an image's structure may cost. The defaults
// are far above anything a real image needs (BuildKit's manifests are a
// few KiB, configs rarely above 100 KiB, indexes nest at most twice);
// hostile images are refused with an error naming the limit and the flag
// that raises it.
type Limits struct {
	// MaxManifestSize caps index.json, every index and image manifest, and
	// a docker-save manifest.json, in bytes.
	MaxManifestSize int64
	// MaxConfigSize caps the image config, in bytes.
	MaxConfigSize int64
	// MaxIndexDepth caps how deep indexes nest below index.json (or the
	// registry's top index): 1 = index.json lists image manifests only.
	MaxIndexDepth int
	// MaxIndexEntries caps the descriptors of every index read, together.
	MaxIndexEntries int
}

// DefaultLimits are the limits when none are set.
var DefaultLimits = Limits{
	MaxManifestSize: 4 << 20,
	MaxConfigSize:   8 << 20,
	MaxIndexDepth:   4,
	MaxIndexEntries: 10000,
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits
	if l.MaxManifestSize > 0 {
		d.MaxManifestSize = l.MaxManifestSize
	}
	if l.MaxConfigSize > 0 {
		d.MaxConfigSize = l.MaxConfigSize
	}
	if l.MaxIndexDepth > 0 {
		d.MaxIndexDepth = l.MaxIndexDepth
	}
	if l.MaxIndexEntries > 0 {
		d.MaxIndexEntries = l.MaxIndexEntries
	}
	return d
}

type settingsKey struct{}

// Settings are what a command sets once for every image it opens: the
// limits and where warnings go.
type Settings struct {
	Limits Limits
	// Warn receives warnings (two manifests for one platform, ...); nil
	// means os.Stderr.
	Warn io.Writer
}

// WithSettings returns ctx carrying s; Open and OpenLocalContext read it
// when their Options do not set limits.
func WithSettings(ctx context.Context, s Settings) context.Context {
	return context.WithValue(ctx, settingsKey{}, s)
}

func settingsFrom(ctx context.Context, o Options) Settings {
	s, _ := ctx.Value(settingsKey{}).(Settings)
	if o.Limits != (Limits{}) {
		s.Limits = o.Limits
	}
	if o.Warn != nil {
		s.Warn = o.Warn
	}
	s.Limits = s.Limits.orDefault()
	if s.Warn == nil {
		s.Warn = os.Stderr
	}
	return s
}

// ContextLimits returns the limits a command set with WithSettings (the
// defaults where it set none), for readers outside this package that walk
// image structure themselves (scan's attestation reader).
func ContextLimits(ctx context.Context) Limits { return settingsFrom(ctx, Options{}).Limits }
