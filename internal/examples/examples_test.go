package examples

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
)

// TestPrepareEveryExample copies each example, checks what was left out,
// and renders its slipway.toml: a config that no longer loads or renders
// would break the e2e tests and the benchmarks alike.
func TestPrepareEveryExample(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	root, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range All() {
		t.Run(ex.Name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), ex.Name)
			if err := ex.Prepare(dst); err != nil {
				t.Fatal(err)
			}
			// Every file of the source (bar the skipped ones) is in the copy.
			err := filepath.WalkDir(filepath.Join(root, ex.Name), func(p string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if skipped[d.Name()] {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				rel, _ := filepath.Rel(filepath.Join(root, ex.Name), p)
				if _, err := os.Stat(filepath.Join(dst, rel)); err != nil {
					t.Errorf("%s not copied: %v", rel, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"Dockerfile", ".dockerignore", "node_modules", "target"} {
				if _, err := os.Stat(filepath.Join(dst, name)); err == nil {
					t.Errorf("%s copied, want it left out", name)
				}
			}
			p, err := config.Load(filepath.Join(dst, "slipway.toml"))
			if err != nil {
				t.Fatalf("slipway.toml: %v", err)
			}
			if p.Name != "hello-"+ex.Name {
				t.Errorf("name = %q, want hello-%s", p.Name, ex.Name)
			}
			if _, err := generate.Render(set, p, nil); err != nil {
				t.Fatalf("render: %v", err)
			}
			for _, s := range ex.Secrets {
				if _, ok := ex.Env[s.Env]; !ok {
					t.Errorf("secret %s reads $%s, which Env does not set", s.ID, s.Env)
				}
			}
		})
	}
}

func TestGet(t *testing.T) {
	if e, ok := Get("node"); !ok || e.Name != "node" || len(e.SecretIDs()) != 1 {
		t.Errorf("Get(node) = %+v, %v", e, ok)
	}
	if _, ok := Get("cobol"); ok {
		t.Error("Get(cobol) found an example")
	}
}
