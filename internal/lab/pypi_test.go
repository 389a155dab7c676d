package lab

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSatisfies(t *testing.T) {
	for _, c := range []struct {
		version, spec string
		want          bool
	}{
		{"0.26.1", "<0.26.0,>=0.25.0", false},
		{"0.25.3", "<0.26.0,>=0.25.0", true},
		{"1.10.4", "!=1.7,!=1.7.1,<2.0.0,>=1.6.2", true},
		{"1.7", "!=1.7", false},
		{"2.2.2", ">=2.2.2", true},
		{"2.2.2", "", true},
		{"4.4.0", "~=4.2", true},
		{"5.0", "~=4.2", false},
		{"3.1.2", "==3.1.*", true},
		{"3.2.0", "==3.1.*", false},
		{"3.2.0", "!=3.1.*", true},
		{"0.1.1", ">=0.4.0", false},
		{"1.0", "junk", false},
	} {
		if got := satisfies(c.version, c.spec); got != c.want {
			t.Errorf("satisfies(%q, %q) = %v, want %v", c.version, c.spec, got, c.want)
		}
	}
}

func TestParseRequirement(t *testing.T) {
	for in, want := range map[string]requirement{
		"starlette<0.26.0,>=0.25.0":                 {name: "starlette", spec: "<0.26.0,>=0.25.0"},
		"uvicorn[standard] (>=0.12) ; extra == 'x'": {name: "uvicorn", extras: "[standard]", spec: ">=0.12", marker: "extra == 'x'"},
		"Werkzeug": {name: "Werkzeug"},
	} {
		got, ok := parseRequirement(in)
		if !ok || got != want {
			t.Errorf("parseRequirement(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
	}
	if _, ok := parseRequirement("; nothing"); ok {
		t.Error("a requirement without a name parsed")
	}
}

func TestEggRequires(t *testing.T) {
	got := eggRequires("Werkzeug>=2.2.2\n\n[:python_version < \"3.10\"]\nimportlib-metadata>=3.6.0\n\n[async]\nasgiref>=3.2\n\n[dotenv:sys_platform == \"linux\"]\npython-dotenv\n")
	want := []string{
		"Requires-Dist: Werkzeug>=2.2.2",
		`Requires-Dist: importlib-metadata>=3.6.0; (python_version < "3.10")`,
		"Provides-Extra: async",
		`Requires-Dist: asgiref>=3.2; extra == "async"`,
		"Provides-Extra: dotenv",
		`Requires-Dist: python-dotenv; (sys_platform == "linux") and extra == "dotenv"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("eggRequires:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A Debian-style egg-info package becomes a wheel whose RECORD lists every
// file with its real hash, whose METADATA carries Debian's dependencies and
// drops a bound Debian's version fails, and that leaves out files pointing
// into other packages.
func TestWriteWheel(t *testing.T) {
	root := t.TempDir()
	dp := filepath.Join(root, distPackages)
	write := func(rel, content string) {
		p := filepath.Join(dp, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Demo_Pkg-1.2.egg-info/PKG-INFO", "Metadata-Version: 1.1\nName: Demo-Pkg\nVersion: 1.2\nSummary: demo\n\nLong\ndescription\n")
	write("Demo_Pkg-1.2.egg-info/requires.txt", "starlette<0.26,>=0.25\n")
	write("Demo_Pkg-1.2.egg-info/entry_points.txt", "[console_scripts]\ndemo = demo:main\n")
	write("demo/__init__.py", "def main(): pass\n")
	write("demo/__pycache__/x.cpython-311.pyc", "junk")
	if err := os.Symlink("../../../../share/javascript/x.js", filepath.Join(dp, "demo", "x.js")); err != nil {
		t.Fatal(err)
	}
	d, err := readDistribution(root)
	if err != nil || d == nil {
		t.Fatalf("readDistribution = %v, %v", d, err)
	}
	d.deb, d.debVersion, d.depends = "python3-demo", "1.2-1", []string{"python3-werkzeug", "python3:any"}
	werk := &distribution{name: "Werkzeug", version: "2.2.2"}
	d.addDebianRequires(map[string]*distribution{"python3-demo": d, "python3-werkzeug": werk})
	out := t.TempDir()
	sp, err := d.writeWheel(out, map[string]string{"starlette": "0.26.1", "werkzeug": "2.2.2"})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Wheel != "demo_pkg-1.2-py3-none-any.whl" || sp.Tag != "py3-none-any" {
		t.Errorf("wheel %s tag %s", sp.Wheel, sp.Tag)
	}
	if len(sp.Rewrites) != 1 || len(sp.FromDebian) != 1 || len(sp.Skipped) != 1 {
		t.Errorf("rewrites %v, from Debian %v, skipped %v", sp.Rewrites, sp.FromDebian, sp.Skipped)
	}
	zr, err := zip.OpenReader(filepath.Join(out, sp.Wheel))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	contents := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		contents[f.Name] = string(b)
	}
	info := "demo_pkg-1.2.dist-info/"
	meta := contents[info+"METADATA"]
	for _, want := range []string{"Metadata-Version: 2.1\n", "Requires-Dist: starlette\n", "Requires-Dist: Werkzeug\n", "\nLong\ndescription\n"} {
		if !strings.Contains(meta, want) {
			t.Errorf("METADATA lacks %q:\n%s", want, meta)
		}
	}
	if !strings.Contains(contents[info+"WHEEL"], "Tag: py3-none-any\n") || contents[info+"entry_points.txt"] == "" {
		t.Errorf("WHEEL %q, entry points %q", contents[info+"WHEEL"], contents[info+"entry_points.txt"])
	}
	if _, ok := contents["demo/__pycache__/x.cpython-311.pyc"]; ok {
		t.Error("bytecode in the wheel")
	}
	record := contents[info+"RECORD"]
	lines := strings.Split(strings.TrimSpace(record), "\n")
	if len(lines) != len(contents) {
		t.Errorf("RECORD has %d lines for %d files:\n%s", len(lines), len(contents), record)
	}
	for _, line := range lines {
		f := strings.Split(line, ",")
		if f[0] == info+"RECORD" {
			continue
		}
		sum := sha256.Sum256([]byte(contents[f[0]]))
		if want := fmt.Sprintf("sha256=%s", base64.RawURLEncoding.EncodeToString(sum[:])); f[1] != want || f[2] != fmt.Sprint(len(contents[f[0]])) {
			t.Errorf("RECORD line %q, want hash %s size %d", line, want, len(contents[f[0]]))
		}
	}
}
