package main

import (
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/image"
)

// pin speaks --format json (and --json) like the other commands a CI
// reads: the pinned and served digests, whether the base moved and whether
// slipway.toml was written; --check keeps its exit code.
func TestPinFormatJSON(t *testing.T) {
	t.Setenv(image.EnvRegistryMirror, "")
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	push := func() string {
		img, err := random.Image(128, 1)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := name.ParseReference(host+"/distroless/static-debian12:nonroot", name.Insecure)
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		return d.String()
	}
	first := push()
	// The build stage's toolchain image, which pin pins too.
	{
		img, err := random.Image(128, 1)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := name.ParseReference(host+"/library/golang:1.26-bookworm", name.Insecure)
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
	}
	dir := writeTree(t, map[string]string{
		"slipway.toml":    "name = \"api\"\nlanguage = \"go\"\nmain = \"./cmd/api\"\nbase = \"distroless-static\"\nport = 8080\n",
		"go.mod":          "module example.com/api\n\ngo 1.26\n",
		"cmd/api/main.go": "package main\n\nfunc main() {}\n",
	})
	decode := func(out string) pinJSON {
		t.Helper()
		var p pinJSON
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		return p
	}
	code, out, stderr := slipway(t, "pin", dir, "--registry-mirror", host, "--format", "json")
	if p := decode(out); code != 0 || p.Pinned != "" || p.Digest != first || !p.Moved || !p.Written || !strings.HasSuffix(p.Ref, "distroless/static-debian12:nonroot") {
		t.Errorf("first pin: exit %d, %+v\n%s", code, p, stderr)
	}
	second := push()
	code, out, _ = slipway(t, "pin", dir, "--check", "--registry-mirror", host, "--json")
	if p := decode(out); code != exitFailure || p.Pinned != first || p.Digest != second || !p.Moved || p.Written {
		t.Errorf("--check after the tag moved: exit %d, %+v", code, p)
	}
	if code, _, stderr := slipway(t, "pin", dir, "--format", "json", "--json"); code != exitUsage || !strings.Contains(stderr, "give one") {
		t.Errorf("--format and --json together: exit %d %s", code, stderr)
	}
}
