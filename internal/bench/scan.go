package bench

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// ScanCommand times `slipway scan` on a 200 MB image through internal/scan's
// benchmark (an on-disk OCI layout: three 50 MB layers that compress like
// binaries, plus a 5,000-file filesystem layer).
var ScanCommand = []string{"go", "test", "-run", "^$", "-bench", "BenchmarkScan200MB", "-benchtime", "3x", "-benchmem", "./internal/scan"}

func runScan(ctx context.Context, env *Env) (*Result, error) {
	env.Logf("scan: %s", strings.Join(ScanCommand, " "))
	cmd := exec.CommandContext(ctx, ScanCommand[0], ScanCommand[1:]...)
	cmd.Dir = env.Root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", strings.Join(ScanCommand, " "), err, out)
	}
	r, ok := parseBenchLine(string(out), "BenchmarkScan200MB")
	if !ok {
		return nil, fmt.Errorf("no BenchmarkScan200MB result in:\n%s", out)
	}
	t := Table{Header: []string{"benchmark", "iterations", "time/op", "throughput", "alloc/op"}}
	t.Rows = append(t.Rows, []string{r.name, strconv.Itoa(r.n), secs(r.perOp), r.metric("MB/s"), r.metric("B/op")})
	return &Result{
		Tables: []Table{t},
		Notes: []string{
			"`" + strings.Join(ScanCommand, " ") + "`: scan.Image on a ~200 MB OCI layout, every rule, the layers read once through mutate.Extract; the time is mostly gzip decompression.",
		},
	}, nil
}
