package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

var update = flag.Bool("update", false, "rewrite the golden Dockerfiles under testdata/")

const fakeDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

func loadRepoPlan(t *testing.T) *Plan {
	t.Helper()
	specs, err := LoadDir(filepath.Join("..", "..", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(specs)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// testBase resolves a spec's FROM to a fixed digest for rendering tests.
func testBase(p *Plan, s *Spec) Base {
	if parent := p.ParentSpec(s); parent != nil {
		return NewBase("registry.example.com/"+parent.Repo(), fakeDigest)
	}
	return NewBase(s.From, fakeDigest)
}

// TestRenderRepoSpecs renders every spec in golden/ and compares it with
// testdata/<name>.Dockerfile (-update rewrites them); each is also parsed
// by BuildKit's own Dockerfile parser.
func TestRenderRepoSpecs(t *testing.T) {
	p := loadRepoPlan(t)
	for _, s := range p.Order {
		t.Run(s.Name, func(t *testing.T) {
			df, err := p.Render(s, testBase(p, s))
			if err != nil {
				t.Fatal(err)
			}
			parseDockerfile(t, df)
			want := filepath.Join("testdata", s.Name+".Dockerfile")
			if *update {
				if err := os.WriteFile(want, df, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/golden -run TestRenderRepoSpecs -update)", err)
			}
			if string(b) != string(df) {
				t.Errorf("rendered %s differs from %s (run with -update if intended):\n%s", s.Name, want, df)
			}
		})
	}
}

func parseDockerfile(t *testing.T, df []byte) []instructions.Stage {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(string(df)))
	if err != nil {
		t.Fatalf("BuildKit cannot parse the Dockerfile: %v\n%s", err, df)
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatalf("BuildKit cannot parse the instructions: %v\n%s", err, df)
	}
	return stages
}
