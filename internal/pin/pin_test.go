package pin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/lab/labtest"
)

type fakeRegistry map[string]string

func (f fakeRegistry) Digest(_ context.Context, ref string) (string, error) {
	if d, ok := f[ref]; ok {
		return d, nil
	}
	return "", errors.New("MANIFEST_UNKNOWN: " + ref)
}

const d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
const d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"

func writeService(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "slipway.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPinWritesDigestAndKeepsComments(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	src := "# my service\nname = \"api\"\nlanguage = \"go\"\nbase = \"chainguard-static\" # the smallest\nport = 8080\n\n[healthcheck]\ncommand = [\"/app/api\", \"-healthcheck\"]\n"
	dir := writeService(t, src)
	reg := fakeRegistry{"cgr.dev/chainguard/static:latest": d1}
	res, err := Run(context.Background(), set, reg, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.New != d1 || res.Ref != "cgr.dev/chainguard/static:latest" {
		t.Fatalf("result = %+v", res)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "slipway.toml"))
	want := strings.Replace(src, "# the smallest\n", "# the smallest\nbase_digest = \""+d1+"\"\n", 1)
	if string(got) != want {
		t.Fatalf("slipway.toml:\n%s\nwant:\n%s", got, want)
	}
	p, err := config.Load(filepath.Join(dir, "slipway.toml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := generate.Render(set, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out.Dockerfile), "FROM cgr.dev/chainguard/static:latest@"+d1+"\n") {
		t.Fatalf("Dockerfile does not use the pinned digest:\n%s", out.Dockerfile)
	}

	// The registry moves: --check reports it and writes nothing; a run updates the one line.
	reg["cgr.dev/chainguard/static:latest"] = d2
	res, err = Run(context.Background(), set, reg, Options{Dir: dir, Check: true})
	if err != nil || !res.Changed || res.Old != d1 || res.New != d2 {
		t.Fatalf("check: %+v, %v", res, err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "slipway.toml")); string(again) != want {
		t.Fatal("--check wrote the file")
	}
	if _, err := Run(context.Background(), set, reg, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(filepath.Join(dir, "slipway.toml"))
	if string(got) != strings.Replace(want, d1, d2, 1) {
		t.Fatalf("after update:\n%s", got)
	}
}

func TestPinErrors(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	dir := writeService(t, "name = \"api\"\nlanguage = \"go\"\nbase = \"golden:base\"\n")
	if _, err := Run(context.Background(), set, fakeRegistry{}, Options{Dir: dir}); !errors.Is(err, ErrGolden) {
		t.Fatalf("golden base: %v", err)
	}
	dir = writeService(t, "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-static\"\n")
	_, err = Run(context.Background(), set, fakeRegistry{}, Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "gcr.io/distroless/static-debian12:nonroot") {
		t.Fatalf("unresolvable: %v", err)
	}
	src, _ := os.ReadFile(filepath.Join(dir, "slipway.toml"))
	if strings.Contains(string(src), "base_digest") {
		t.Fatal("a failed resolve wrote the file")
	}
}

func TestSetTopLevel(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a = 1\n[t]\nx = 2\n", "a = 1\nk = \"v\"\n[t]\nx = 2\n"},
		{"a = 1\n\n[t]\n", "a = 1\nk = \"v\"\n\n[t]\n"},
		{"k = \"old\" # c\nbase = \"x\"\n", "k = \"v\"\nbase = \"x\"\n"},
		{"base = \"x\"\na = 1\n", "base = \"x\"\nk = \"v\"\na = 1\n"},
		{"[t]\nk = 1\n", "k = \"v\"\n[t]\nk = 1\n"},
	} {
		got, err := SetTopLevel([]byte(c.in), "k", `"v"`, "base")
		if err != nil || string(got) != c.want {
			t.Errorf("SetTopLevel(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestPinAgainstLabRegistry resolves a real catalogue base through the lab's
// registry, the mirror buildkitd uses, and checks the digest is the stand-in's.
func TestPinAgainstLabRegistry(t *testing.T) {
	l := labtest.Require(t)
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	dir := writeService(t, "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-static\"\n")
	res, err := Run(context.Background(), set, image.NewRemote(l.Registry), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	digests, err := l.StandInDigests()
	if err != nil {
		t.Fatal(err)
	}
	if want := digests["gcr.io/distroless/static-debian12:nonroot"]; res.New != want {
		t.Fatalf("pinned %s, the lab's stand-in is %s", res.New, want)
	}
}
