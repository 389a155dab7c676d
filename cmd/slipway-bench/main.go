// Command slipway-bench measures slipway's performance claims side by side
// in one run against the lab and prints them as ratios, with the issue's
// targets marked PASS or FAIL: image sizes (slipway vs a hand-written
// Dockerfile vs the payload), a one-line rebuild vs a cold build, the wall
// time of `slipway generate --check`, lint on a 2,000-line Dockerfile, and lint's
// time on 100,000 lines against 1,000 (near-linear is about 100x).
//
// `make bench` starts the lab and runs it; see internal/bench.
package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "slipway-bench:", err)
		var missed *bench.FailedTargetsError
		switch {
		case errors.Is(err, context.Canceled):
			os.Exit(130)
		case errors.As(err, &missed):
			os.Exit(3)
		}
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	var o bench.Options
	var printNaive, strict bool
	var names []string
	for _, s := range bench.Sections() {
		names = append(names, s.Name)
	}
	cmd := &cobra.Command{
		Use:   "slipway-bench",
		Short: "Measure slipway's size, rebuild, generate and lint claims against the lab",
		Long: `slipway-bench builds the examples through the lab's BuildKit and prints, in one
table, how slipway's images compare with hand-written single-stage Dockerfiles
and with their payload, how long a rebuild after a one-line change takes against
a cold build, how long ` + "`slipway generate --check`" + ` takes, lint's time on a
2,000-line Dockerfile and on 100,000 lines against 1,000, with the machine's facts. Sections: ` + strings.Join(names, ", ") + `.

It needs the lab (BUILDKIT_HOST and SLIPWAY_LAB_REGISTRY): ` + "`make bench`" + ` starts it.
The rebuild section prunes the lab's whole build cache.

Exit status: 0 when every target is met, 3 when a target is missed (only with
--strict; otherwise misses are printed as FAIL and the status is 0), 1 on error.`,
		Example: `  make bench                                    # start the lab, run everything
  eval "$(bin/slipway-lab up)"
  go run ./cmd/slipway-bench --only size        # image sizes only
  go run ./cmd/slipway-bench --only generate --generate-runs 1000
  go run ./cmd/slipway-bench --json bench.json  # also write the results as JSON
  go run ./cmd/slipway-bench --print-naive      # the hand-written Dockerfiles compared with`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if printNaive {
				m := bench.NaiveDockerfiles()
				keys := slices.Sorted(maps.Keys(m))
				for _, k := range keys {
					fmt.Fprintf(c.OutOrStdout(), "# ---- %s ----\n%s\n", k, m[k])
				}
				return nil
			}
			o.Out, o.Log = c.OutOrStdout(), c.ErrOrStderr()
			err := bench.Run(c.Context(), o)
			var missed *bench.FailedTargetsError
			if errors.As(err, &missed) && !strict {
				return nil
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.Only, "only", nil, "run only these sections ("+strings.Join(names, ", ")+")")
	f.StringVar(&o.Slipway, "slipway", "", "slipway binary to time end to end (default <repo>/bin/slipway)")
	f.StringVar(&o.LintResult, "lint-result", "", "file with the output of `"+strings.Join(bench.LintCommand, " ")+"` (default: run it)")
	f.IntVar(&o.GenerateRuns, "generate-runs", 200, "in-process runs of generate --check")
	f.IntVar(&o.BinaryRuns, "binary-runs", 20, "runs of bin/slipway generate --check")
	f.StringVar(&o.Work, "work", "", "scratch directory (default a temporary one)")
	f.BoolVar(&o.Keep, "keep", false, "keep the scratch directory (sources, Dockerfiles)")
	f.StringVar(&o.JSON, "json", "", "also write the results to this file as JSON")
	f.BoolVar(&strict, "strict", false, "exit 3 when a target is missed")
	f.BoolVar(&printNaive, "print-naive", false, "print the hand-written Dockerfiles the size section compares with, and exit")
	return cmd
}
