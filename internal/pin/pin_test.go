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

// fakeRegistry maps tags to digests; a reference by digest resolves when
// some tag serves that digest now or once did (served).
type fakeRegistry struct {
	tags   map[string]string
	served map[string]bool // "repo@digest" still in the registry
}

func newFake(tags map[string]string) *fakeRegistry {
	f := &fakeRegistry{tags: map[string]string{}, served: map[string]bool{}}
	for k, v := range tags {
		f.set(k, v)
	}
	return f
}

func (f *fakeRegistry) set(tag, digest string) {
	f.tags[tag] = digest
	f.served[tag+"@"+digest] = true
}

func (f *fakeRegistry) Digest(_ context.Context, ref string) (string, error) {
	if repo, d, ok := strings.Cut(ref, "@"); ok {
		if f.served[repo+"@"+d] {
			return d, nil
		}
		return "", errors.New("MANIFEST_UNKNOWN: " + ref)
	}
	if d, ok := f.tags[ref]; ok {
		return d, nil
	}
	return "", errors.New("MANIFEST_UNKNOWN: " + ref)
}

const d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
const d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
const d3 = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
const d4 = "sha256:4444444444444444444444444444444444444444444444444444444444444444"

const golang = "docker.io/library/golang:1.26-bookworm"

func writeService(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "slipway.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func render(t *testing.T, dir string) string {
	t.Helper()
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Load(filepath.Join(dir, "slipway.toml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := generate.RenderIn(set, p, nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	return string(out.Dockerfile)
}

func TestPinWritesDigestsAndKeepsComments(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	src := "# my service\nname = \"api\"\nlanguage = \"go\"\nbase = \"chainguard-static\" # the smallest\nport = 8080\n\n[healthcheck]\ncommand = [\"/app/api\", \"-healthcheck\"]\n"
	dir := writeService(t, src)
	reg := newFake(map[string]string{"cgr.dev/chainguard/static:latest": d1, golang: d3})
	res, err := Run(context.Background(), set, reg, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.New != d1 || res.Ref != "cgr.dev/chainguard/static:latest" {
		t.Fatalf("result = %+v", res)
	}
	if len(res.Images) != 2 || res.Images[0].Stage != "build" || res.Images[0].New != d3 || !res.Images[1].Final {
		t.Fatalf("images = %+v", res.Images)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "slipway.toml"))
	want := strings.Replace(src, "# the smallest\n", "# the smallest\nbase_digest = \""+d1+"\"\n", 1) + "\n[pins]\n\"" + golang + "\" = \"" + d3 + "\"\n"
	if string(got) != want {
		t.Fatalf("slipway.toml:\n%s\nwant:\n%s", got, want)
	}
	df := render(t, dir)
	for _, from := range []string{"FROM cgr.dev/chainguard/static:latest@" + d1 + "\n", "FROM " + golang + "@" + d3 + " AS build\n"} {
		if !strings.Contains(df, from) {
			t.Fatalf("Dockerfile has no %q:\n%s", from, df)
		}
	}

	// Both tags move: --check reports them and writes nothing; a plain run
	// keeps the pins (their digests still resolve); --update moves both and
	// the diff shows each line.
	reg.set("cgr.dev/chainguard/static:latest", d2)
	reg.set(golang, d4)
	res, err = Run(context.Background(), set, reg, Options{Dir: dir, Check: true})
	if err != nil || !res.Changed || res.Old != d1 || res.New != d2 || res.Images[0].Old != d3 || res.Images[0].New != d4 {
		t.Fatalf("check: %+v, %v", res, err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "slipway.toml")); string(again) != want {
		t.Fatal("--check wrote the file")
	}
	res, err = Run(context.Background(), set, reg, Options{Dir: dir})
	if err != nil || res.Moved() {
		t.Fatalf("a plain run moved a pin: %+v, %v", res, err)
	}
	res, err = Run(context.Background(), set, reg, Options{Dir: dir, Update: true})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(filepath.Join(dir, "slipway.toml"))
	if string(got) != strings.NewReplacer(d1, d2, d3, d4).Replace(want) {
		t.Fatalf("after update:\n%s", got)
	}
	diff := res.Diff()
	for _, line := range []string{"-base_digest = \"" + d1, "+base_digest = \"" + d2, "-\"" + golang + "\" = \"" + d3, "+\"" + golang + "\" = \"" + d4} {
		if !strings.Contains(diff, line) {
			t.Errorf("diff has no %q:\n%s", line, diff)
		}
	}
}

// A pinned digest the registry no longer serves is an error naming the
// key, the image and the digest; --update moves it.
func TestPinStaleDigest(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	src := "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-static\"\nbase_digest = \"" + d1 + "\"\n\n[pins]\n\"" + golang + "\" = \"" + d2 + "\"\n"
	dir := writeService(t, src)
	reg := newFake(map[string]string{"gcr.io/distroless/static-debian12:nonroot": d1, golang: d3})
	_, err = Run(context.Background(), set, reg, Options{Dir: dir})
	var stale *StaleError
	if !errors.As(err, &stale) || stale.Digest != d2 || stale.Ref != golang {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{`pins."` + golang + `"`, d2, "no longer serves", "slipway pin --update"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not say %q: %v", s, err)
		}
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "slipway.toml")); string(again) != src {
		t.Fatal("a stale pin changed the file")
	}
	if _, err := Run(context.Background(), set, reg, Options{Dir: dir, Update: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "slipway.toml")); string(got) != strings.Replace(src, d2, d3, 1) {
		t.Fatalf("after update:\n%s", got)
	}
}

// A pin no FROM uses any more (the version changed) is dropped; a golden
// base is left to golden.lock while the build stage is pinned.
func TestPinDropsUnusedAndGolden(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	old := "docker.io/library/golang:1.25-bookworm"
	src := "name = \"api\"\nlanguage = \"go\"\nbase = \"golden:base\"\n\n[pins]\n\"" + old + "\" = \"" + d2 + "\"\n\n[labels]\n\"com.example.team\" = \"a\"\n"
	dir := writeService(t, src)
	res, err := Run(context.Background(), set, newFake(map[string]string{golang: d3}), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dropped) != 1 || res.Dropped[0] != old || res.Ref != "" {
		t.Fatalf("result = %+v", res)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "slipway.toml"))
	want := "name = \"api\"\nlanguage = \"go\"\nbase = \"golden:base\"\n\n[pins]\n\"" + golang + "\" = \"" + d3 + "\"\n\n[labels]\n\"com.example.team\" = \"a\"\n"
	if string(got) != want {
		t.Fatalf("slipway.toml:\n%s\nwant:\n%s", got, want)
	}
}

func TestPinErrors(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	dir := writeService(t, "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-static\"\n")
	_, err = Run(context.Background(), set, newFake(nil), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), golang) {
		t.Fatalf("unresolvable: %v", err)
	}
	src, _ := os.ReadFile(filepath.Join(dir, "slipway.toml"))
	if strings.Contains(string(src), "base_digest") || strings.Contains(string(src), "pins") {
		t.Fatal("a failed resolve wrote the file")
	}
}

func TestSetTable(t *testing.T) {
	e := map[string]string{"b": "2", "a": "1"}
	for _, c := range []struct {
		in   string
		e    map[string]string
		want string
	}{
		{"x = 1\n", e, "x = 1\n\n[pins]\n\"a\" = \"1\"\n\"b\" = \"2\"\n"},
		{"x = 1\n[pins]\n\"z\" = \"9\"\n# next\n[t]\ny = 2\n", e, "x = 1\n[pins]\n\"a\" = \"1\"\n\"b\" = \"2\"\n\n# next\n[t]\ny = 2\n"},
		{"x = 1\n\n[pins]\n\"z\" = \"9\"\n\n[t]\ny = 2\n", nil, "x = 1\n\n[t]\ny = 2\n"},
		{"x = 1\n", nil, "x = 1\n"},
	} {
		got, err := SetTable([]byte(c.in), "pins", c.e)
		if err != nil || string(got) != c.want {
			t.Errorf("SetTable(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
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
