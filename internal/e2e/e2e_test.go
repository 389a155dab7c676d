package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/go-units"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/scan"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/verify"
	"github.com/slipway/slipway/templates"
)

// TestExamples renders, builds and verifies every example: each must pass
// every row of slipway verify.
func TestExamples(t *testing.T) {
	ctx, cl, set := labBuilder(t, 30*time.Minute)
	for _, ex := range examples.All() {
		t.Run(ex.Name, func(t *testing.T) {
			dir := renderExample(t, set, ex)
			cfg := filepath.Join(dir, "slipway.toml")
			img := filepath.Join(t.TempDir(), ex.Name+".tar")
			start := time.Now()
			var progress strings.Builder
			_, err := cl.Build(ctx, build.Options{
				ContextDir:      dir,
				Secrets:         ex.Secrets,
				RequiredSecrets: ex.SecretIDs(),
				Outputs:         []build.Output{{Type: "oci", Dest: img}},
				Checks:          true,
				Progress:        "plain",
				ProgressOut:     &progress,
			})
			if err != nil {
				t.Fatalf("build: %v\n%s", err, textsafe.Tail(progress.String(), 40))
			}
			t.Logf("built %s in %s", ex.Name, time.Since(start).Round(time.Second))

			rep, err := verify.Run(ctx, verify.Options{Image: img, Config: cfg, Timeout: time.Minute})
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			var table strings.Builder
			_ = rep.WriteTable(&table)
			t.Logf("image size of %s: %s compressed, %s unpacked\n%s", ex.Name,
				units.HumanSize(float64(rep.CompressedBytes)), units.HumanSize(float64(rep.UnpackedBytes)), table.String())
			for _, c := range rep.Rows {
				if c.Status != verify.Pass {
					t.Errorf("%s: %s, want PASS: %s", c.Name, c.Status, c.Detail)
				}
			}

			// Every example image scans clean: no finding of any severity.
			var scanOut strings.Builder
			sres, err := scan.Run(ctx, scan.RunOptions{Image: img, Dir: dir, Severity: "info", Out: &scanOut})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if sres.Failed || len(sres.Findings) != 0 {
				t.Errorf("slipway scan of %s is not clean:\n%s", ex.Name, scanOut.String())
			}
		})
	}
}

// TestBadImage builds an image that breaks every static promise: it runs
// as root, carries a setuid binary, claims a distroless base while it has
// Debian's shell, and is larger than its budget. verify must fail exactly
// those rows, and still find that the service answers.
func TestBadImage(t *testing.T) {
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cl, err := build.Connect(ctx, build.ConnectOptions{Addr: l.BuildkitHost})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/bad\n\ngo 1.24\n",
		"main.go": `package main

import (
	"fmt"
	"net/http"
)

func main() {
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	panic(http.ListenAndServe(":8080", nil))
}
`,
		"Dockerfile": `FROM docker.io/library/golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod main.go ./
RUN CGO_ENABLED=0 go build -o /out/bad .

FROM docker.io/library/debian:bookworm-slim
COPY --from=build /out/bad /app/bad
RUN chmod 4755 /app/bad
LABEL org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
EXPOSE 8080
ENTRYPOINT ["/app/bad"]
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(t.TempDir(), "bad.tar")
	var progress strings.Builder
	if _, err := cl.Build(ctx, build.Options{ContextDir: dir, Outputs: []build.Output{{Type: "docker", Dest: img}}, Progress: "plain", ProgressOut: &progress}); err != nil {
		t.Fatalf("build: %v\n%s", err, textsafe.Tail(progress.String(), 40))
	}
	rep, err := verify.Run(ctx, verify.Options{Image: img, SizeBudget: 5_000_000, Timeout: time.Minute})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	var table strings.Builder
	_ = rep.WriteTable(&table)
	t.Logf("bad image:\n%s", table.String())
	want := map[string]verify.Status{
		verify.CheckNonRoot:     verify.Fail,
		verify.CheckNoShell:     verify.Fail,
		verify.CheckNoSetuid:    verify.Fail,
		verify.CheckSize:        verify.Fail,
		verify.CheckPort:        verify.Pass,
		verify.CheckHealthcheck: verify.Skip,
		verify.CheckReadOnly:    verify.Pass,
	}
	for id, s := range want {
		if r := rep.Row(id); r == nil || r.Status != s {
			t.Errorf("%s: %+v, want %s", id, r, s)
		}
	}
	if !rep.Failed() {
		t.Error("Failed() = false for the bad image")
	}
	if d := rep.Row(verify.CheckNoSetuid).Detail; !strings.Contains(d, "/app/bad (setuid)") {
		t.Errorf("setuid row does not name /app/bad: %s", d)
	}

	// scan finds the same static problems without running the image.
	var scanOut strings.Builder
	sres, err := scan.Run(ctx, scan.RunOptions{Image: img, Dir: dir, Out: &scanOut})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for _, want := range []string{"SW200", "SW232", "/app/bad (setuid 0)"} {
		if !strings.Contains(scanOut.String(), want) {
			t.Errorf("scan of the bad image lacks %q:\n%s", want, scanOut.String())
		}
	}
	if !sres.Failed {
		t.Error("scan passed the bad image")
	}
}

// labBuilder connects to the lab's BuildKit and loads the templates, for a
// test that renders and builds; the context ends after timeout, and both
// are released when the test ends.
func labBuilder(t *testing.T, timeout time.Duration) (context.Context, *build.Client, *templates.Set) {
	t.Helper()
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	cl, err := build.Connect(ctx, build.ConnectOptions{Addr: l.BuildkitHost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	return ctx, cl, set
}
