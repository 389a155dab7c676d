package lint

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzLint feeds arbitrary bytes to the linter (and the fixer): it must not
// panic or hang, and must return either findings or a parse error.
func FuzzLint(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.Dockerfile")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(""))
	f.Add([]byte("FROM"))
	f.Add([]byte("FROM a\nRUN <<EOF\n"))
	f.Add([]byte("# escape=`\nFROM a\nRUN x `\n"))
	f.Add([]byte("FROM ${A:-${B:+c}}\nONBUILD RUN $(( 1 +\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		// BuildKit's own checks are exercised by the corpus; the fuzzer
		// targets our code (BuildKit's converter is slow per call).
		res, err := Check(ctx, Input{Path: "Dockerfile", Data: data, Ignore: &Dockerignore{Path: ".dockerignore", Data: data}}, Options{NoBuildKit: true})
		if time.Since(start) > 5*time.Second {
			t.Fatalf("lint took %s", time.Since(start))
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a parse error: %T %v", err, err)
			}
			return
		}
		for _, fd := range res.Findings {
			if _, ok := catalogue.Lookup(fd.RuleID); !ok {
				t.Fatalf("finding of unknown rule %q", fd.RuleID)
			}
		}
		fr, err := Fix(ctx, Input{Path: "Dockerfile", Data: data}, Options{NoBuildKit: true})
		if err != nil {
			return // a fix that would not parse is refused, never written
		}
		if fr.Changed {
			if _, err := parse(Input{Path: "Dockerfile", Data: fr.Data}); err != nil {
				t.Fatalf("Fix returned a file that does not parse: %v", err)
			}
		}
	})
}
