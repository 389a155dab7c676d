package lint

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dockerfile2000 is a realistic 2,000-line Dockerfile: stages with RUNs
// (continuations, pipes, apt-get), ENV/ARG/LABEL, COPY and heredocs.
func dockerfile2000() []byte {
	var b strings.Builder
	b.WriteString("ARG BASE=debian:bookworm-slim\n")
	lines := 1
	for stage := 0; lines < 2000; stage++ {
		fmt.Fprintf(&b, "FROM ${BASE} AS stage%d\n", stage)
		lines++
		for i := 0; i < 20 && lines < 1990; i++ {
			fmt.Fprintf(&b, "ENV VAR_%d_%d=value%d\n", stage, i, i)
			fmt.Fprintf(&b, "RUN apt-get update \\\n && apt-get install -y --no-install-recommends pkg%d \\\n && curl -fsSL https://example.com/%d | tar xz -C /opt \\\n && rm -rf /var/lib/apt/lists/*\n", i, i)
			fmt.Fprintf(&b, "COPY src/%d /app/%d\n", i, i)
			fmt.Fprintf(&b, "RUN <<EOF\nset -e\necho %d > /tmp/%d\nEOF\n", i, i)
			lines += 1 + 4 + 1 + 4
		}
	}
	for lines < 2000 {
		b.WriteString("LABEL x=y\n")
		lines++
	}
	b.WriteString("USER 65532:65532\nCMD [\"/app\"]\n")
	return []byte(b.String())
}

// BenchmarkLint2000Lines is lint's cost on a 2,000-line Dockerfile,
// BuildKit's own checks included (what `slipway lint` does).
func BenchmarkLint2000Lines(b *testing.B) {
	data := dockerfile2000()
	if n := strings.Count(string(data), "\n"); n < 2000 {
		b.Fatalf("generated %d lines", n)
	}
	in := Input{Path: "Dockerfile", Data: data, Ignore: &Dockerignore{Path: ".dockerignore", Data: []byte(".git\n")}}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Check(context.Background(), in, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Findings) == 0 {
			b.Fatal("no findings on a file with pipes")
		}
	}
}

// runLines is one stage of n RUN lines, the shape that made BuildKit's
// checks quadratic: every tenth installs packages (our SW14x rules fire),
// every hundredth reads a build argument.
func runLines(n int) []byte {
	var b strings.Builder
	b.WriteString("FROM debian:bookworm-slim\nARG VERSION=1\nUSER 65532:65532\n")
	for i := 3; i < n-1; i++ {
		switch {
		case i%100 == 0:
			fmt.Fprintf(&b, "RUN echo $VERSION > /tmp/v%d\n", i)
		case i%10 == 0:
			fmt.Fprintf(&b, "RUN apt-get update && apt-get install -y pkg%d | tee /tmp/log\n", i)
		default:
			fmt.Fprintf(&b, "RUN echo %d > /tmp/%d\n", i, i)
		}
	}
	b.WriteString("CMD [\"/app\"]\n")
	return []byte(b.String())
}

// mixedLines is dockerfile2000's mix (stages of ~200 lines: ENV, RUN with
// continuations and pipes, COPY, heredocs) at n lines.
func mixedLines(n int) []byte {
	var b strings.Builder
	b.WriteString("ARG BASE=debian:bookworm-slim\n")
	lines := 1
	for stage := 0; lines < n-12; stage++ {
		fmt.Fprintf(&b, "FROM ${BASE} AS stage%d\n", stage)
		lines++
		for i := 0; i < 20 && lines < n-12; i++ {
			fmt.Fprintf(&b, "ENV VAR_%d_%d=value%d\n", stage, i, i)
			fmt.Fprintf(&b, "RUN apt-get update \\\n && apt-get install -y --no-install-recommends pkg%d \\\n && curl -fsSL https://example.com/%d | tar xz -C /opt \\\n && rm -rf /var/lib/apt/lists/*\n", i, i)
			fmt.Fprintf(&b, "COPY src/%d /app/%d\n", i, i)
			fmt.Fprintf(&b, "RUN <<EOF\nset -e\necho %d > /tmp/%d\nEOF\n", i, i)
			lines += 1 + 4 + 1 + 4
		}
	}
	for lines < n-2 {
		b.WriteString("LABEL x=y\n")
		lines++
	}
	b.WriteString("USER 65532:65532\nCMD [\"/app\"]\n")
	return []byte(b.String())
}

// BenchmarkLintScale times lint.Check, BuildKit's checks included, on
// 1,000 and 100,000 lines of two shapes, side by side in one run: `make
// bench` prints the ratio of the two sizes (linear is 100x).
func BenchmarkLintScale(b *testing.B) {
	for _, shape := range []struct {
		name string
		gen  func(int) []byte
	}{{"runs", runLines}, {"mixed", mixedLines}} {
		for _, n := range []int{1000, 100000} {
			data := shape.gen(n)
			if got := strings.Count(string(data), "\n"); got < n*99/100 || got > n {
				b.Fatalf("%s: %d lines, want %d", shape.name, got, n)
			}
			b.Run(fmt.Sprintf("%s-%d", shape.name, n), func(b *testing.B) {
				in := Input{Path: "Dockerfile", Data: data}
				b.SetBytes(int64(len(data)))
				cpu0 := cpuTime()
				defer func() {
					// CPU time (all threads, GC included) beside the
					// wall time: on a shared machine the wall time
					// grows with others' load, the CPU time much less.
					b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
				}()
				for i := 0; i < b.N; i++ {
					res, err := Check(context.Background(), in, Options{})
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Findings) == 0 {
						b.Fatal("no findings")
					}
					for _, f := range res.Findings {
						if f.RuleID == "SW199" {
							b.Fatalf("BuildKit could not evaluate the file: %s", f.Message)
						}
					}
				}
			})
		}
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
