package e2e

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/go-units"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/verify"
)

// example is one service of examples/ taken from source to a verified image.
type example struct {
	dir     string // under examples/
	config  string // slipway.toml
	secrets []build.Secret
	env     map[string]string // set for the build (secret values)
}

var examples = []example{
	{
		dir: "go",
		config: `name = "hello-go"
language = "go"
main = "./cmd/hello"
size_budget = "25MB"

[healthcheck]
command = ["/app/hello-go", "-healthcheck"]
`,
	},
	{
		dir: "rust",
		config: `name = "hello-rust"
language = "rust"
size_budget = "40MB"

[healthcheck]
command = ["/app/hello-rust", "--healthcheck"]
`,
	},
	{
		dir: "python",
		config: `name = "hello-python"
language = "python"
main = "app"
size_budget = "80MB"

[healthcheck]
http_path = "/healthz"
`,
	},
	{
		dir: "node",
		config: `name = "hello-node"
language = "node"
main = "server.js"
size_budget = "80MB"

[healthcheck]
http_path = "/healthz"

[[secret]]
id = "signing_key"
env = "BUILD_SIGNING_KEY"
`,
		secrets: []build.Secret{{ID: "signing_key", Env: "SLIPWAY_E2E_SIGNING_KEY"}},
		env:     map[string]string{"SLIPWAY_E2E_SIGNING_KEY": "e2e-signing-key-not-secret"},
	},
	{
		// Maven Central is unreachable from the lab: the jar is built with
		// the JDK alone (javac + jar) through build_command, into target/
		// where the template picks it up as main.
		dir: "java",
		config: `name = "hello-java"
language = "java"
main = "hello.jar"
size_budget = "150MB"
build_command = ["sh", "-c", "javac --release 17 -d build/classes $(find src/main/java -name '*.java') && mkdir -p target && jar --create --file target/hello.jar --main-class dev.slipway.hello.Main -C build/classes ."]

[healthcheck]
command = ["/usr/bin/java", "-jar", "/app/app.jar", "--healthcheck"]
`,
	},
}

// TestExamples renders, builds and verifies every example: each must pass
// every row of slipway verify.
func TestExamples(t *testing.T) {
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cl, err := build.Connect(ctx, build.ConnectOptions{Addr: l.BuildkitHost})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range examples {
		t.Run(ex.dir, func(t *testing.T) {
			dir := copyExample(t, ex.dir)
			cfg := filepath.Join(dir, "slipway.toml")
			if err := os.WriteFile(cfg, []byte(ex.config), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := generate.Run(set, generate.Options{Dir: dir}); err != nil {
				t.Fatalf("generate: %v", err)
			}
			for k, v := range ex.env {
				t.Setenv(k, v)
			}
			var ids []string
			for _, s := range ex.secrets {
				ids = append(ids, s.ID)
			}
			img := filepath.Join(t.TempDir(), ex.dir+".tar")
			start := time.Now()
			var progress strings.Builder
			_, err := cl.Build(ctx, build.Options{
				ContextDir:      dir,
				Secrets:         ex.secrets,
				RequiredSecrets: ids,
				Outputs:         []build.Output{{Type: "oci", Dest: img}},
				Checks:          true,
				Progress:        "plain",
				ProgressOut:     &progress,
			})
			if err != nil {
				t.Fatalf("build: %v\n%s", err, tail(progress.String(), 40))
			}
			t.Logf("built %s in %s", ex.dir, time.Since(start).Round(time.Second))

			rep, err := verify.Run(ctx, verify.Options{Image: img, Config: cfg, Timeout: time.Minute})
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			var table strings.Builder
			_ = rep.WriteTable(&table)
			t.Logf("image size of %s: %s compressed, %s unpacked\n%s", ex.dir,
				units.HumanSize(float64(rep.CompressedBytes)), units.HumanSize(float64(rep.UnpackedBytes)), table.String())
			for _, c := range rep.Rows {
				if c.Status != verify.Pass {
					t.Errorf("%s: %s, want PASS: %s", c.Name, c.Status, c.Detail)
				}
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
		t.Fatalf("build: %v\n%s", err, tail(progress.String(), 40))
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
}

// copyExample copies examples/<name> to a temporary directory, leaving out
// build output and installed dependencies.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "examples", name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		switch d.Name() {
		case "node_modules", "target", "dist", "build", "__pycache__", "Dockerfile", ".dockerignore", "slipway.toml":
			if rel != "." {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, in); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		t.Fatalf("copying examples/%s: %v", name, err)
	}
	return dst
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
