package scan

import (
	"archive/tar"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/slipway/slipway/internal/image"
)

var bench struct {
	once  sync.Once
	dir   string // an OCI layout of the 200 MB image
	bytes int64  // its uncompressed size
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" {
		os.RemoveAll(filepath.Dir(bench.dir))
	}
	os.Exit(code)
}

// systemLayer is a realistic distribution layer: about 5,000 files in the
// usual places (binaries, libraries, docs, configuration, an application
// with node_modules), compressible text and binary-like content, ~40 MB.
func systemLayer(tb testing.TB) (v1.Layer, int64) {
	r := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the quick brown fox jumps over a lazy dog config value server port listen error warning module export import function return package install")
	text := func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			b.WriteString(words[r.IntN(len(words))])
			if r.IntN(12) == 0 {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		return b.String()[:n]
	}
	binary := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = byte(r.IntN(256))
			}
		}
		return "\x7fELF" + string(b[4:])
	}
	es := baseEntries()
	es = append(es, dir("usr/", 0o755), dir("usr/bin/", 0o755), dir("usr/lib/", 0o755), dir("usr/share/doc/", 0o755),
		dir("etc/default/", 0o755), dir("app/node_modules/", 0o755))
	var total int64
	add := func(e entry) {
		es = append(es, e)
		total += int64(len(e.body))
	}
	for i := 0; i < 400; i++ {
		add(entry{name: fmt.Sprintf("usr/bin/tool%d", i), typ: tar.TypeReg, mode: 0o755, body: binary(8<<10 + r.IntN(48<<10))})
	}
	for i := 0; i < 600; i++ {
		add(entry{name: fmt.Sprintf("usr/lib/lib%d.so.1", i), typ: tar.TypeReg, mode: 0o644, body: binary(4<<10 + r.IntN(40<<10))})
	}
	for i := 0; i < 1500; i++ {
		add(file(fmt.Sprintf("usr/share/doc/pkg%d/changelog", i), text(1<<10+r.IntN(8<<10))))
	}
	for i := 0; i < 500; i++ {
		add(file(fmt.Sprintf("etc/default/conf%d", i), text(200+r.IntN(2<<10))))
	}
	for i := 0; i < 2000; i++ {
		add(file(fmt.Sprintf("app/node_modules/mod%d/index.js", i), text(512+r.IntN(6<<10))))
	}
	return layer(tb, es...), total
}

// bulkLayer is 50 MB of large binary-like files (a runtime, a JDK, a
// model): a third of the bytes random, the rest zero, so gzip shrinks it
// about as much as real executables and decompressing it costs as much.
func bulkLayer(tb testing.TB, seed uint64) v1.Layer {
	r := rand.New(rand.NewPCG(seed, 7))
	var es []entry
	es = append(es, dir(fmt.Sprintf("opt/bulk%d/", seed), 0o755))
	for i := 0; i < 10; i++ {
		body := make([]byte, 5<<20)
		for j := range body {
			if r.IntN(3) == 0 {
				body[j] = byte(r.IntN(256))
			}
		}
		es = append(es, entry{name: fmt.Sprintf("opt/bulk%d/blob%d", seed, i), typ: tar.TypeReg, mode: 0o644, body: string(body)})
	}
	return layer(tb, es...)
}

// setupBench writes a ~200 MB image (three 50 MB layers of large binary
// files and a realistic filesystem layer) as an OCI layout, once.
func setupBench(b *testing.B) (string, int64) {
	bench.once.Do(func() {
		tmp, err := os.MkdirTemp("", "slipway-scan-bench-")
		if err != nil {
			bench.err = err
			return
		}
		sys, n := systemLayer(b)
		layers := []v1.Layer{sys}
		for i := 0; i < 3; i++ {
			layers = append(layers, bulkLayer(b, uint64(i)))
			n += 50 << 20
		}
		cfg := goodConfig()
		img := build(b, cfg, nil, layers...)
		p, err := layout.Write(filepath.Join(tmp, "layout"), empty.Index)
		if err == nil {
			err = p.AppendImage(img)
		}
		bench.dir, bench.bytes, bench.err = filepath.Join(tmp, "layout"), n, err
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.dir, bench.bytes
}

// BenchmarkScan200MB is `slipway scan` of a 200 MB OCI layout: open the
// layout, decompress and walk every layer once, run every rule.
func BenchmarkScan200MB(b *testing.B) {
	dir, size := setupBench(b)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src, err := image.Open(context.Background(), dir, image.Options{})
		if err != nil {
			b.Fatal(err)
		}
		res, err := Image(context.Background(), src, Options{Name: dir})
		src.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Files < 5000 || len(res.Findings) != 0 {
			b.Fatalf("%d files, findings %v", res.Files, ids(res.Findings))
		}
	}
	b.ReportMetric(float64(size)/1e6, "MB/image")
}
