package lab

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestBuildkitdConfigMirrorsEveryRegistry(t *testing.T) {
	conf := buildkitdConfig(paths{"/lab"}, "127.0.0.1:5000")
	for _, want := range []string{
		`[registry."127.0.0.1:5000"]` + "\n  http = true\n  insecure = true",
		`networkMode = "host"`,
		`snapshotter = "overlayfs"`,
		`address = ["unix:///lab/buildkitd.sock"]`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
	for _, r := range MirroredRegistries {
		if !strings.Contains(conf, `[registry."`+r+`"]`+"\n  mirrors = [\"127.0.0.1:5000\"]") {
			t.Errorf("config does not mirror %s:\n%s", r, conf)
		}
	}
}

func TestWriteTarKeepsLinksAndWhiteouts(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "etc"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "etc/a"), []byte("a"), 0o644))
	must(os.Link(filepath.Join(dir, "etc/a"), filepath.Join(dir, "etc/b")))
	must(os.Symlink("a", filepath.Join(dir, "etc/c")))
	if os.Geteuid() == 0 {
		must(syscall.Mknod(filepath.Join(dir, "etc/gone"), syscall.S_IFCHR, 0))
	}
	var buf bytes.Buffer
	must(writeTar(&buf, dir))
	got := map[string]byte{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		must(err)
		got[h.Name] = h.Typeflag
	}
	want := map[string]byte{"etc/": tar.TypeDir, "etc/a": tar.TypeReg, "etc/b": tar.TypeLink, "etc/c": tar.TypeSymlink}
	if os.Geteuid() == 0 {
		want["etc/.wh.gone"] = tar.TypeReg
	}
	for name, typ := range want {
		if got[name] != typ {
			t.Errorf("entry %s: type %q, want %q (all: %v)", name, got[name], typ, got)
		}
	}
}
