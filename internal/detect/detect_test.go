package detect

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

type want struct {
	Name, Language, Version, PackageManager, Main string
	Port                                          int
	HealthPath, HealthFlag                        string
	Unresolved                                    []string
	Ambiguity                                     string // a substring of one ambiguity
	Evidence                                      string // a substring of one evidence line
}

func check(t *testing.T, r *Result, w want) {
	t.Helper()
	got := want{Name: r.Name, Language: r.Language, Version: r.Version, PackageManager: r.PackageManager,
		Main: r.Main, Port: r.Port, HealthPath: r.HealthPath, HealthFlag: r.HealthFlag, Unresolved: r.Unresolved}
	w2 := w
	w2.Ambiguity, w2.Evidence = "", ""
	if !equalWant(got, w2) {
		t.Errorf("got  %+v\nwant %+v\nevidence: %q\nambiguities: %q", got, w2, r.Evidence, r.Ambiguities)
	}
	if w.Ambiguity != "" && !slices.ContainsFunc(r.Ambiguities, func(s string) bool { return strings.Contains(s, w.Ambiguity) }) {
		t.Errorf("no ambiguity containing %q in %q", w.Ambiguity, r.Ambiguities)
	}
	if w.Ambiguity == "" && len(r.Ambiguities) > 0 {
		t.Errorf("unexpected ambiguities: %q", r.Ambiguities)
	}
	if w.Evidence != "" && !slices.ContainsFunc(r.Evidence, func(s string) bool { return strings.Contains(s, w.Evidence) }) {
		t.Errorf("no evidence containing %q in %q", w.Evidence, r.Evidence)
	}
	for _, k := range r.Unresolved {
		if !r.Ambiguous(k) {
			t.Errorf("Ambiguous(%q) = false for an unresolved key", k)
		}
	}
	if r.Name != "" && !regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,127}$`).MatchString(r.Name) {
		t.Errorf("name %q breaks config's name rule", r.Name)
	}
}

func equalWant(a, b want) bool {
	return a.Name == b.Name && a.Language == b.Language && a.Version == b.Version &&
		a.PackageManager == b.PackageManager && a.Main == b.Main && a.Port == b.Port &&
		a.HealthPath == b.HealthPath && a.HealthFlag == b.HealthFlag && slices.Equal(a.Unresolved, b.Unresolved)
}

func TestDetectFixtures(t *testing.T) {
	tests := []struct {
		dir  string
		want want
	}{
		{"go-multi", want{Name: "tools", Language: "go", Version: "1.25", Unresolved: []string{"main"},
			Ambiguity: "main: three main packages: ./cmd/a, ./cmd/b, ./cmd/c"}},
		{"go-root", want{Name: "billing_api", Language: "go", Version: "1.22", Main: ".", Port: 9090, HealthPath: "/health",
			Evidence: "port = 9090  from main.go:7"}},
		{"mixed", want{Name: "mixed", Unresolved: []string{"language"},
			Ambiguity: "language: project files of several languages: go.mod (go), package.json (node)"}},
		{"node-yarn", want{Name: "web.shop", Language: "node", Version: "18", PackageManager: "yarn", Main: "src/index.js",
			Port: 3000, HealthPath: "/livez", Evidence: "scripts.start"}},
		{"node-locks", want{Name: "locks", Language: "node", Version: "22", Main: "index.js", Unresolved: []string{"package_manager"},
			Ambiguity: "package-lock.json, pnpm-lock.yaml", Evidence: ".nvmrc (v22.3.0)"}},
		{"python-poetry", want{Name: "orders-service", Language: "python", Version: "3.12", PackageManager: "poetry", Main: "app", Port: 5000}},
		{"python-uv", want{Name: "svc", Language: "python", Version: "3.10", PackageManager: "uv", Main: "svc",
			Evidence: "src/svc/__main__.py"}},
		{"java-gradle", want{Name: "inventory", Language: "java", Version: "21", PackageManager: "gradle", Port: 8081,
			Evidence: "JavaLanguageVersion.of(21)"}},
		{"java-both", want{Name: "both", Language: "java", Version: "11", Unresolved: []string{"package_manager"},
			Ambiguity: "both pom.xml (maven) and build.gradle.kts (gradle)"}},
		{"rust-bins", want{Name: "multi", Language: "rust", Version: "1.78", Unresolved: []string{"main"},
			Ambiguity: "two binaries: api, worker"}},
		{"dotnet", want{Name: "orders.api", Language: "dotnet", Version: "9.0", Main: "Orders.Api.csproj", Port: 5080, HealthPath: "/healthz"}},
		{"ports", want{Name: "ports", Language: "node", Main: "server.js", Unresolved: []string{"port"},
			Ambiguity: "two ports in the source: 3000 (Dockerfile:2 EXPOSE), 8080 (server.js:1)"}},
		{"empty", want{Name: "empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			r, err := Detect(filepath.Join("testdata", tt.dir))
			if err != nil {
				t.Fatal(err)
			}
			check(t, r, tt.want)
		})
	}
}

// The examples are real services; detection must get every one right.
func TestDetectExamples(t *testing.T) {
	root := filepath.Join("..", "..", "examples")
	tests := []struct {
		dir  string
		want want
	}{
		{"go", want{Name: "hello-go", Language: "go", Version: "1.26", Main: "./cmd/hello", Port: 8080, HealthPath: "/healthz", HealthFlag: "-healthcheck"}},
		{"node", want{Name: "hello-node", Language: "node", Version: "20", PackageManager: "npm", Main: "server.js", Port: 8080, HealthPath: "/healthz"}},
		{"python", want{Name: "hello-python", Language: "python", Version: "3.11", PackageManager: "pip", Main: "app", Port: 8080, HealthPath: "/healthz", HealthFlag: "--healthcheck"}},
		{"java", want{Name: "hello", Language: "java", Version: "17", PackageManager: "maven", Port: 8080, HealthPath: "/healthz", HealthFlag: "--healthcheck"}},
		{"java-gradle", want{Name: "hello", Language: "java", Version: "17", PackageManager: "gradle", Port: 8080, HealthPath: "/healthz", HealthFlag: "--healthcheck"}},
		{"rust", want{Name: "hello-rust", Language: "rust", Main: "hello-rust", Port: 8080, HealthPath: "/healthz", HealthFlag: "--healthcheck"}},
		{"dotnet", want{Name: "hello-dotnet", Language: "dotnet", Version: "8.0", Main: "hello-dotnet.csproj", Port: 8080, HealthPath: "/healthz", HealthFlag: "--healthcheck"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := filepath.Join(root, tt.dir)
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("example missing: %v", err)
			}
			r, err := Detect(dir)
			if err != nil {
				t.Fatal(err)
			}
			check(t, r, tt.want)
		})
	}
}

func TestDetectAs(t *testing.T) {
	r, err := DetectAs(filepath.Join("testdata", "mixed"), "go")
	if err != nil {
		t.Fatal(err)
	}
	check(t, r, want{Name: "mixed", Language: "go", Version: "1.26", Main: "."})
	if !slices.Equal(r.Languages, []string{"go", "node"}) {
		t.Errorf("Languages = %q, want go and node", r.Languages)
	}
}

func TestDetectErrors(t *testing.T) {
	if _, err := Detect(filepath.Join("testdata", "no-such-dir")); err == nil {
		t.Error("Detect of a missing directory: no error")
	}
	if _, err := Detect(filepath.Join("testdata", "empty", "README.md")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Detect of a file: %v, want 'not a directory'", err)
	}
}

// TestPortSource: the port's evidence is also a plain value of the result.
func TestPortSource(t *testing.T) {
	r, err := Detect(filepath.Join("testdata", "go-root"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Port != 9090 || r.PortSource == "" {
		t.Fatalf("port %d from %q, want 9090 with its source", r.Port, r.PortSource)
	}
	if !slices.ContainsFunc(r.Evidence, func(e string) bool { return strings.HasPrefix(e, "port = 9090  from "+r.PortSource) }) {
		t.Errorf("no evidence line for port from %s: %q", r.PortSource, r.Evidence)
	}
}
