package workspace

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/pool"
	"github.com/slipway/slipway/internal/testkit"
)

// write is testkit.WriteTreeAt, short for the many trees below.
var write = testkit.WriteTreeAt

const goMain = "package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n"

func TestDiscoverSkipsDependencyAndFixtureFolders(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"services/api/go.mod":                             "module example.com/api\n\ngo 1.24\n",
		"services/api/main.go":                            goMain,
		"services/api/internal/x/go.mod":                  "module example.com/nested\n\ngo 1.24\n", // below a service: its own
		"services/web/package.json":                       `{"name":"web","scripts":{"start":"node server.js"}}`,
		"services/web/node_modules/left-pad/package.json": `{"name":"left-pad"}`,
		"tools/testdata/fake/go.mod":                      "module example.com/fake\n\ngo 1.24\n",
		"vendor/example.com/v/go.mod":                     "module example.com/v\n\ngo 1.24\n",
		".git/x/go.mod":                                   "module example.com/git\n\ngo 1.24\n",
		"docs/README.md":                                  "docs\n",
	})
	found, err := Discover(context.Background(), root, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		got = append(got, f.Path+"="+f.Language)
		if len(f.Detected.Evidence) == 0 {
			t.Errorf("%s: no evidence", f.Path)
		}
	}
	if strings.Join(got, " ") != "services/api=go services/web=node" {
		t.Fatalf("found %v, want services/api=go services/web=node", got)
	}
}

func TestDiscoverIsBounded(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{}
	for i := 0; i < 5; i++ {
		files[filepath.Join("s", string(rune('a'+i)), "go.mod")] = "module example.com/x\n\ngo 1.24\n"
	}
	write(t, root, files)
	_, err := Discover(context.Background(), root, Limits{MaxFound: 3})
	var le *LimitError
	if err == nil || !strings.Contains(err.Error(), "more than 3 services") {
		t.Fatalf("err = %v, want a limit error", err)
	}
	_ = le
	deep := t.TempDir()
	write(t, deep, map[string]string{"a/b/c/d/go.mod": "module example.com/deep\n\ngo 1.24\n"})
	found, err := Discover(context.Background(), deep, Limits{MaxDepth: 3})
	if err != nil || len(found) != 0 {
		t.Fatalf("depth 4 service found with MaxDepth 3: %v %v", found, err)
	}
}

func TestLoadIsStrict(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, FileName)
	write(t, dir, map[string]string{FileName: `image_dir = "/abs"

[[service]]
name = "api"
path = "services/api"

[[service]]
name = "api"
path = "../outside"
langauge = "go"
`})
	_, err := Load(p)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{FileName + ":10: service[1].langauge: unknown key"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	// With the unknown key gone, the value problems are all reported.
	write(t, dir, map[string]string{FileName: strings.Replace(string(must(os.ReadFile(p))), "langauge = \"go\"\n", "", 1)})
	_, err = Load(p)
	msg = err.Error()
	for _, want := range []string{
		":1: image_dir: \"/abs\" is absolute",
		":8: service[1].name: \"api\" is also service[0]'s name",
		":9: service[1].path: \"../outside\" leaves the workspace root",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestMergeAppendsAndKeepsComments(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, FileName)
	added, err := Merge(p, []Service{{Name: "api", Path: "services/api", Language: "go"}})
	if err != nil || len(added) != 1 {
		t.Fatalf("first merge: %v %v", added, err)
	}
	// The user edits it: a comment and a repository.
	edited := "# ours\nrepository = \"github.com/acme/shop\"\n" + string(must(os.ReadFile(p)))
	write(t, dir, map[string]string{FileName: edited})
	added, err = Merge(p, []Service{
		{Name: "api", Path: "services/api"},         // listed: kept as is
		{Name: "api", Path: "other/api"},            // a new path with a clashing name
		{Name: "web app", Path: "services/web-app"}, // a name that needs cleaning
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 2 || added[0].Name != "api-2" || added[1].Name != "web-app" {
		t.Fatalf("added %+v", added)
	}
	got := string(must(os.ReadFile(p)))
	if !strings.HasPrefix(got, edited) {
		t.Fatalf("merge changed what was there:\n%s", got)
	}
	w, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.File.Services) != 3 || w.File.Repository != "github.com/acme/shop" {
		t.Fatalf("loaded %+v", w.File)
	}
	// Nothing new: nothing written.
	st, _ := os.Stat(p)
	if added, err := Merge(p, []Service{{Name: "x", Path: "services/api"}}); err != nil || added != nil {
		t.Fatalf("no-op merge: %v %v", added, err)
	}
	st2, _ := os.Stat(p)
	if !st.ModTime().Equal(st2.ModTime()) {
		t.Error("a merge with nothing new rewrote the file")
	}
}

func gitInit(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A"},
		{"-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "first"},
	} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}

func TestKeyIsTheSameInEveryCheckout(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("this test needs git on PATH")
	}
	a := filepath.Join(t.TempDir(), "checkout-one")
	write(t, a, map[string]string{"services/api/go.mod": "module example.com/api\n\ngo 1.24\n", FileName: "[[service]]\nname = \"api\"\npath = \"services/api\"\n"})
	gitInit(t, a)
	b := filepath.Join(t.TempDir(), "elsewhere", "two")
	if out, err := exec.Command("git", "clone", "-q", a, b).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	var keys []string
	for _, root := range []string{a, b} {
		w, err := Load(filepath.Join(root, FileName))
		if err != nil {
			t.Fatal(err)
		}
		// Remove the clone's origin: both then fall back to the first commit.
		_ = exec.Command("git", "-C", root, "remote", "remove", "origin").Run()
		k := w.KeyOf(w.File.Services[0], "", []string{"linux/arm64", "linux/amd64"})
		if strings.Contains(k.String(), root) || strings.Contains(k.String(), "checkout-one") {
			t.Errorf("key %q holds a path of the checkout", k.Label())
		}
		// The key a single build of the folder places by.
		if single, err := pool.ServiceKey(filepath.Join(root, "services", "api"), "", []string{"linux/amd64", "linux/arm64"}); err != nil || single != k {
			t.Errorf("KeyOf %q, but a single build's key is %q (%v)", k.Label(), single.Label(), err)
		}
		keys = append(keys, k.Label())
	}
	if keys[0] != keys[1] {
		t.Fatalf("keys differ between checkouts: %q vs %q", keys[0], keys[1])
	}
	if !strings.HasPrefix(keys[0], "commit:") || !strings.HasSuffix(keys[0], "//services/api@linux/amd64,linux/arm64") {
		t.Fatalf("key %q", keys[0])
	}
}

func TestChangedSince(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("this test needs git on PATH")
	}
	ctx := context.Background()
	notGit := t.TempDir()
	if _, err := ChangedSince(ctx, notGit, "HEAD"); err == nil || !strings.Contains(err.Error(), "not in a git work tree") {
		t.Fatalf("outside git: %v", err)
	}
	root := t.TempDir()
	write(t, root, map[string]string{
		"services/a/go.mod": "module a\n", "services/a/main.go": "package main\n",
		"services/ab/go.mod":   "module ab\n",
		"services/b/go.mod":    "module b\n",
		"shared/proto/x.proto": "syntax = \"proto3\";\n",
		"services/c/go.mod":    "module c\n",
		"services/c/slipway.toml": `name = "c"
language = "go"
service_dir = "services/c"
shared_paths = ["shared/proto"]
`,
		FileName: "[[service]]\nname = \"a\"\npath = \"services/a\"\n[[service]]\nname = \"ab\"\npath = \"services/ab\"\n" +
			"[[service]]\nname = \"b\"\npath = \"services/b\"\n[[service]]\nname = \"c\"\npath = \"services/c\"\n",
	})
	gitInit(t, root)
	if _, err := ChangedSince(ctx, root, "no-such-rev"); err == nil || !strings.Contains(err.Error(), "not a commit") {
		t.Fatalf("bad rev: %v", err)
	}
	write(t, root, map[string]string{"services/a/main.go": "package main // edited\n", "shared/proto/y.proto": "new\n"})
	ch, err := ChangedSince(ctx, root, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	w, err := Load(filepath.Join(root, FileName))
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, s := range w.File.Services {
		in, err := w.Inputs(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ch.Touches(in); ok {
			changed = append(changed, s.Name)
		}
	}
	// services/ab shares a prefix with services/a but not a folder.
	if strings.Join(changed, ",") != "a,c" {
		t.Fatalf("changed %v, want a (edited) and c (its shared proto folder got a new file)", changed)
	}
}

func TestInputsOfAGoldenServiceAndItsTeamFiles(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"slipway-team.toml":         "min_uid = 1000\n",
		"golden/static.toml":        "name = \"static\"\n",
		"golden/golden.lock":        "",
		"services/api/go.mod":       "module api\n",
		"services/api/slipway.toml": "name = \"api\"\nlanguage = \"go\"\nbase = \"golden:static\"\n",
		"services/web/package.json": "{}\n",
		"services/web/slipway.toml": "name = \"web\"\nlanguage = \"node\"\n",
		FileName:                    "[[service]]\nname = \"api\"\npath = \"services/api\"\n[[service]]\nname = \"web\"\npath = \"services/web\"\n",
	})
	w, err := Load(filepath.Join(root, FileName))
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(root)
	rel := func(in []string) string {
		var out []string
		for _, p := range in {
			r, _ := filepath.Rel(real, p)
			out = append(out, filepath.ToSlash(r))
		}
		return strings.Join(out, " ")
	}
	in, err := w.Inputs(w.File.Services[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := rel(in); got != "services/api golden/golden.lock golden/static.toml slipway-team.toml" {
		t.Errorf("api's inputs: %s", got)
	}
	in, err = w.Inputs(w.File.Services[1])
	if err != nil {
		t.Fatal(err)
	}
	if got := rel(in); got != "services/web slipway-team.toml" {
		t.Errorf("web's inputs: %s", got)
	}
	// A change to the golden spec touches api only.
	c := &Changes{Files: []string{filepath.Join(real, "golden", "static.toml")}}
	if _, ok := c.Touches(must(w.Inputs(w.File.Services[0]))); !ok {
		t.Error("a golden spec change does not touch its consumer")
	}
	if _, ok := c.Touches(must(w.Inputs(w.File.Services[1]))); ok {
		t.Error("a golden spec change touches a service not FROM it")
	}
}
