package golden

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkGoldenBuild times `slipway golden build` of every spec in
// golden/ against the lab: cold (BuildKit's cache off) with --jobs 1 and
// with the default --jobs, side by side, then a no-change rebuild, which
// should be cache hits only. Run it once per iteration:
//
//	go test ./internal/golden -run '^$' -bench BenchmarkGoldenBuild -benchtime 1x -timeout 60m
//
// Each sub-benchmark reports seconds per build as s/build.
func BenchmarkGoldenBuild(b *testing.B) {
	for _, c := range []struct {
		name    string
		jobs    int
		noCache bool
	}{
		{"cold/jobs=1", 1, true},
		{fmt.Sprintf("cold/jobs=%d", DefaultJobs), DefaultJobs, true},
		{"no-change-rebuild", DefaultJobs, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := newLabEnvB(b)
			if !c.noCache {
				// Warm: one build first, so what is timed is the rebuild.
				if _, err := e.buildB(b, DefaultJobs, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				sum, err := e.buildB(b, c.jobs, c.noCache)
				if err != nil {
					b.Fatalf("%v\n%s", err, sum)
				}
				if !c.noCache {
					for _, r := range sum.Results {
						if r.Changed {
							b.Errorf("%s: a no-change rebuild gave a new digest", r.Name)
						}
					}
				}
			}
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/build")
		})
	}
}
