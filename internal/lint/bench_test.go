package lint

import (
	"context"
	"fmt"
	"strings"
	"testing"
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
