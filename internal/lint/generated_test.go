package lint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/rules"
)

// templateIssues are findings in generated Dockerfiles that are the
// templates' (or catalogue's) to fix, not the linter's. Each names the
// base image prefix and rule; the test fails if one disappears, so the
// entry is removed together with the fix.
var templateIssues = map[string]string{}

func knownIssue(f rules.Finding) (string, bool) {
	for k := range templateIssues {
		id, prefix, _ := strings.Cut(k, " ")
		if f.RuleID == id && strings.Contains(f.Source, prefix) {
			return k, true
		}
	}
	return "", false
}

// TestGeneratedDockerfilesLintClean lints every golden Dockerfile that
// slipway generates (every language and base) with the .dockerignore it
// generates alongside, and wants no finding at warning or above.
func TestGeneratedDockerfilesLintClean(t *testing.T) {
	files, _ := filepath.Glob("../generate/testdata/golden/*.Dockerfile")
	var cases []struct {
		name   string
		df, di []byte
	}
	if len(files) > 0 {
		for _, f := range files {
			df, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lang, _, _ := strings.Cut(filepath.Base(f), "-")
			di, err := os.ReadFile(filepath.Join(filepath.Dir(f), lang+".dockerignore"))
			if err != nil {
				t.Fatalf("%s: no %s.dockerignore next to it: %v", f, lang, err)
			}
			cases = append(cases, struct {
				name   string
				df, di []byte
			}{filepath.Base(f), df, di})
		}
	} else {
		// No golden files: render language × fitting base directly.
		set, err := generate.LoadTemplates()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range set.Languages() {
			for _, b := range generate.FittingBases(set, l) {
				out, err := generate.Render(set, &config.Project{Name: "svc", Language: l, Base: b.Key, Port: 8080}, &config.Team{})
				if err != nil {
					continue // a combination the generator refuses is not a Dockerfile
				}
				cases = append(cases, struct {
					name   string
					df, di []byte
				}{l + "-" + b.Key, out.Dockerfile, out.Dockerignore})
			}
		}
	}
	if len(cases) < 10 {
		t.Fatalf("only %d generated Dockerfiles", len(cases))
	}
	seenIssues := map[string]bool{}
	for _, c := range cases {
		res, err := Check(context.Background(), Input{Path: c.name, Data: c.df, Ignore: &Dockerignore{Path: ".dockerignore", Data: c.di}}, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for _, f := range res.Findings {
			if f.Severity < rules.Warning {
				continue
			}
			if k, ok := knownIssue(f); ok {
				seenIssues[k] = true
				t.Logf("%s:%d: %s %s (known template issue: %s)", c.name, f.Line, f.RuleID, f.Message, templateIssues[k])
				continue
			}
			t.Errorf("%s:%d: %s %s: %s\n%s", c.name, f.Line, f.Severity, f.RuleID, f.Message, f.Source)
		}
	}
	for k := range templateIssues {
		if !seenIssues[k] {
			t.Errorf("known template issue %q no longer occurs: remove it from templateIssues", k)
		}
	}
}
