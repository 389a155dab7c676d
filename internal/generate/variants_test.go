package generate_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
)

// renderStages renders p and returns its stages through BuildKit's parser.
func renderStages(t *testing.T, p config.Project) []instructions.Stage {
	t.Helper()
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	out, err := generate.Render(set, &p, nil)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	res, err := parser.Parse(bytes.NewReader(out.Dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	return stages
}

func variantRunLines(stages []instructions.Stage) []string {
	var out []string
	for _, st := range stages {
		for _, c := range st.Commands {
			if r, ok := c.(*instructions.RunCommand); ok {
				out = append(out, strings.Join(r.CmdLine, " "))
			}
		}
	}
	return out
}

func variantEntrypoint(t *testing.T, stages []instructions.Stage) []string {
	t.Helper()
	for _, c := range stages[len(stages)-1].Commands {
		if e, ok := c.(*instructions.EntrypointCommand); ok {
			return e.CmdLine
		}
	}
	t.Fatal("no ENTRYPOINT")
	return nil
}

func variantAnyContains(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func TestJavaMainNamesTheJar(t *testing.T) {
	for _, pm := range []string{"maven", "gradle"} {
		runs := variantRunLines(renderStages(t, config.Project{Name: "hello", Language: "java", PackageManager: pm, Main: "hello-1.0.0.jar"}))
		dir := map[string]string{"maven": "target", "gradle": "build/libs"}[pm]
		if !variantAnyContains(runs, "cp "+dir+"/hello-1.0.0.jar /out/app.jar") {
			t.Errorf("%s: no step copies %s/hello-1.0.0.jar: %q", pm, dir, runs)
		}
		if variantAnyContains(runs, "expected one runnable jar") {
			t.Errorf("%s: the jar is named, yet the template still searches for one", pm)
		}
	}
	runs := variantRunLines(renderStages(t, config.Project{Name: "hello", Language: "java"}))
	if !variantAnyContains(runs, "expected one runnable jar in target/") {
		t.Errorf("without main the template must pick the one runnable jar: %q", runs)
	}
}

func TestRustMainPicksTheBinary(t *testing.T) {
	runs := variantRunLines(renderStages(t, config.Project{Name: "api", Language: "rust", Main: "server"}))
	if !variantAnyContains(runs, "cargo build --release --locked --bin server") || !variantAnyContains(runs, "cp target/release/server /out/app") {
		t.Errorf("main = server should build and copy that binary: %q", runs)
	}
	if got := variantEntrypoint(t, renderStages(t, config.Project{Name: "api", Language: "rust", Main: "server"})); strings.Join(got, " ") != "/app/api" {
		t.Errorf("entrypoint %q, want /app/api (the service name)", got)
	}
}

func TestDotnetEntryIsTheProjectsAssembly(t *testing.T) {
	got := variantEntrypoint(t, renderStages(t, config.Project{Name: "api", Language: "dotnet", Main: "src/Api/Api.csproj"}))
	if strings.Join(got, " ") != "/usr/bin/dotnet /app/Api.dll" {
		t.Errorf("entrypoint %q, want /usr/bin/dotnet /app/Api.dll", got)
	}
	// Without main, the project file is named after the service.
	stages := renderStages(t, config.Project{Name: "api", Language: "dotnet"})
	if got := variantEntrypoint(t, stages); strings.Join(got, " ") != "/usr/bin/dotnet /app/api.dll" {
		t.Errorf("entrypoint %q, want /usr/bin/dotnet /app/api.dll", got)
	}
	if runs := variantRunLines(stages); !variantAnyContains(runs, "dotnet publish api.csproj ") {
		t.Errorf("without main, api.csproj should be published: %q", runs)
	}
}

// A golden or explicit base does not say where its runtime lives: the
// entrypoint names the runtime and relies on the image's PATH.
func TestRuntimeOnBasesWithoutARuntimePath(t *testing.T) {
	for lang, want := range map[string]string{"node": "node server.js", "python": "python3 -m app", "java": "java -jar /app/app.jar"} {
		p := config.Project{Name: "svc", Language: lang, Base: "golden:" + lang, Main: map[string]string{"node": "server.js", "python": "app"}[lang]}
		if got := variantEntrypoint(t, renderStages(t, p)); strings.Join(got, " ") != want {
			t.Errorf("%s on a golden base: entrypoint %q, want %q", lang, got, want)
		}
	}
}

func TestNodePackageManagersUseTheirLockFile(t *testing.T) {
	for pm, lock := range map[string]string{"npm": "package-lock.json", "yarn": "yarn.lock", "pnpm": "pnpm-lock.yaml"} {
		stages := renderStages(t, config.Project{Name: "web", Language: "node", PackageManager: pm, Main: "server.js"})
		found := false
		for _, st := range stages {
			for _, c := range st.Commands {
				r, ok := c.(*instructions.RunCommand)
				if !ok {
					continue
				}
				if err := r.Expand(func(w string) (string, error) { return w, nil }); err != nil {
					t.Fatal(err)
				}
				for _, m := range instructions.GetMounts(r) {
					if m.Type == instructions.MountTypeBind && m.Source == lock && m.Target == lock {
						found = true
					}
				}
			}
		}
		if !found {
			t.Errorf("%s: no RUN bind-mounts %s", pm, lock)
		}
	}
}
