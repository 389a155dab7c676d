package bench

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// GoldenCommand times `slipway golden build` of every spec in golden/
// through internal/golden's benchmark: cold with --jobs 1, cold with the
// default --jobs, and a no-change rebuild, each once, side by side.
var GoldenCommand = []string{"go", "test", "-run", "^$", "-bench", "BenchmarkGoldenBuild", "-benchtime", "1x", "-timeout", "60m", "./internal/golden"}

func runGolden(ctx context.Context, env *Env) (*Result, error) {
	env.Logf("golden: %s", strings.Join(GoldenCommand, " "))
	cmd := exec.CommandContext(ctx, GoldenCommand[0], GoldenCommand[1:]...)
	cmd.Dir = env.Root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", strings.Join(GoldenCommand, " "), err, out)
	}
	lines := map[string]benchLine{}
	for _, sub := range []string{"cold/jobs=1", "cold/jobs=2", "no-change-rebuild"} {
		r, ok := parseBenchLine(string(out), "BenchmarkGoldenBuild/"+sub)
		if !ok {
			return nil, fmt.Errorf("no BenchmarkGoldenBuild/%s result in:\n%s", sub, out)
		}
		lines[sub] = r
	}
	one, two, again := lines["cold/jobs=1"].perOp, lines["cold/jobs=2"].perOp, lines["no-change-rebuild"].perOp
	t := Table{Header: []string{"golden build of every spec", "time", "vs cold --jobs 1"}}
	t.Rows = append(t.Rows,
		[]string{"cold, --jobs 1", secs(one), "1.00x"},
		[]string{"cold, --jobs 2 (default)", secs(two), ratio(two.Seconds(), one.Seconds())},
		[]string{"no-change rebuild (--jobs 2)", secs(again), ratio(again.Seconds(), one.Seconds())},
	)
	return &Result{
		Tables: []Table{t},
		Notes: []string{
			"`" + strings.Join(GoldenCommand, " ") + "`: every spec in golden/ (base, static, python FROM golden:base, postgres FROM golden:base) built and pushed to the lab registry in dependency order. Cold builds run with BuildKit's cache off; apt downloads from Debian's mirror dominate them, and a 2-core machine leaves little room for --jobs to help. The no-change rebuild is all cache hits: its time is BuildKit re-exporting layers with the fixed SOURCE_DATE_EPOCH, pushing, and the post-build audit.",
		},
	}, nil
}
