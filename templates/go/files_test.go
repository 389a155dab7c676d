package golang_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/testkit"
)

func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	return testkit.WriteTree(t, files)
}

// Runtime files: paths the code opens that exist, conventional folders a
// literal names; not what //go:embed puts in the binary, not paths that
// are absolute, leave the folder or do not exist.
func TestRuntimeFiles(t *testing.T) {
	dir := tree(t, map[string]string{
		"go.mod": "module example.com/web\n\ngo 1.26\n",
		"main.go": `package main

import (
	"embed"
	"html/template"
	"net/http"
	"os"
)

//go:embed assets
var assets embed.FS

func main() {
	t := template.Must(template.ParseFiles("views/a.html", "views/b.html"))
	_, _ = os.ReadFile("/etc/hostname")
	_, _ = os.ReadFile("../outside.json")
	_, _ = os.Open("missing.json")
	_, _ = os.Open("config/app.yaml")
	http.Handle("/assets/", http.FileServer(http.FS(assets)))
	_ = t
	_ = "migrations/0001.sql"
}
`,
		"internal/db/db.go":   "package db\n\nimport \"os\"\n\nfunc Load() { _, _ = os.ReadDir(\"seeds\") }\n",
		"views/a.html":        "a",
		"views/b.html":        "b",
		"config/app.yaml":     "x: 1",
		"assets/site.css":     "body{}",
		"migrations/0001.sql": "select 1;",
		"seeds/a.sql":         "select 2;",
	})
	r, err := detect.DetectAs(dir, "go")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"config/app.yaml", "migrations", "seeds", "views/a.html", "views/b.html"}
	if !slices.Equal(r.RuntimeFiles, want) {
		t.Errorf("runtime files %q, want %q\n%s", r.RuntimeFiles, want, strings.Join(r.Evidence, "\n"))
	}
	ev := strings.Join(r.Evidence, "\n")
	for _, w := range []string{
		"runtime_files += views/a.html  from main.go:14 template.ParseFiles",
		"runtime_files += seeds  from internal/db/db.go:5 os.ReadDir",
		`runtime_files += migrations  from main.go:21 names "migrations/0001.sql"`,
	} {
		if !strings.Contains(ev, w) {
			t.Errorf("no evidence %q in:\n%s", w, ev)
		}
	}
	if slices.Contains(r.RuntimeFiles, "assets") {
		t.Errorf("assets is embedded with //go:embed, not a runtime file")
	}
}

// A service folder without go.mod in a module whose go.mod is at the
// repository root builds from that root with go.mod, go.sum and the
// module's packages it imports (and theirs), not the other services.
func TestModuleRootAbove(t *testing.T) {
	root := tree(t, map[string]string{
		"go.mod":                 "module example.com/mono\n\ngo 1.26\n",
		"go.sum":                 "",
		"internal/money/m.go":    "package money\n\nimport _ \"example.com/mono/internal/units\"\n",
		"internal/units/u.go":    "package units\n",
		"internal/unused/u.go":   "package unused\n",
		"services/api/main.go":   "package main\n\nimport _ \"example.com/mono/internal/money\"\n\nfunc main() {}\n",
		"services/other/main.go": "package main\n\nfunc main() {}\n",
	})
	r, err := detect.DetectAs(filepath.Join(root, "services", "api"), "go")
	if err != nil {
		t.Fatal(err)
	}
	if r.ServiceDir != "services/api" {
		t.Errorf("service_dir %q, want services/api\n%s", r.ServiceDir, strings.Join(r.Evidence, "\n"))
	}
	want := []string{"go.mod", "go.sum", "internal/money", "internal/units"}
	if !slices.Equal(r.SharedPaths, want) {
		t.Errorf("shared_paths %q, want %q", r.SharedPaths, want)
	}
}
