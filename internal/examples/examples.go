// Package examples describes the example services under examples/ the way
// slipway's own tests and benchmarks build them: the slipway.toml each one
// gets, the build secrets it needs, and a copy of its sources in a scratch
// directory. The end-to-end tests (internal/e2e) and `make bench`
// (cmd/slipway-bench) share it, so both build exactly the same thing.
package examples

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/checkout"
)

// Example is one service of examples/ taken from source to an image.
type Example struct {
	// Name is its directory under examples/ (go, node, python, ...).
	Name string
	// Config is the slipway.toml that Prepare writes.
	Config string
	// Secrets are the build secrets it needs, and Env the environment
	// variables that hold their values (set them before building).
	Secrets []build.Secret
	Env     map[string]string
}

// SecretIDs are the ids of e's secrets, for build.Options.RequiredSecrets.
func (e Example) SecretIDs() []string {
	var ids []string
	for _, s := range e.Secrets {
		ids = append(ids, s.ID)
	}
	return ids
}

// All returns every buildable example, in a fixed order. The slice is new
// on each call.
func All() []Example {
	return []Example{
		{
			Name: "go",
			Config: `name = "hello-go"
language = "go"
main = "./cmd/hello"
size_budget = "25MB"

[healthcheck]
command = ["/app/hello-go", "-healthcheck"]
`,
		},
		{
			Name: "rust",
			Config: `name = "hello-rust"
language = "rust"
size_budget = "40MB"

[healthcheck]
command = ["/app/hello-rust", "--healthcheck"]
`,
		},
		{
			Name: "python",
			Config: `name = "hello-python"
language = "python"
main = "app"
size_budget = "80MB"

[healthcheck]
http_path = "/healthz"
`,
		},
		{
			Name: "node",
			Config: `name = "hello-node"
language = "node"
main = "server.js"
size_budget = "80MB"

[healthcheck]
http_path = "/healthz"

[[secret]]
id = "signing_key"
env = "BUILD_SIGNING_KEY"
`,
			Secrets: []build.Secret{{ID: "signing_key", Env: "SLIPWAY_E2E_SIGNING_KEY"}},
			Env:     map[string]string{"SLIPWAY_E2E_SIGNING_KEY": "e2e-signing-key-not-secret"},
		},
		{
			// Maven Central is unreachable from the lab: the jar is built with
			// the JDK alone (javac + jar) through build_command, into target/
			// where the template picks it up as main.
			Name: "java",
			Config: `name = "hello-java"
language = "java"
main = "hello.jar"
size_budget = "150MB"
build_command = ["sh", "-c", "javac --release 17 -d build/classes $(find src/main/java -name '*.java') && mkdir -p target && jar --create --file target/hello.jar --main-class dev.slipway.hello.Main -C build/classes ."]

[healthcheck]
command = ["/usr/bin/java", "-jar", "/app/app.jar", "--healthcheck"]
`,
		},
	}
}

// Get returns the example named name.
func Get(name string) (Example, bool) {
	for _, e := range All() {
		if e.Name == name {
			return e, true
		}
	}
	return Example{}, false
}

// Dir returns the examples/ directory of the slipway checkout that holds
// the working directory.
func Dir() (string, error) {
	root, err := checkout.Root()
	if err != nil {
		if errors.Is(err, checkout.ErrOutside) {
			return "", fmt.Errorf("%w: no examples/ to copy", err)
		}
		return "", err
	}
	return filepath.Join(root, "examples"), nil
}

// skipped are left out of a copy: build output, installed dependencies,
// and the files slipway generates or Prepare writes.
var skipped = map[string]bool{
	"node_modules": true, "target": true, "dist": true, "build": true, "__pycache__": true,
	"Dockerfile": true, ".dockerignore": true, "slipway.toml": true,
}

// Prepare copies examples/<Name> to dst (created if missing), leaving out
// build output, installed dependencies, Dockerfile, .dockerignore and any
// slipway.toml, and writes e.Config as dst/slipway.toml. It does not
// generate: run generate.Run on dst for the Dockerfile.
func (e Example) Prepare(dst string) error {
	if err := e.CopySources(dst); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "slipway.toml"), []byte(e.Config), 0o644); err != nil {
		return fmt.Errorf("writing slipway.toml for examples/%s: %w", e.Name, err)
	}
	return nil
}

// CopySources copies examples/<Name> to dst like Prepare, without writing
// a slipway.toml.
func (e Example) CopySources(dst string) error {
	root, err := Dir()
	if err != nil {
		return err
	}
	src := filepath.Join(root, e.Name)
	if err := copyTree(src, dst); err != nil {
		return fmt.Errorf("copying examples/%s: %w", e.Name, err)
	}
	return nil
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel != "." && skipped[d.Name()] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
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
}
