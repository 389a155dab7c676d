package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/testkit"
)

// writeSource writes files (slash paths) under a new directory.
func writeSource(t *testing.T, files map[string]string) string {
	t.Helper()
	return testkit.WriteTree(t, files)
}

// TestInitRunCommandFlags: --cmd and --entrypoint take a JSON array or the
// flag repeated, and reach slipway.toml and the Dockerfile.
func TestInitRunCommandFlags(t *testing.T) {
	requireTemplates(t, "go")
	for _, tc := range []struct {
		args []string
		want []string // Dockerfile lines
	}{
		{[]string{"--entrypoint", `["/app/hello-go", "serve"]`, "--cmd=--verbose"}, []string{`ENTRYPOINT ["/app/hello-go","serve"]`, `CMD ["--verbose"]`}},
		{[]string{"--entrypoint=/app/hello-go", "--entrypoint=serve"}, []string{`ENTRYPOINT ["/app/hello-go","serve"]`}},
	} {
		dir := copyExample(t, "go")
		code, _, stderr := runIO(t, "", append(append([]string{"init", "--yes"}, tc.args...), dir)...)
		if code != 0 {
			t.Fatalf("init %q: exit %d\n%s", tc.args, code, stderr)
		}
		df, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
		for _, w := range tc.want {
			if !strings.Contains(strings.ReplaceAll(string(df), `", "`, `","`), w) {
				t.Errorf("init %q: Dockerfile lacks %s:\n%s", tc.args, w, df)
			}
		}
		p := checkWritten(t, dir)
		if len(p.Entrypoint) != 2 || p.Entrypoint[1] != "serve" {
			t.Errorf("init %q: slipway.toml entrypoint %q", tc.args, p.Entrypoint)
		}
	}
	dir := copyExample(t, "go")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--main", "uvicorn app.main:app"}, `pass it as --cmd '["uvicorn","app.main:app"]'`},
		{[]string{"--cmd", `["broken`}, "--cmd: not a JSON array"},
		{[]string{"--entrypoint", `[]`}, "--entrypoint: an empty command"},
		{[]string{"--healthcheck-grpc", "--healthcheck-path", "/h"}, "none of the others can be"},
		{[]string{"--healthcheck-binary", "../x"}, "is not a binary name"},
	} {
		code, _, stderr := runIO(t, "", append(append([]string{"init", "--yes"}, tc.args...), dir)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("init %q: exit %d, stderr:\n%s\nwant exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestInitPortChoices: a client address beside the listen port is no
// choice (exit 0, with the evidence); two listen ports are, naming port and
// --port; a port below 1024 warns about Kubernetes.
func TestInitPortChoices(t *testing.T) {
	requireTemplates(t, "go")
	gomod := "module example.com/visits\n\ngo 1.26\n"
	dir := writeSource(t, map[string]string{"go.mod": gomod, "main.go": `package main

func main() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	_ = rdb
	http.HandleFunc("/healthz", nil)
	log.Fatal(http.ListenAndServe(":8080", nil))
}
`})
	code, _, stderr := runIO(t, "", "init", "--yes", dir)
	if code != 0 {
		t.Fatalf("listen port beside a client address: exit %d\n%s", code, stderr)
	}
	for _, w := range []string{"port = 8080  from main.go:7 (listen: ListenAndServe(", "port 6379 at main.go:4", "client address"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("evidence lacks %q:\n%s", w, stderr)
		}
	}
	if p := checkWritten(t, dir); p.Port != 8080 || p.Healthcheck.HTTPPath != "/healthz" {
		t.Errorf("port %d healthcheck %+v", p.Port, p.Healthcheck)
	}

	two := writeSource(t, map[string]string{"go.mod": gomod, "main.go": `package main

func main() {
	go http.ListenAndServe(":9090", metrics)
	log.Fatal(http.ListenAndServe(":8080", nil))
}
`})
	code, _, stderr = runIO(t, "", "init", "--yes", two)
	if code != exitUsage || !strings.Contains(stderr, "port: two listen ports in the source: 8080 (main.go:5), 9090 (main.go:4); pass --port") {
		t.Errorf("two listen ports: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runIO(t, "", "init", "--yes", "--port", "8080", two); code != 0 {
		t.Errorf("two listen ports with --port: exit %d\n%s", code, stderr)
	}

	low := writeSource(t, map[string]string{"go.mod": gomod, "main.go": `package main

func main() { log.Fatal(http.ListenAndServe(":80", nil)) }
`})
	code, _, stderr = runIO(t, "", "init", "--yes", low)
	if code != 0 || !strings.Contains(stderr, "warning: port 80 is below 1024 and the service runs as uid 65532") || !strings.Contains(stderr, "NET_BIND_SERVICE") {
		t.Errorf("port 80: exit %d, no Kubernetes warning:\n%s", code, stderr)
	}
}

// TestInitHealthcheckBinary: init picks the main binary and a healthcheck
// binary that becomes the HEALTHCHECK, says from where, and the Dockerfile
// builds and runs it.
func TestInitHealthcheckBinary(t *testing.T) {
	for _, tc := range []struct {
		name, lang string
		files      map[string]string
		main       string
		port       int
		evidence   []string // in stderr
		dockerfile []string // in the Dockerfile
	}{
		{
			// Of two [[bin]] targets the one named like the package is main
			// and a healthcheck binary becomes the HEALTHCHECK.
			name: "TestInitRustBinaries", lang: "rust",
			files: map[string]string{
				"Cargo.toml":         "[package]\nname = \"shipping\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bin]]\nname = \"shipping\"\npath = \"src/main.rs\"\n\n[[bin]]\nname = \"healthcheck\"\npath = \"src/healthcheck.rs\"\n",
				"src/main.rs":        "fn main() { let l = std::net::TcpListener::bind(\"0.0.0.0:50050\").unwrap(); let _ = l; }\n",
				"src/healthcheck.rs": "fn main() {}\n",
			},
			main: "shipping", port: 50050,
			evidence:   []string{"healthcheck.binary = healthcheck  from Cargo.toml [[bin]]"},
			dockerfile: []string{`CMD ["/app/healthcheck"]`},
		},
		{
			// Of ./cmd/visits and ./cmd/healthcheck in module visits, the
			// first is main and the second the HEALTHCHECK binary.
			name: "TestInitGoProbeCommand", lang: "go",
			files: map[string]string{
				"go.mod":                  "module example.com/visits\n\ngo 1.26\n",
				"cmd/visits/main.go":      "package main\n\nfunc main() { log.Fatal(http.ListenAndServe(\":8080\", nil)) }\n",
				"cmd/healthcheck/main.go": "package main\n\nfunc main() {}\n",
				"cmd/migrate/main.go":     "package main\n\nfunc main() {}\n",
			},
			main: "./cmd/visits", port: 8080,
			evidence:   []string{"main = ./cmd/visits  from the main package named like the module (also: ./cmd/migrate)", "healthcheck.binary = healthcheck  from ./cmd/healthcheck"},
			dockerfile: []string{"-o /out/healthcheck ./cmd/healthcheck", "COPY --from=build /out/healthcheck /app/healthcheck", `CMD ["/app/healthcheck"]`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireTemplates(t, tc.lang)
			dir := writeSource(t, tc.files)
			code, _, stderr := runIO(t, "", "init", "--yes", dir)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			p := checkWritten(t, dir)
			if p.Main != tc.main || p.Healthcheck.Binary != "healthcheck" || p.Port != tc.port {
				t.Errorf("main %q healthcheck %+v port %d", p.Main, p.Healthcheck, p.Port)
			}
			for _, w := range tc.evidence {
				if !strings.Contains(stderr, w) {
					t.Errorf("evidence lacks %q:\n%s", w, stderr)
				}
			}
			df, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
			for _, w := range tc.dockerfile {
				if !strings.Contains(string(df), w) {
					t.Errorf("Dockerfile lacks %s:\n%s", w, df)
				}
			}
		})
	}
}
