package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// proxyGoToolchains are the golang stand-ins besides the machine's own
// (refGolang): one per Go version the catalogue offers
// (templates/go/manifest.toml), each the newest patch release the Go
// module proxy served when it was pinned here. The proxy serves every
// release as the module golang.org/toolchain, version
// v0.0.1-go<version>.linux-amd64, whose zip is the whole distribution.
var proxyGoToolchains = []struct{ ref, version string }{
	{"docker.io/library/golang:1.25-bookworm", "1.25.14"},
	{"docker.io/library/golang:1.24-bookworm", "1.24.13"},
}

func toolchainModuleVersion(goVersion string) string {
	return "v0.0.1-go" + goVersion + ".linux-amd64"
}

// goRecipe is a golang:<minor>-bookworm stand-in: debian + git and
// ca-certificates + the Go tree that goroot returns at /usr/local/go, with
// the real image's environment. inputs name where the tree comes from, for
// the cache key.
func goRecipe(ref, version string, inputs []string, goroot func(context.Context, *builder) (string, error)) recipe {
	return recipe{
		ref: ref, parent: refDebian,
		inputs: append([]string{"git ca-certificates"}, inputs...),
		layer: func(ctx context.Context, b *builder, dir string) error {
			src, err := goroot(ctx, b)
			if err != nil {
				return err
			}
			if err := b.aptLayer(ctx, dir, `apt-get install -y -q git ca-certificates
mkdir -p /go/src /go/bin && chmod -R 1777 /go`); err != nil {
				return err
			}
			dst := filepath.Join(dir, "usr/local/go")
			if err := copyTree(src, dst); err != nil {
				return err
			}
			return makeGoExecutable(dst)
		},
		config: func(c *v1.Config) {
			setEnv(c, "PATH=/go/bin:/usr/local/go/bin:"+defaultPath, "GOLANG_VERSION="+version, "GOTOOLCHAIN=local", "GOPATH=/go")
			c.WorkingDir = "/go"
		},
	}
}

// downloadToolchain fetches Go <version> from the module proxy into the lab's
// own module cache (work/gomodcache, kept between runs) and returns its tree.
func (b *builder) downloadToolchain(ctx context.Context, version string) (string, error) {
	mod := "golang.org/toolchain@" + toolchainModuleVersion(version)
	logf(b.log, "downloading Go %s from the Go module proxy (%s)", version, mod)
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod)
	cmd.Dir = os.TempDir() // outside any module
	cmd.Env = append(os.Environ(), "GOMODCACHE="+b.p.join("work", "gomodcache"), "GOFLAGS=-modcacherw", "GOTOOLCHAIN=local", "GO111MODULE=on")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &res); jerr == nil && res.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", mod, res.Error)
	}
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w: %s", mod, err, stderr.String())
	}
	if res.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory in %q", mod, out)
	}
	if _, err := os.Stat(filepath.Join(res.Dir, "bin", "go")); err != nil {
		return "", fmt.Errorf("go mod download %s: not a Go distribution: %w", mod, err)
	}
	return res.Dir, nil
}

// makeGoExecutable sets the executable bits that a module zip does not keep
// on the binaries of a Go tree (bin/, pkg/tool/<os_arch>/).
func makeGoExecutable(goroot string) error {
	for _, dir := range []string{"bin", "pkg/tool"} {
		err := filepath.WalkDir(filepath.Join(goroot, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return err
			}
			return os.Chmod(p, 0o755)
		})
		if err != nil {
			return err
		}
	}
	// The module's own go.mod is not part of a Go distribution.
	if b, err := os.ReadFile(filepath.Join(goroot, "go.mod")); err == nil && strings.Contains(string(b), "golang.org/toolchain") {
		return os.Remove(filepath.Join(goroot, "go.mod"))
	}
	return nil
}
