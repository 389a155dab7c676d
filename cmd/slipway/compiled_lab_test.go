package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// corpusDir holds the real-shaped services of issue 9.
const corpusDir = "../../internal/e2e/testdata/services"

// copyTree copies src to dst (regular files and folders only).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCompiledCorpusLab runs `slipway init --yes`, `slipway build` and
// `slipway verify` through the CLI on the corpus services whose images
// need runtime files (go-frontend: templates/ and static/ read at run
// time; go-productcatalog: products.json), a build context above the
// service folder (monorepo-shop/src/checkout: go.mod replaces a module at
// the repository root) and $PORT (java-httpserver), with no edit of the
// slipway.toml init writes. For go-frontend a
// control build without runtime_files must fail verify: the files are what
// makes it start.
func TestCompiledCorpusLab(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	if _, err := os.Stat(corpusDir); err != nil {
		t.Fatalf("the service corpus is missing (%v): it lives in internal/e2e/testdata/services", err)
	}
	for _, tc := range []struct {
		root, service string // the folder copied, and the service in it
		health        string // the service's health endpoint, probed by verify
		want          []string
	}{
		{"go-frontend", ".", "/_healthz", []string{`runtime_files = ["static", "templates"]`, `port_env = "PORT"`}},
		{"monorepo-shop", "src/checkout", "/healthz", []string{`service_dir = "src/checkout"`, `shared_paths = ["shared"]`}},
		{"go-productcatalog", ".", "/healthz", []string{`runtime_files = ["products.json"]`, `port_env = "PORT"`}},
		// Maven through the lab's mirror of Debian's Maven repository.
		{"java-httpserver", ".", "/health", []string{`port_env = "PORT"`}},
	} {
		t.Run(tc.root, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), tc.root)
			copyTree(t, filepath.Join(corpusDir, tc.root), root)
			dir := filepath.Join(root, tc.service)
			code, _, stderr := runIO(t, "", "init", dir, "--yes")
			if code != exitOK {
				t.Fatalf("init: exit %d: %s", code, stderr)
			}
			cfg, err := os.ReadFile(filepath.Join(dir, config.FileName))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(cfg), w) {
					t.Errorf("slipway.toml lacks %s:\n%s", w, cfg)
				}
			}
			if !strings.Contains(stderr, "from ") {
				t.Errorf("init printed no evidence:\n%s", stderr)
			}
			img := filepath.Join(t.TempDir(), "img.tar")
			code, _, stderr = runIO(t, "", "build", dir, "--addr", l.BuildkitHost, "--progress", "plain", "-o", "type=oci,dest="+img)
			if code != exitOK {
				t.Fatalf("build: exit %d: %s", code, stderr)
			}
			if tc.service != "." {
				// Only the service folder and its shared module were sent:
				// the repository's other service and proto folder were not.
				if !strings.Contains(stderr, "transferring context") {
					t.Errorf("no context transfer in the build log:\n%s", stderr)
				}
				ign, err := os.ReadFile(filepath.Join(dir, "Dockerfile.dockerignore"))
				if err != nil {
					t.Fatalf("Dockerfile.dockerignore: %v", err)
				}
				if _, err := os.Stat(filepath.Join(root, ".dockerignore")); err == nil {
					t.Errorf("a .dockerignore was written at the repository root")
				}
				if !strings.Contains(string(ign), "*\n!src/checkout\n!shared\n") {
					t.Errorf("Dockerfile.dockerignore does not send only the service and shared/:\n%s", ign)
				}
			}
			code, stdout, stderr := runIO(t, "", "verify", img, "--config", filepath.Join(dir, config.FileName), "--health-path", tc.health)
			if code != exitOK {
				t.Fatalf("verify: exit %d:\n%s\n%s", code, stdout, stderr)
			}
			if tc.root != "go-frontend" {
				return
			}
			// Control: the same service without its runtime files does
			// not start (html/template: pattern matches no files).
			src := strings.Replace(string(cfg), `runtime_files = ["static", "templates"]`+"\n", "", 1)
			if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, _, stderr := runIO(t, "", "generate", dir); code != exitOK {
				t.Fatalf("generate: exit %d: %s", code, stderr)
			}
			bare := filepath.Join(t.TempDir(), "bare.tar")
			if code, _, stderr := runIO(t, "", "build", dir, "--addr", l.BuildkitHost, "--progress", "quiet", "-o", "type=oci,dest="+bare); code != exitOK {
				t.Fatalf("control build: exit %d: %s", code, stderr)
			}
			if code, stdout, _ := runIO(t, "", "verify", bare, "--config", filepath.Join(dir, config.FileName), "--health-path", tc.health, "--timeout", "15s"); code == exitOK {
				t.Errorf("the image without runtime_files passed verify; it should not start:\n%s", stdout)
			}
		})
	}
}

// TestModuleRootAboveLab: a service folder without its own go.mod, in a
// module whose go.mod is at the repository root (`init --language go`,
// since no marker is in the folder), builds from the root with go.mod and
// the one package it imports, and runs.
func TestModuleRootAboveLab(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	root := writeFiles(t, map[string]string{
		"go.mod":                 "module example.com/mono\n\ngo 1.26\n",
		"internal/money/m.go":    "package money\n\nfunc Cents() int { return 42 }\n",
		"internal/unused/u.go":   "package unused\n\nthis does not compile\n",
		"services/other/main.go": "package main\n\nthis does not compile either\n",
		"services/api/main.go": `package main

import (
	"fmt"
	"net/http"

	"example.com/mono/internal/money"
)

func main() {
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, money.Cents()) })
	_ = http.ListenAndServe(":8080", nil)
}
`,
	})
	dir := filepath.Join(root, "services", "api")
	if code, _, stderr := runIO(t, "", "init", dir, "--yes", "--language", "go"); code != exitOK {
		t.Fatalf("init: exit %d: %s", code, stderr)
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, config.FileName))
	if !strings.Contains(string(cfg), `service_dir = "services/api"`) || !strings.Contains(string(cfg), `shared_paths = ["go.mod", "internal/money"]`) {
		t.Fatalf("slipway.toml:\n%s", cfg)
	}
	img := filepath.Join(t.TempDir(), "img.tar")
	if code, _, stderr := runIO(t, "", "build", dir, "--addr", l.BuildkitHost, "--progress", "quiet", "-o", "type=oci,dest="+img); code != exitOK {
		t.Fatalf("build: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := runIO(t, "", "verify", img, "--config", filepath.Join(dir, config.FileName)); code != exitOK {
		t.Fatalf("verify: exit %d:\n%s\n%s", code, stdout, stderr)
	}
}
