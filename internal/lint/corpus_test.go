package lint

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

var update = flag.Bool("update", false, "rewrite testdata/corpus/*.findings (review every change by hand)")

// corpusInput reads testdata/corpus/NAME.Dockerfile with, when present,
// NAME.Dockerfile.dockerignore and NAME.team.toml.
func corpusInput(t testing.TB, file string) (Input, Options) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Path: filepath.Base(file), Data: data}
	if b, err := os.ReadFile(file + ".dockerignore"); err == nil {
		in.Ignore = &Dockerignore{Path: filepath.Base(file) + ".dockerignore", Data: b}
	}
	var o Options
	teamFile := strings.TrimSuffix(file, ".Dockerfile") + ".team.toml"
	if _, err := os.Stat(teamFile); err == nil {
		team, err := config.LoadTeam(teamFile)
		if err != nil {
			t.Fatal(err)
		}
		o.Team = team
	}
	return in, o
}

// findingsText is one "LINE RULE" per finding, sorted.
func findingsText(res *Result) string {
	var lines []string
	for _, f := range res.Findings {
		lines = append(lines, fmt.Sprintf("%d %s", f.Line, f.RuleID))
	}
	sort.SliceStable(lines, func(i, j int) bool {
		var a, b int
		fmt.Sscan(lines[i], &a)
		fmt.Sscan(lines[j], &b)
		if a != b {
			return a < b
		}
		return lines[i] < lines[j]
	})
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestCorpus lints every hand-written Dockerfile under testdata/corpus and
// compares the findings with NAME.findings exactly.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("corpus has %d Dockerfiles, want at least 30", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".Dockerfile"), func(t *testing.T) {
			in, o := corpusInput(t, file)
			res, err := Check(context.Background(), in, o)
			if err != nil {
				t.Fatal(err)
			}
			got := findingsText(res)
			want := strings.TrimSuffix(file, ".Dockerfile") + ".findings"
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test -update, then review the file)", err)
			}
			if got != string(exp) {
				var detail strings.Builder
				for _, f := range res.Findings {
					fmt.Fprintf(&detail, "  %d %s %s: %s\n", f.Line, f.RuleID, f.Severity, f.Message)
				}
				t.Errorf("findings differ\n got:\n%s want:\n%s details:\n%s", got, exp, detail.String())
			}
		})
	}
}
