package templates_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/detect"
)

// TestCompiledCorpusDetection runs detection (only) on the corpus services
// of the go, java and dotnet providers and checks the plain values issue 9
// needs of them: runtime files (and none for what //go:embed carries), the
// build context above a monorepo service, the port variable, the framework
// and run command, each explained by a line of evidence.
func TestCompiledCorpusDetection(t *testing.T) {
	const corpus = "../internal/e2e/testdata/services"
	if _, err := os.Stat(corpus); err != nil {
		t.Fatalf("the service corpus is missing (%v): it lives in internal/e2e/testdata/services", err)
	}
	for _, tc := range []struct {
		dir          string
		runtimeFiles []string
		serviceDir   string
		sharedPaths  []string
		portEnv      string
		framework    string
		entrypoint   []string
		evidence     []string // substrings some evidence line must hold
	}{
		{dir: "go-frontend", runtimeFiles: []string{"static", "templates"}, portEnv: "PORT",
			evidence: []string{"runtime_files += templates  from main.go:29 (*template.Template).ParseGlob", "runtime_files += static  from main.go:54 http.Dir", `port_env = PORT  from main.go:34 os.Getenv("PORT")`}},
		{dir: "go-productcatalog", runtimeFiles: []string{"products.json"}, portEnv: "PORT",
			evidence: []string{"runtime_files += products.json  from main.go:22 os.ReadFile"}},
		{dir: "go-embed", portEnv: "PORT"}, // web/templates and web/static are embedded
		{dir: "go-whoami"},
		{dir: "go-shipping", portEnv: "PORT"},
		{dir: "monorepo-shop/src/checkout", serviceDir: "src/checkout", sharedPaths: []string{"shared"},
			evidence: []string{"service_dir = src/checkout  from go.mod replace shop.example/shared => ../../shared"}},
		{dir: "java-httpserver", portEnv: "PORT",
			evidence: []string{"whose manifest names com.example.appengine.Main", "port_env = PORT  from src/main/java/com/example/appengine/Main.java:26"}},
		{dir: "java-spring-boot", portEnv: "PORT", framework: "spring-boot",
			evidence: []string{"framework = spring-boot  from pom.xml <parent> spring-boot-starter-parent", "port_env = PORT  from src/main/resources/application.properties:1 server.port=${PORT:8080}"}},
		{dir: "dotnet-minimal-api", framework: "aspnetcore",
			evidence: []string{"run: dotnet /app/dotnet-minimal-api.dll", `Sdk="Microsoft.NET.Sdk.Web"`}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			r, err := detect.Detect(filepath.Join(corpus, tc.dir))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.RuntimeFiles, tc.runtimeFiles) {
				t.Errorf("runtime files %q, want %q", r.RuntimeFiles, tc.runtimeFiles)
			}
			if r.ServiceDir != tc.serviceDir || !slices.Equal(r.SharedPaths, tc.sharedPaths) {
				t.Errorf("service_dir %q shared_paths %q, want %q %q", r.ServiceDir, r.SharedPaths, tc.serviceDir, tc.sharedPaths)
			}
			if r.PortEnv != tc.portEnv {
				t.Errorf("port_env %q, want %q", r.PortEnv, tc.portEnv)
			}
			if r.Framework != tc.framework {
				t.Errorf("framework %q, want %q", r.Framework, tc.framework)
			}
			if !slices.Equal(r.Entrypoint, tc.entrypoint) {
				t.Errorf("entrypoint %q, want %q", r.Entrypoint, tc.entrypoint)
			}
			all := strings.Join(r.Evidence, "\n")
			for _, e := range tc.evidence {
				if !strings.Contains(all, e) {
					t.Errorf("no evidence %q in:\n%s", e, all)
				}
			}
		})
	}
}

// An <AssemblyName> other than the project file's name is the entry
// assembly dotnet publish writes: the run command names it.
func TestDotnetAssemblyName(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"api.csproj": `<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>net8.0</TargetFramework><AssemblyName>Shop.Api</AssemblyName></PropertyGroup></Project>`,
		"Program.cs": `var app = WebApplication.CreateBuilder(args).Build(); app.Run();`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := detect.Detect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"dotnet", "/app/Shop.Api.dll"}; !slices.Equal(r.Entrypoint, want) || r.Framework != "aspnetcore" {
		t.Errorf("entrypoint %q framework %q, want %q aspnetcore\n%s", r.Entrypoint, r.Framework, want, strings.Join(r.Evidence, "\n"))
	}
}
