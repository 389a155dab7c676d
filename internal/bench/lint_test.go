package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLintScaleTargets(t *testing.T) {
	out := `BenchmarkLint2000Lines-2   	      19	  53612345 ns/op	   0.90 MB/s	 9123456 B/op	   81234 allocs/op
BenchmarkLintScale/runs-1000-2         	      26	  30000000 ns/op	   0.49 MB/s	19565555 B/op	  201515 allocs/op
BenchmarkLintScale/runs-100000-2       	       1	3300000000 ns/op	   0.07 MB/s	2007794856 B/op	20282329 allocs/op
BenchmarkLintScale/mixed-1000-2        	      14	  40000000 ns/op	   0.17 MB/s	 8265724 B/op	   97793 allocs/op
BenchmarkLintScale/mixed-100000-2      	       1	7000000000 ns/op	   0.11 MB/s	839443384 B/op	 9776841 allocs/op
`
	f := filepath.Join(t.TempDir(), "lint.txt")
	if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := runLint(context.Background(), &Env{Options: Options{LintResult: f}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Target{}
	for _, tg := range res.Targets {
		got[tg.Name] = tg
	}
	for name, want := range map[string]struct {
		got  string
		pass bool
	}{
		"lint of 100,000 lines (runs)":             {"3.3 s", true},
		"lint 100,000 lines / 1,000 lines (runs)":  {"110x", true},
		"lint of 100,000 lines (mixed)":            {"7.0 s", false},
		"lint 100,000 lines / 1,000 lines (mixed)": {"175x", false},
	} {
		tg, ok := got[name]
		if !ok || tg.Got != want.got || tg.Pass != want.pass {
			t.Errorf("target %q = %+v, want got %q pass %v", name, tg, want.got, want.pass)
		}
	}
	if len(res.Tables) != 2 || len(res.Tables[0].Rows) != 5 || !strings.Contains(res.Tables[1].Rows[0][3], "110x") {
		t.Errorf("tables = %+v", res.Tables)
	}
}
