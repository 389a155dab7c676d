package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// fuzzLayout writes an OCI layout holding index as index.json and each
// blob under its own digest's name, unless named overrides the name.
func fuzzLayout(t *testing.T, dir string, index []byte, blobs [][]byte, named map[int]v1.Hash) {
	for i, b := range blobs {
		h := sha256Of(b)
		if n, ok := named[i]; ok {
			h = n
		}
		p := filepath.Join(dir, "blobs", h.Algorithm, h.Hex)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644); err != nil {
		t.Fatal(err)
	}
}

// honest builds manifest and index for config and layer (stored as they
// are, so any bytes make a layer).
func honest(config, layer []byte) (index, manifest []byte) {
	mf := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Size: int64(len(config)), Digest: sha256Of(config)},
		Layers: []v1.Descriptor{{MediaType: types.OCIUncompressedLayer, Size: int64(len(layer)), Digest: sha256Of(layer)}}}
	manifest, _ = json.Marshal(mf)
	index, _ = json.Marshal(v1.IndexManifest{SchemaVersion: 2, Manifests: []v1.Descriptor{{
		MediaType: types.OCIManifestSchema1, Size: int64(len(manifest)), Digest: sha256Of(manifest),
		Platform: &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}}}})
	return index, manifest
}

// configFor is a config whose one diff ID is the layer's (stored
// uncompressed, the diff ID is the digest).
func configFor(layer []byte) []byte {
	b, _ := json.Marshal(v1.ConfigFile{OS: "linux", Architecture: runtime.GOARCH,
		RootFS: v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{sha256Of(layer)}}})
	return b
}

func layerSeed() []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "usr/bin/su", Typeflag: tar.TypeReg, Mode: 0o4755, Size: 2})
	tw.Write([]byte("su"))
	tw.Close()
	return buf.Bytes()
}

// fuzzAllocBound is the most one execution may allocate: the limits keep
// every read of structure under a few MiB whatever the bytes say.
const fuzzAllocBound = 32 << 20

// FuzzOpenLayout feeds arbitrary index, manifest and config bytes and a
// layer to the layout reader. Whatever they are, opening and reading
// never panics and allocates boundedly. And for an honest image made of
// the layer and a config naming it, changing any byte of a blob whose
// digest the image names (manifest, config or layer) is always caught, by
// a DigestError.
func FuzzOpenLayout(f *testing.F) {
	layer := layerSeed()
	config := configFor(layer)
	index, manifest := honest(config, layer)
	f.Add(index, manifest, config, layer, uint8(0), uint32(0), uint8(1))
	f.Add([]byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:`+sha256Of(nil).Hex+`","size":0}]}`), manifest, config, layer, uint8(1), uint32(7), uint8(0x80))
	f.Add(index, []byte(`{"schemaVersion":2,"config":{"size":1073741824}}`), []byte("{}"), []byte{0x1f, 0x8b, 8, 0}, uint8(2), uint32(100), uint8(0xff))
	base := f.TempDir()
	fresh := func(t *testing.T) string {
		// One folder per execution, reused across the worker's executions:
		// a t.TempDir each would cost more than the reads.
		d := filepath.Join(base, "x")
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	f.Fuzz(func(t *testing.T, index, manifest, config, layer []byte, which uint8, pos uint32, flip uint8) {
		ctx := context.Background()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)

		// Arbitrary structure: the fuzzer's index.json and blobs.
		dir := fresh(t)
		fuzzLayout(t, dir, index, [][]byte{manifest, config, layer}, nil)
		if src, err := Open(ctx, dir, Options{Warn: io.Discard}); err == nil {
			readEverything(src)
			src.Close()
		}
		if bl, err := OpenBlobs(ctx, dir, Options{Warn: io.Discard}, 1<<20); err == nil {
			var im v1.IndexManifest
			if json.Unmarshal(bl.Root, &im) == nil {
				for _, d := range im.Manifests {
					bl.Read(ctx, d, true, 1<<20)
				}
			}
			bl.Close()
		}

		// An honest image of this layer, then one blob changed.
		cfg := configFor(layer)
		hi, hm := honest(cfg, layer)
		blobs := [][]byte{hm, cfg, layer}
		dir = fresh(t)
		fuzzLayout(t, dir, hi, blobs, nil)
		src, err := Open(ctx, dir, Options{Warn: io.Discard})
		if err == nil {
			err = readEverything(src)
			src.Close()
		}
		if err != nil {
			return // the layer's bytes themselves are not a readable layer
		}
		k := int(which) % len(blobs)
		orig := blobs[k]
		changed := bytes.Clone(orig)
		if len(changed) == 0 || flip == 0 {
			changed = append(changed, flip)
		} else {
			changed[int(pos)%len(changed)] ^= flip
		}
		blobs[k] = changed
		dir = fresh(t)
		fuzzLayout(t, dir, hi, blobs, map[int]v1.Hash{k: sha256Of(orig)})
		src, err = Open(ctx, dir, Options{Warn: io.Discard})
		if err == nil {
			err = readEverything(src)
			src.Close()
		}
		var de *DigestError
		if !errors.As(err, &de) {
			t.Fatalf("blob %d changed (%d bytes → %d) under its digest's name: got %v, want a DigestError", k, len(orig), len(changed), err)
		}
		// Blobs, which reads what sits beside an image, catches it too.
		bl, err := OpenBlobs(ctx, dir, Options{Warn: io.Discard}, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		_, err = bl.Read(ctx, v1.Descriptor{Digest: sha256Of(orig), Size: int64(len(orig))}, k == 0, 64<<20)
		bl.Close()
		if !errors.As(err, &de) {
			t.Fatalf("Blobs.Read of blob %d changed under its digest's name: got %v, want a DigestError", k, err)
		}

		runtime.ReadMemStats(&after)
		if a := after.TotalAlloc - before.TotalAlloc; a > fuzzAllocBound+uint64(4*(len(index)+len(manifest)+len(config)+len(layer))) {
			t.Fatalf("one execution allocated %d bytes", a)
		}
	})
}
