package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// lintBench is the Go benchmark that times slipway lint (internal/lint).
const lintBench = "BenchmarkLint2000Lines"

// lintScale is the benchmark that times lint on 1,000 and 100,000 lines of
// each shape, in one run: runs is one stage of RUN lines (the shape that was
// quadratic), mixed is BenchmarkLint2000Lines' mix of stages.
const lintScale = "BenchmarkLintScale"

var lintShapes = []string{"runs", "mixed"}

// Lint's scaling targets: 100,000 lines under 5 s, and their time at most
// maxLintRatio times 1,000 lines' (linear is 100x).
const (
	maxLint100k  = 5 * time.Second
	maxLintRatio = 150.0
)

// LintCommand is how the lint section's numbers are produced; the Makefile
// runs the same command and hands its output over with -lint-result.
var LintCommand = []string{"go", "test", "-run", "^$", "-bench", "Lint2000|LintScale", "-benchmem", "./internal/lint"}

func runLint(ctx context.Context, env *Env) (*Result, error) {
	var out []byte
	src := env.Options.LintResult
	if src != "" {
		b, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("reading the lint benchmark's output: %w", err)
		}
		out = b
	} else {
		if _, err := os.Stat(filepath.Join(env.Root, "internal", "lint")); err != nil {
			return skipped("internal/lint does not exist yet: no lint benchmark"), nil
		}
		env.Logf("lint: %s", strings.Join(LintCommand, " "))
		cmd := exec.CommandContext(ctx, LintCommand[0], LintCommand[1:]...)
		cmd.Dir = env.Root
		b, err := cmd.CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("%s: %w\n%s", strings.Join(LintCommand, " "), err, b)
		}
		out = b
	}
	r, ok := parseBenchLine(string(out), lintBench)
	if !ok {
		return skipped(fmt.Sprintf("no %s result in the output of `%s`: internal/lint has no such benchmark yet", lintBench, strings.Join(LintCommand, " "))), nil
	}
	t := Table{Header: []string{"benchmark", "iterations", "time/op", "throughput", "alloc/op", "allocs/op"}}
	row := func(r benchLine) []string {
		return []string{r.name, strconv.Itoa(r.n), ms(r.perOp), r.metric("MB/s"), r.metric("B/op"), r.metric("allocs/op")}
	}
	t.Rows = append(t.Rows, row(r))
	res := &Result{
		Notes: []string{
			"`" + strings.Join(LintCommand, " ") + "`: lint.Check on a generated 2,000-line Dockerfile (stages, RUN with continuations and pipes, heredocs, COPY, ENV), slipway's rules and BuildKit's own checks, as `slipway lint` runs them; process start and file reading not included.",
		},
	}
	scale := Table{Title: "lint time by size, measured in the same run", Header: []string{"shape", "1,000 lines", "100,000 lines", "100k / 1k (linear: 100x)", "CPU 1,000 / 100,000 lines"}}
	for _, shape := range lintShapes {
		small, ok1 := parseBenchLine(string(out), fmt.Sprintf("%s/%s-1000", lintScale, shape))
		big, ok2 := parseBenchLine(string(out), fmt.Sprintf("%s/%s-100000", lintScale, shape))
		if !ok1 || !ok2 {
			res.Notes = append(res.Notes, fmt.Sprintf("no %s/%s result: lint's scaling is not measured", lintScale, shape))
			continue
		}
		t.Rows = append(t.Rows, row(small), row(big))
		ratio := big.perOp.Seconds() / small.perOp.Seconds()
		scale.Rows = append(scale.Rows, []string{shape, ms(small.perOp), secs(big.perOp), fmt.Sprintf("%.0fx", ratio),
			small.metric("cpu-ms/op") + " / " + big.metric("cpu-ms/op")})
		res.Targets = append(res.Targets,
			Target{Name: "lint of 100,000 lines (" + shape + ")", Want: "< " + secs(maxLint100k),
				Got: secs(big.perOp), Pass: big.perOp < maxLint100k},
			Target{Name: "lint 100,000 lines / 1,000 lines (" + shape + ")", Want: fmt.Sprintf("<= %.0fx", maxLintRatio),
				Got: fmt.Sprintf("%.0fx", ratio), Pass: ratio <= maxLintRatio})
	}
	res.Tables = []Table{t}
	if len(scale.Rows) > 0 {
		res.Tables = append(res.Tables, scale)
		res.Notes = append(res.Notes,
			"Scaling: "+lintScale+" lints 1,000 and 100,000 lines of two shapes in the same `go test` run: \"runs\" is one stage of RUN lines (every tenth installs packages with a pipe, every hundredth reads a build argument), the shape on which BuildKit's checks were quadratic (each RUN's state lookup walks back to the FROM); \"mixed\" is the 2,000-line file's mix of short stages. The 100,000-line runs are timed once each (b.N = 1). The times are wall-clock and rise with the machine's load (its load average is in the header); cpu-ms/op is the process's CPU time per run, all threads and the garbage collector included, which depends much less on other work.")
	}
	return res, nil
}

func skipped(why string) *Result {
	return &Result{Notes: []string{"skipped: " + why}}
}

// benchLine is one result line of `go test -bench`.
type benchLine struct {
	name    string
	n       int
	perOp   time.Duration
	metrics map[string]string
}

func (b benchLine) metric(unit string) string {
	if v, ok := b.metrics[unit]; ok {
		return v + " " + unit
	}
	return "-"
}

// parseBenchLine finds the result line of the benchmark named name (with or
// without its -GOMAXPROCS suffix), e.g.
//
//	BenchmarkLint2000Lines-2   	      43	  27012345 ns/op	   2.35 MB/s	  1234 B/op	  12 allocs/op
func parseBenchLine(out, name string) (benchLine, bool) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || (f[0] != name && !strings.HasPrefix(f[0], name+"-")) {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		b := benchLine{name: f[0], n: n, metrics: map[string]string{}}
		for i := 2; i+1 < len(f); i += 2 {
			b.metrics[f[i+1]] = f[i]
		}
		ns, err := strconv.ParseFloat(b.metrics["ns/op"], 64)
		if err != nil {
			continue
		}
		b.perOp = time.Duration(ns)
		return b, true
	}
	return benchLine{}, false
}
