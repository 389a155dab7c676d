package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/testkit"
)

// The registry mirror flag has one name, --registry-mirror, in init, pin
// and golden; init's and pin's old --mirror still works, with cobra's
// deprecation notice naming the new flag. Both reach the same resolver: a
// loopback registry serving the catalogue's distroless-static under its
// real repository answers with the digest that ends up pinned.
func TestRegistryMirrorFlag(t *testing.T) {
	t.Setenv(image.EnvRegistryMirror, "")
	host := testkit.Registry(t)
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host+"/distroless/static-debian12:nonroot", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	// The build stage's image, which pin and init --pin pin too.
	builder, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	bref, err := name.ParseReference(host+"/library/golang:1.26-bookworm", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(bref, builder); err != nil {
		t.Fatal(err)
	}
	bd, err := builder.Digest()
	if err != nil {
		t.Fatal(err)
	}
	stagePin := `"docker.io/library/golang:1.26-bookworm" = "` + bd.String() + `"`
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	digest := d.String()
	service := map[string]string{
		"go.mod":          "module example.com/api\n\ngo 1.26\n",
		"cmd/api/main.go": "package main\n\nfunc main() {}\n",
	}
	const cfg = "name = \"api\"\nlanguage = \"go\"\nmain = \"./cmd/api\"\nbase = \"distroless-static\"\nport = 8080\n[healthcheck]\ncommand = [\"/app/api\", \"-healthcheck\"]\n"
	for _, flag := range []string{"--registry-mirror", "--mirror"} {
		t.Run("pin"+flag, func(t *testing.T) {
			files := map[string]string{"slipway.toml": cfg}
			for k, v := range service {
				files[k] = v
			}
			dir := writeTree(t, files)
			code, _, stderr := slipway(t, "pin", dir, flag, host)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			deprecated := strings.Contains(stderr, "--mirror has been deprecated, use --registry-mirror")
			if deprecated != (flag == "--mirror") {
				t.Errorf("deprecation notice shown: %v; stderr: %s", deprecated, stderr)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "slipway.toml"))
			if !strings.Contains(string(b), `base_digest = "`+digest+`"`) || !strings.Contains(string(b), stagePin) {
				t.Errorf("slipway.toml after pin %s:\n%s", flag, b)
			}
		})
		t.Run("init"+flag, func(t *testing.T) {
			dir := writeTree(t, service)
			code, _, stderr := slipway(t, "init", dir, "--yes", "--pin", flag, host, "--base", "distroless-static",
				"--port", "8080", "--healthcheck-cmd", `["/app/api","-healthcheck"]`)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "slipway.toml"))
			if !strings.Contains(string(b), `base_digest = "`+digest+`"`) || !strings.Contains(string(b), stagePin) {
				t.Errorf("slipway.toml after init --pin %s:\n%s", flag, b)
			}
		})
	}
	// golden has only the one name.
	code, _, stderr := slipway(t, "golden", "check", "--mirror", host)
	if code != exitUsage || !strings.Contains(stderr, "unknown flag: --mirror") {
		t.Errorf("golden check --mirror: exit %d, %s", code, stderr)
	}
}
