package generate_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/patternmatcher/ignorefile"
	"github.com/tonistiigi/fsutil"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/testkit"
)

// monorepo writes a repository with two services and a shared module.
func monorepo(t *testing.T) string {
	t.Helper()
	files := map[string]string{
		"go.work":                   "go 1.26\n",
		".env":                      "ROOT_SECRET=1\n",
		"pb/demo.proto":             "syntax = \"proto3\";\n",
		"shared/go.mod":             "module shop.example/shared\n",
		"shared/money/money.go":     "package money\n",
		"shared/.env":               "SHARED_SECRET=1\n",
		"src/payment/index.js":      "console.log(1)\n",
		"src/checkout/go.mod":       "module shop.example/checkout\n",
		"src/checkout/main.go":      "package main\n",
		"src/checkout/.env":         "SVC_SECRET=1\n",
		"src/checkout/templates/a":  "x\n",
		"src/checkout/id_rsa":       "key\n",
		"src/checkout/bin/checkout": "old build\n",
	}
	for _, d := range []string{"", "shared/", "src/checkout/", "src/checkout/a/b/"} {
		for _, f := range credentials {
			files[d+f] = "secret\n"
		}
	}
	return testkit.WriteTree(t, files)
}

// credentials are files that never enter a build context, written at the
// repository root, in the shared folder and in the service folder.
var credentials = []string{".aws/credentials", ".npmrc", ".netrc", ".git/config", ".kube/config", "terraform.tfstate",
	"secrets.yaml", "server.key", ".ssh/id_ed25519", "node_modules/x/index.js", ".env.local"}

// sent lists the files BuildKit's context transfer would send from root
// with the ignore file's patterns (fsutil, as slipway build sends them).
func sent(t *testing.T, root string, ignore []byte) []string {
	t.Helper()
	pats, err := ignorefile.ReadAll(bytes.NewReader(ignore))
	if err != nil {
		t.Fatal(err)
	}
	base, err := fsutil.NewFS(root)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := fsutil.NewFilterFS(base, &fsutil.FilterOpt{ExcludePatterns: pats})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = fs.Walk(context.Background(), "", func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			out = append(out, filepath.ToSlash(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// With service_dir and shared_paths, the Dockerfile.dockerignore beside
// the Dockerfile sends the service folder and the shared paths only, and
// keeps credentials and build output out of each of them.
func TestServiceDirIgnoreSendsOnlyWhatTheServiceNeeds(t *testing.T) {
	set := templateSet(t)
	root := monorepo(t)
	dir := filepath.Join(root, "src", "checkout")
	p := config.Project{Name: "checkout", Language: "go", ServiceDir: "src/checkout", SharedPaths: []string{"shared"}, RuntimeFiles: []string{"templates"}}
	out, err := generate.RenderIn(set, &p, nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	if out.DockerignoreName != "Dockerfile.dockerignore" {
		t.Errorf("ignore file %q, want Dockerfile.dockerignore (the root's .dockerignore is not ours)", out.DockerignoreName)
	}
	got := sent(t, root, out.Dockerignore)
	want := []string{"shared/go.mod", "shared/money/money.go", "src/checkout/go.mod", "src/checkout/main.go", "src/checkout/templates/a"}
	if !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
	if !strings.Contains(string(out.Dockerfile), `COPY ["src/checkout/templates", "/app/templates"]`) {
		t.Errorf("runtime file not copied from the service folder in the context:\n%s", out.Dockerfile)
	}

	// Without shared_paths the whole repository is sent, less credentials
	// and build output at its root and in the service folder.
	p.SharedPaths = nil
	out, err = generate.RenderIn(set, &p, nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	got = sent(t, root, out.Dockerignore)
	for _, c := range credentials {
		for _, d := range []string{"", "shared/", "src/checkout/", "src/checkout/a/b/"} {
			if slices.Contains(got, d+c) {
				t.Errorf("whole context: %s%s was sent", d, c)
			}
		}
	}
	for _, f := range []string{".env", "shared/.env", "src/checkout/.env", "src/checkout/id_rsa", "src/checkout/bin/checkout"} {
		if slices.Contains(got, f) {
			t.Errorf("whole context: %s was sent: %q", f, got)
		}
	}
	for _, f := range []string{"pb/demo.proto", "src/payment/index.js", "src/checkout/main.go"} {
		if !slices.Contains(got, f) {
			t.Errorf("whole context: %s was not sent: %q", f, got)
		}
	}
}

// The keys that name files are checked against the tree when the service's
// folder is known: each problem names its key.
func TestCheckTree(t *testing.T) {
	root := monorepo(t)
	dir := filepath.Join(root, "src", "checkout")
	if err := os.Symlink(filepath.Join(root, ".env"), filepath.Join(dir, "leak")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    config.Project
		keys []string
	}{
		{config.Project{RuntimeFiles: []string{"templates"}}, nil},
		{config.Project{RuntimeFiles: []string{"templates", "static"}}, []string{"runtime_files[1]"}},
		{config.Project{RuntimeFiles: []string{"leak"}}, []string{"runtime_files[0]"}},
		{config.Project{ServiceDir: "src/checkout", SharedPaths: []string{"shared", "pb/demo.proto"}}, nil},
		{config.Project{ServiceDir: "src/checkout", SharedPaths: []string{"proto"}}, []string{"shared_paths[0]"}},
		{config.Project{ServiceDir: "services/checkout"}, []string{"service_dir"}},
	} {
		err := generate.CheckTree(dir, &tc.p)
		var keys []string
		for _, fe := range fieldErrorsOf(err) {
			keys = append(keys, fe.Key)
		}
		if !slices.Equal(keys, tc.keys) {
			t.Errorf("%+v: errors on %q, want %q (%v)", tc.p, keys, tc.keys, err)
		}
	}
}
