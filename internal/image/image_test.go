package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/slipway/slipway/internal/testkit"
)

func testImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.Config(img, v1.Config{Entrypoint: []string{"/x"}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// tarLayout writes the layout directory src as a tarball, adding entries
// that must never be unpacked: a climbing name and a symlink.
func tarLayout(t *testing.T, src, dst string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	evil := []*tar.Header{
		{Name: "../escaped", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1},
		{Name: "blobs/sha256/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
	}
	for _, h := range evil {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte("x"))
		}
	}
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == src {
			return err
		}
		h, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		h.Name = "./" + filepath.ToSlash(rel)
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(b)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenLocalFormats(t *testing.T) {
	img := testImage(t)
	want, _ := img.Digest()
	dir := t.TempDir()
	lp, err := layout.Write(filepath.Join(dir, "layout"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	att, _ := random.Image(64, 1)
	if err := lp.AppendImage(att, layout.WithAnnotations(map[string]string{"vnd.docker.reference.type": "attestation-manifest"})); err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	ociTar := filepath.Join(dir, "oci.tar")
	tarLayout(t, filepath.Join(dir, "layout"), ociTar)
	dockerTar := filepath.Join(dir, "docker.tar")
	tag, _ := name.NewTag("example.com/x:latest")
	if err := tarball.WriteToFile(dockerTar, tag, img); err != nil {
		t.Fatal(err)
	}
	for p, kind := range map[string]Kind{filepath.Join(dir, "layout"): KindLayout, ociTar: KindOCIArchive, dockerTar: KindDockerArchive} {
		src, err := Open(context.Background(), p, Options{TempDir: t.TempDir()})
		if err != nil {
			t.Errorf("Open(%s): %v", filepath.Base(p), err)
			continue
		}
		if src.Kind != kind {
			t.Errorf("Open(%s).Kind = %s, want %s", filepath.Base(p), src.Kind, kind)
		}
		d, _ := src.Digest()
		if kind != KindDockerArchive && d != want {
			t.Errorf("Open(%s) digest %s, want %s", filepath.Base(p), d, want)
		}
		cf, _ := src.ConfigFile()
		if cf == nil || len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != "/x" {
			t.Errorf("Open(%s): config %+v", filepath.Base(p), cf)
		}
		if src.tmp != "" {
			if kind == KindOCIArchive {
				if _, err := os.Lstat(filepath.Join(src.tmp, "layout", "blobs", "sha256", "link")); !os.IsNotExist(err) {
					t.Errorf("a symlink entry was unpacked: %v", err)
				}
				if _, err := os.Lstat(filepath.Join(src.tmp, "escaped")); !os.IsNotExist(err) {
					t.Errorf("a climbing entry was unpacked: %v", err)
				}
			}
			if err := src.Close(); err != nil {
				t.Error(err)
			}
			if _, err := os.Stat(src.tmp); !os.IsNotExist(err) {
				t.Errorf("Close left %s", src.tmp)
			}
		}
	}
	plain := filepath.Join(dir, "plain.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "hello.txt", Typeflag: tar.TypeReg, Mode: 0o644, Size: 2})
	tw.Write([]byte("hi"))
	tw.Close()
	os.WriteFile(plain, buf.Bytes(), 0o644)
	if _, err := OpenLocal(plain, t.TempDir()); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Errorf("OpenLocal(a plain tar) = %v, want a 'neither' error", err)
	}
}

func TestOpenRegistry(t *testing.T) {
	host := testkit.Registry(t)
	img := testImage(t)
	ref, err := name.ParseReference(host+"/team/app:1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	for _, r := range []string{host + "/team/app:1", host + "/team/app@" + want.String()} {
		src, err := Open(context.Background(), r, Options{})
		if err != nil {
			t.Fatalf("Open(%s): %v", r, err)
		}
		if d, _ := src.Digest(); d != want || src.Kind != KindRegistry {
			t.Errorf("Open(%s) = %s %s, want %s from the registry", r, src.Kind, d, want)
		}
	}
	if _, err := Open(context.Background(), host+"/team/missing:1", Options{}); err == nil {
		t.Error("a missing repository: want an error")
	}
}

func TestOpenNotFound(t *testing.T) {
	for _, s := range []string{"", "./missing.tar", "/no/such/dir", "image.tar.gz", "UPPER CASE"} {
		_, err := Open(context.Background(), s, Options{})
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("Open(%q) = %v, want a NotFoundError", s, err)
		}
	}
}

func TestLoopback(t *testing.T) {
	for reg, want := range map[string]bool{
		"localhost:5000": true, "127.0.0.1:44461": true, "[::1]:5000": true, "127.0.0.1": true,
		"registry.example.com": false, "10.0.0.1:5000": false, "localhost.example.com": false,
	} {
		if got := Loopback(reg); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", reg, got, want)
		}
	}
}

// A registry that serves other bytes for a blob than its digest names:
// the config and the layer are refused, naming both digests.
func TestOpenRegistryReplacedBlob(t *testing.T) {
	img := testImage(t)
	cfgName, _ := img.ConfigName()
	layers, _ := img.Layers()
	layerDigest, _ := layers[0].Digest()
	for _, target := range []v1.Hash{cfgName, layerDigest} {
		reg := registry.New()
		var replace bool
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if replace && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+target.String()) {
				w.Header().Set("Content-Type", "application/octet-stream")
				w.Write([]byte(`{"config":{"User":"0"}}`))
				return
			}
			reg.ServeHTTP(w, r)
		}))
		host := strings.TrimPrefix(srv.URL, "http://")
		ref, _ := name.ParseReference(host+"/team/app:1", name.Insecure)
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
		replace = true
		src, err := Open(context.Background(), host+"/team/app:1", Options{})
		if err == nil {
			err = readEverything(src)
		}
		t.Logf("%s replaced: %v", target, err)
		if err == nil || !strings.Contains(err.Error(), target.Hex) {
			t.Errorf("blob %s replaced in the registry: err = %v, want an error naming it", target, err)
		}
		srv.Close()
	}
}
