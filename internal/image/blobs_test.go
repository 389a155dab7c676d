package image

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/testkit"
)

// TestBlobs: one index, read from a layout, its tarball and a registry:
// Root is the index, a blob it names reads back whole, a descriptor over
// the limit is ErrTooLarge, a blob the source lacks is ErrMissing, and
// replaced bytes are a DigestError.
func TestBlobs(t *testing.T) {
	img := testImage(t)
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img})
	dir := filepath.Join(t.TempDir(), "layout")
	if _, err := layout.Write(dir, idx); err != nil {
		t.Fatal(err)
	}
	tarball := filepath.Join(t.TempDir(), "image.tar")
	tarLayout(t, dir, tarball)
	ref, err := name.ParseReference(testkit.Registry(t)+"/team/app:1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Config
	absent := cfg
	absent.Digest.Hex = string(bytes.Repeat([]byte("0"), 64))
	ctx := context.Background()
	for what, src := range map[string]string{"layout": dir, "tarball": tarball, "registry": ref.String()} {
		t.Run(what, func(t *testing.T) {
			bl, err := OpenBlobs(ctx, src, Options{}, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			defer bl.Close()
			if bl.Root == nil {
				t.Fatal("no root index")
			}
			if b, err := bl.Read(ctx, cfg, false, 1<<20); err != nil || int64(len(b)) != cfg.Size {
				t.Errorf("config: %d bytes, %v", len(b), err)
			}
			if _, err := bl.Read(ctx, cfg, false, cfg.Size-1); !errors.Is(err, ErrTooLarge) {
				t.Errorf("over the limit: %v, want ErrTooLarge", err)
			}
			if _, err := bl.Read(ctx, absent, false, 1<<20); !errors.Is(err, ErrMissing) {
				t.Errorf("absent blob: %v, want ErrMissing", err)
			}
		})
	}

	p := filepath.Join(dir, "blobs", "sha256", cfg.Digest.Hex)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	bl, err := OpenBlobs(ctx, dir, Options{}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var de *DigestError
	if _, err := bl.Read(ctx, cfg, false, 1<<20); !errors.As(err, &de) || de.Want != cfg.Digest {
		t.Errorf("replaced config: %v, want a DigestError for %s", err, cfg.Digest)
	}

	if bl, err := OpenBlobs(ctx, t.TempDir(), Options{}, 1<<20); err != nil {
		t.Errorf("a folder without index.json: %v", err)
	} else if bl.Root != nil {
		t.Errorf("a folder without index.json has a root: %q", bl.Root)
	}
}
