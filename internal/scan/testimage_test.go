package scan

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// entry is one crafted tar entry of a test layer.
type entry struct {
	name     string
	typ      byte
	mode     int64
	uid, gid int
	body     string
	link     string
}

func dir(name string, mode int64) entry { return entry{name: name, typ: tar.TypeDir, mode: mode} }
func file(name, body string) entry {
	return entry{name: name, typ: tar.TypeReg, mode: 0o644, body: body}
}
func exe(name string, mode int64) entry {
	return entry{name: name, typ: tar.TypeReg, mode: mode, body: "\x7fELF"}
}
func symlink(name, target string) entry {
	return entry{name: name, typ: tar.TypeSymlink, mode: 0o777, link: target}
}
func whiteout(dir, name string) entry { return file(dir+"/.wh."+name, "") }
func modeFile(name string, mode int64) entry {
	return entry{name: name, typ: tar.TypeReg, mode: mode, body: "x"}
}

func tarBytes(t testing.TB, es []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Uid: e.uid, Gid: e.gid, Linkname: e.link, Size: int64(len(e.body))}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// layer makes a layer of crafted entries.
func layer(t testing.TB, es ...entry) v1.Layer {
	t.Helper()
	b := tarBytes(t, es)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// build makes an image of layers with config c and history h (one entry
// per layer when h is nil).
func build(t testing.TB, c v1.Config, h []v1.History, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config = c
	if h != nil {
		cf.History = h
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// Account files of a well-kept image.
const (
	goodPasswd = "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	goodGroup  = "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n"
	goodShadow = "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\nnonroot:!:19000:0:99999:7:::\n"
)

// baseEntries is a small distroless-like filesystem with nothing wrong.
func baseEntries() []entry {
	return []entry{
		dir("etc/", 0o755), file("etc/passwd", goodPasswd), file("etc/group", goodGroup),
		{name: "etc/shadow", typ: tar.TypeReg, mode: 0o640, body: goodShadow},
		dir("tmp/", 0o1777), modeFile("tmp/scratch", 0o666),
		dir("var/", 0o755), dir("var/tmp/", 0o1777),
		dir("app/", 0o755), exe("app/server", 0o755), file("app/config.yaml", "port: 8080\n"),
		dir("etc/ssl/certs/", 0o755), file("etc/ssl/certs/ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
		symlink("app/link", "/app/server"),
	}
}

func goodConfig() v1.Config {
	return v1.Config{
		User:        "65532:65532",
		Entrypoint:  []string{"/app/server"},
		Env:         []string{"PATH=/usr/local/bin:/usr/bin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca.pem"},
		Healthcheck: &v1.HealthConfig{Test: []string{"CMD", "/app/server", "-healthcheck"}},
		Labels:      map[string]string{labelBaseName: "gcr.io/distroless/static-debian12:nonroot"},
	}
}
