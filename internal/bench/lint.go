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

// LintCommand is how the lint section's numbers are produced; the Makefile
// runs the same command and hands its output over with -lint-result.
var LintCommand = []string{"go", "test", "-run", "^$", "-bench", "Lint2000", "-benchmem", "./internal/lint"}

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
	t.Rows = append(t.Rows, []string{r.name, strconv.Itoa(r.n), ms(r.perOp), r.metric("MB/s"), r.metric("B/op"), r.metric("allocs/op")})
	return &Result{
		Tables: []Table{t},
		Notes: []string{
			"`" + strings.Join(LintCommand, " ") + "`: lint.Check on a generated 2,000-line Dockerfile (stages, RUN with continuations and pipes, heredocs, COPY, ENV), slipway's rules and BuildKit's own checks, as `slipway lint` runs them; process start and file reading not included.",
		},
	}, nil
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
