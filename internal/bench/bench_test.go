package bench

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/examples"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 20; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 10 * time.Millisecond}, {95, 19 * time.Millisecond}, {100, 20 * time.Millisecond}, {1, time.Millisecond}} {
		if got := percentile(ds, c.p); got != c.want {
			t.Errorf("p%.0f = %s, want %s", c.p, got, c.want)
		}
	}
	if ds[0] != 20*time.Millisecond {
		t.Error("percentile sorted its argument")
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %s", got)
	}
}

func TestParseBenchLine(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/slipway/slipway/internal/lint
cpu: AMD EPYC
BenchmarkLint2000LinesOther-2   	 5	 1000 ns/op
BenchmarkLint2000Lines-2   	      19	  53612345 ns/op	   0.90 MB/s	 9123456 B/op	   81234 allocs/op
PASS
`
	b, ok := parseBenchLine(out, lintBench)
	if !ok {
		t.Fatal("no result found")
	}
	if b.name != "BenchmarkLint2000Lines-2" || b.n != 19 || b.perOp != 53612345*time.Nanosecond {
		t.Errorf("got %+v", b)
	}
	if b.metric("MB/s") != "0.90 MB/s" || b.metric("allocs/op") != "81234 allocs/op" || b.metric("x/op") != "-" {
		t.Errorf("metrics %v", b.metrics)
	}
	if _, ok := parseBenchLine("ok  \tgithub.com/slipway/slipway/internal/lint\t0.01s [no tests to run]\n", lintBench); ok {
		t.Error("found a result in output without one")
	}
}

const progressLog = `#1 [internal] load build definition from Dockerfile
#1 DONE 0.0s

#5 [build 1/4] FROM docker.io/library/golang:1.26-bookworm@sha256:abc
#5 CACHED

#6 [build 2/4] WORKDIR /src
#6 CACHED

#7 [build 3/4] COPY . .
#7 DONE 0.1s

#8 [build 4/4] RUN go build -o /out/app ./cmd/hello
#8 0.512 compiling
#8 DONE 3.2s

#9 [stage-1 1/2] COPY --from=build /out/app /app/hello-go
#9 DONE 0.0s

#10 exporting to image
#10 DONE 0.1s
`

func TestSteps(t *testing.T) {
	if got := cachedSteps(progressLog); !slices.Equal(got, []string{"[build 2/4] WORKDIR /src"}) {
		t.Errorf("cachedSteps = %q", got)
	}
	total, cached := countSteps(progressLog)
	if total != 4 || cached != 1 {
		t.Errorf("countSteps = %d, %d; want 4 steps, 1 cached", total, cached)
	}
}

func TestExternalBases(t *testing.T) {
	df := filepath.Join(t.TempDir(), "Dockerfile")
	body := `FROM docker.io/library/node:20-bookworm-slim AS toolchain
FROM toolchain AS deps
FROM Toolchain AS build
FROM scratch AS empty
FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /src /app
FROM docker.io/library/node:20-bookworm-slim
`
	if err := os.WriteFile(df, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := externalBases(df)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"docker.io/library/node:20-bookworm-slim", "gcr.io/distroless/nodejs20-debian12:nonroot"}
	if !slices.Equal(got, want) {
		t.Errorf("externalBases = %q, want %q", got, want)
	}
}

func TestEditOnce(t *testing.T) {
	f := filepath.Join(t.TempDir(), "main.go")
	if err := os.WriteFile(f, []byte(`a := "hello from go"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := editOnce(f, `"hello from go"`, `"hello from go, edit 1"`); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(f)
	if string(b) != `a := "hello from go, edit 1"`+"\n" {
		t.Errorf("edited to %q", b)
	}
	if err := editOnce(f, `"hello from go"`, "x"); err == nil || !strings.Contains(err.Error(), "occurs 0 times") {
		t.Errorf("editing a missing string: %v", err)
	}
}

// TestEditsAndPayloadsMatchExamples keeps the tables of this package in
// step with internal/examples and the example sources.
func TestEditsAndPayloadsMatchExamples(t *testing.T) {
	for _, ex := range examples.All() {
		if _, ok := naive[ex.Name]; !ok {
			t.Errorf("%s has no naive Dockerfile", ex.Name)
		}
		if _, ok := payloads[ex.Name]; !ok {
			t.Errorf("%s has no payload definition", ex.Name)
		}
	}
	for _, e := range edits {
		ex, ok := examples.Get(e.example)
		if !ok {
			t.Fatalf("edit of unknown example %s", e.example)
		}
		dir := t.TempDir()
		if err := ex.CopySources(dir); err != nil {
			t.Fatal(err)
		}
		if err := editOnce(filepath.Join(dir, e.file), e.quote+e.greeting+e.quote, "x"); err != nil {
			t.Error(err)
		}
	}
}

func TestRatioAndWrap(t *testing.T) {
	for _, c := range []struct {
		a, b float64
		want string
	}{{3.38, 6.53, "0.52x"}, {179.08, 3.38, "53.0x"}, {500, 2, "250x"}, {1, 0, "-"}} {
		if got := ratio(c.a, c.b); got != c.want {
			t.Errorf("ratio(%v, %v) = %s, want %s", c.a, c.b, got, c.want)
		}
	}
	w := wrap("- "+strings.Repeat("word ", 30), "  ", 40)
	for _, l := range strings.Split(w, "\n") {
		if len(l) > 40 {
			t.Errorf("line longer than 40: %q", l)
		}
	}
}
