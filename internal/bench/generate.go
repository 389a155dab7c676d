package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/generate"
)

// warmup runs of generate are not counted (page cache, lazy init).
const generateWarmup = 5

func runGenerate(ctx context.Context, env *Env) (*Result, error) {
	ex, ok := examples.Get("go")
	if !ok {
		return nil, errors.New("no go example")
	}
	dir, err := env.Render(ex, "generate", ex.Name)
	if err != nil {
		return nil, err
	}

	runs := env.Options.GenerateRuns
	in := make([]time.Duration, 0, runs)
	for i := 0; i < generateWarmup+runs; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		res, err := generate.Run(env.Templates, generate.Options{Dir: dir, Check: true})
		d := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("generate --check: %w", err)
		}
		if res.Drift {
			return nil, errors.New("generate --check found drift right after generate")
		}
		if i >= generateWarmup {
			in = append(in, d)
		}
	}
	env.Logf("generate: %d in-process runs, median %s", runs, ms(percentile(in, 50)))

	bin := env.Options.Slipway
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("the slipway binary %s: %w (run `make build`, or pass -slipway)", bin, err)
	}
	n := env.Options.BinaryRuns
	var out []time.Duration
	for i := 0; i < 1+n; i++ {
		cmd := exec.CommandContext(ctx, bin, "generate", "--check", dir)
		start := time.Now()
		b, err := cmd.CombinedOutput()
		d := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("%s generate --check %s: %w\n%s", bin, dir, err, b)
		}
		if i > 0 { // the first run warms the page cache for the binary
			out = append(out, d)
		}
	}
	env.Logf("generate: %d binary runs, median %s", n, ms(percentile(out, 50)))

	t := Table{Header: []string{"what", "runs", "median", "p95", "min", "max"}}
	t.Rows = append(t.Rows,
		[]string{"generate.Run --check (in process)", fmt.Sprint(len(in)), ms(percentile(in, 50)), ms(percentile(in, 95)), ms(slices.Min(in)), ms(slices.Max(in))},
		[]string{"bin/slipway generate --check", fmt.Sprint(len(out)), ms(percentile(out, 50)), ms(percentile(out, 95)), ms(slices.Min(out)), ms(slices.Max(out))},
	)
	return &Result{
		Tables: []Table{t},
		Notes: []string{
			"On the Go example with its Dockerfile and .dockerignore up to date (no drift). In process: generate.Run with Check (load slipway.toml, find the team file, render, compare with the files on disk), templates loaded once beforehand; " +
				fmt.Sprintf("%d warm-up runs not counted.", generateWarmup),
			"Binary: the whole process (exec, cobra, embedded templates parsed, the same check), one warm-up run not counted. p95 is the nearest-rank percentile.",
		},
	}, nil
}

// percentile returns the nearest-rank p-th percentile of ds (not modified).
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}
