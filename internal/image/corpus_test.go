package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/hostile"
)

// readEverything reads src as scan and verify do: manifest, config, and
// every layer as a tar stream, stopping at the tar's end marker (not at
// the stream's end, which is where a verifying reader would otherwise
// keep its verdict), then the compressed bytes to their end.
func readEverything(src *Source) error {
	if _, err := src.RawManifest(); err != nil {
		return err
	}
	if _, err := src.ConfigFile(); err != nil {
		return err
	}
	layers, err := src.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return err
		}
		tr := tar.NewReader(rc)
		for {
			_, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err == nil {
				_, err = io.Copy(io.Discard, tr)
			}
			if err != nil {
				rc.Close()
				return err
			}
		}
		if err := rc.Close(); err != nil {
			return err
		}
		rc, err = l.Compressed()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// Bounds the image cases must stay under: heap allocated while opening
// and reading one case (a 1 GiB config or a 5 MiB index.json included),
// and bytes written to the temporary folder.
const (
	maxCaseAlloc = 48 << 20
	maxCaseTemp  = 1 << 20
)

var twoDigests = regexp.MustCompile(`sha256:[a-f0-9]{64}.*sha256:[a-f0-9]{64}`)

func TestImageCases(t *testing.T) {
	cases := append(hostile.ImageCases(), hostile.ImageControls()...)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			p, err := c.Build(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			tmp := filepath.Join(t.TempDir(), "tmp")
			if err := os.Mkdir(tmp, 0o700); err != nil {
				t.Fatal(err)
			}
			t.Setenv("TMPDIR", tmp)
			var warn bytes.Buffer
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			spooled := spooledBytes.Load()
			src, err := Open(context.Background(), p, Options{Warn: &warn})
			if err == nil {
				err = readEverything(src)
				if cerr := src.Close(); cerr != nil {
					t.Errorf("Close: %v", cerr)
				}
			}
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			temp := spooledBytes.Load() - spooled
			t.Logf("allocated %d bytes, wrote %d temporary bytes; err = %v", alloc, temp, err)
			if alloc > maxCaseAlloc {
				t.Errorf("allocated %d bytes, more than the bound of %d", alloc, maxCaseAlloc)
			}
			if temp > maxCaseTemp {
				t.Errorf("wrote %d temporary bytes, more than the bound of %d", temp, maxCaseTemp)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("left in the temporary folder: %v", left)
			}
			switch {
			case c.Want.Refuse:
				if err == nil {
					t.Fatalf("read cleanly; want a refusal containing %q", c.Want.ErrorHas)
				}
				if !IsInvalid(err) {
					t.Errorf("error %q is not marked invalid input (exit 2)", err)
				}
				if !strings.Contains(err.Error(), c.Want.ErrorHas) {
					t.Errorf("error %q, want it to contain %q", err, c.Want.ErrorHas)
				}
				var de *DigestError
				if errors.As(err, &de) && de.Got != (v1.Hash{}) && !twoDigests.MatchString(err.Error()) {
					t.Errorf("error %q does not name both digests", err)
				}
				if !strings.Contains(err.Error(), p) && !strings.Contains(err.Error(), filepath.Base(p)) {
					t.Errorf("error %q does not name the file", err)
				}
			default:
				if err != nil {
					t.Fatalf("want a clean read: %v", err)
				}
				if !strings.Contains(warn.String(), c.Want.WarnHas) {
					t.Errorf("warnings %q, want %q", warn.String(), c.Want.WarnHas)
				}
				if c.Want.WarnHas == "" && warn.Len() > 0 {
					t.Errorf("unexpected warnings: %s", warn.String())
				}
			}
		})
	}
}

// A canceled context stops Open and a later read of a gzipped tarball's
// layers; nothing is left in the temporary folder either way.
func TestOpenCanceled(t *testing.T) {
	var gzc hostile.Case
	for _, c := range hostile.ImageControls() {
		if c.Name == "control-ocitargz" {
			gzc = c
		}
	}
	p, err := gzc.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, p, Options{TempDir: tmp}); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a canceled context = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	src, err := Open(ctx, p, Options{TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := src.Layers(); !errors.Is(err, context.Canceled) {
		t.Errorf("Layers after cancel = %v, want context.Canceled", err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in the temporary folder: %v", left)
	}
}

// Past the spool cap, a gzipped tarball's blobs are read from the tarball
// itself: the image reads the same, and nothing is written.
func TestGzipTarballPastSpoolCap(t *testing.T) {
	saved := maxSpool
	maxSpool = 0
	defer func() { maxSpool = saved }()
	for _, c := range hostile.ImageControls() {
		if !strings.HasSuffix(c.Name, "gz") {
			continue
		}
		p, err := c.Build(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		before := spooledBytes.Load()
		src, err := Open(context.Background(), p, Options{TempDir: tmp})
		if err == nil {
			err = readEverything(src)
			src.Close()
		}
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
		if n := spooledBytes.Load() - before; n != 0 {
			t.Errorf("%s: wrote %d temporary bytes past a cap of 0", c.Name, n)
		}
	}
}
