package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/sbom"
	"github.com/slipway/slipway/internal/secupdates"
)

// TestGoldenStaleByContent builds the golden base, then serves two package
// indexes: an older one listing exactly the versions the image has, and a
// newer one where tzdata has a security update. golden check calls the
// image current against the first and stale against the second, naming
// tzdata and both versions; golden build --stale rebuilds it only then.
func TestGoldenStaleByContent(t *testing.T) {
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	dir, prefix, e := goldenBase(ctx, t, l, "stale-content")
	env := append(l.Env(), "SLIPWAY_REGISTRY_MIRROR="+l.Registry)

	// What the image has, and the index its apt sources name.
	src, err := image.Open(ctx, e.Ref(), image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := sbom.Collect(ctx, src, sbom.Options{})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	if urls := secupdates.IndexURLs(inv.AptSources, "amd64"); len(urls) == 0 || !strings.Contains(urls[0], "/dists/bookworm") {
		t.Errorf("the image's apt sources give no index it was built against: %+v", inv.AptSources)
	}
	var older, newer strings.Builder
	tz := ""
	for _, p := range inv.Packages {
		if p.Type != sbom.Deb {
			continue
		}
		fmt.Fprintf(&older, "Package: %s\nVersion: %s\nArchitecture: %s\n\n", p.Name, p.Version, p.Arch)
		v := p.Version
		if p.Name == "tzdata" {
			tz = p.Version
			v = p.Version + "+sec1"
		}
		fmt.Fprintf(&newer, "Package: %s\nVersion: %s\nArchitecture: %s\n\n", p.Name, v, p.Arch)
	}
	if tz == "" {
		t.Fatal("the golden base has no tzdata")
	}
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/old/dists/bookworm-security/main/binary-amd64/Packages.gz", func(w http.ResponseWriter, _ *http.Request) { w.Write(gz(older.String())) })
	mux.HandleFunc("/new/dists/bookworm-security/main/binary-amd64/Packages.gz", func(w http.ResponseWriter, _ *http.Request) { w.Write(gz(newer.String())) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	oldURL := srv.URL + "/old/dists/bookworm-security/main/binary-amd64/Packages.gz"
	newURL := srv.URL + "/new/dists/bookworm-security/main/binary-amd64/Packages.gz"

	r := runSlipway(ctx, t, env, "golden", "check", "--dir", dir, "--package-index", oldURL)
	if r.code != 0 || !strings.Contains(r.stdout, "current") {
		t.Fatalf("golden check against the index the image was built from: %s", r)
	}
	r = runSlipway(ctx, t, env, "golden", "check", "--dir", dir, "--package-index", newURL)
	if r.code != 1 {
		t.Fatalf("golden check against the newer index: %s", r)
	}
	for _, want := range []string{"STALE", "tzdata " + tz + " -> " + tz + "+sec1", "security update"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("golden check does not say %q:\n%s", want, r.stdout)
		}
	}
	t.Logf("golden check: %s", strings.TrimSpace(r.stdout))

	// golden users --stale: the service on golden:base would move.
	svc := filepath.Join(filepath.Dir(dir), "svc")
	if err := os.MkdirAll(svc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(svc, "slipway.toml"), []byte("name = \"api\"\nlanguage = \"go\"\nbase = \"golden:base\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(dir)
	if r := runSlipway(ctx, t, env, "golden", "users", root, "--stale", "--package-index", oldURL); strings.Contains(r.stdout, "would move") {
		t.Errorf("golden users --stale against the older index: %s", r)
	}
	r = runSlipway(ctx, t, env, "golden", "users", root, "--stale", "--package-index", newURL)
	if r.code != 1 || !strings.Contains(r.stdout, "would move: golden:base is stale") || !strings.Contains(r.stdout, "tzdata") {
		t.Errorf("golden users --stale against the newer index: %s", r)
	}
	t.Logf("golden users --stale: %s", strings.TrimSpace(r.stdout))

	results := func(index string) []map[string]any {
		t.Helper()
		r := runSlipway(ctx, t, env, "golden", "build", "--dir", dir, "--registry", prefix, "--stale", "--package-index", index, "--format", "json")
		if r.code != 0 {
			t.Fatalf("golden build --stale: %s", r)
		}
		var out []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("golden build --format json: %v\n%s", err, r.stdout)
		}
		return out
	}
	if got := results(oldURL); len(got) != 0 {
		t.Errorf("golden build --stale rebuilt a current image: %v", got)
	}
	got := results(newURL)
	if len(got) != 1 || got[0]["name"] != "base" || got[0]["outcome"] != "built" {
		t.Errorf("golden build --stale against the newer index: %v", got)
	}
}
