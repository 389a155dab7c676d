package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab/labtest"
)

type consumerJSON struct {
	Service  string `json:"service"`
	Golden   string `json:"golden"`
	Moves    string `json:"moves"`
	From     string `json:"from"`
	To       string `json:"to"`
	Generate string `json:"generate"`
	Build    string `json:"build"`
	Verify   string `json:"verify"`
	Digest   string `json:"digest"`
	Status   string `json:"status"`
	Detail   string `json:"detail"`
}

// TestGoldenBuildConsumers rebuilds a golden base with --consumers: the two
// services FROM it are regenerated onto the new digest, rebuilt and
// verified; the service on a catalogue base is left alone. A second run on
// the unchanged spec rebuilds the golden image to the same digest, so the
// consumers do not move.
func TestGoldenBuildConsumers(t *testing.T) {
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry}

	root := filepath.Join(t.TempDir(), "fleet")
	for _, n := range []string{"alpha", "bravo", "charlie"} {
		writeMonorepoService(t, root, n)
	}
	spec, err := os.ReadFile(filepath.Join("..", "..", "golden", "static.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "golden"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "golden", "static.toml"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runSlipway(ctx, t, env, "init", "--all", root); r.code != 0 {
		t.Fatalf("init --all: %s", r)
	}
	for _, n := range []string{"alpha", "bravo"} {
		p := filepath.Join(root, "services", n, "slipway.toml")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.Replace(string(b), `base = "distroless-static"`, `base = "golden:static"`, 1)
		if edited == string(b) {
			t.Fatalf("%s has no distroless-static base:\n%s", p, b)
		}
		if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r := runSlipway(ctx, t, env, "generate", "--all", root); r.code != 0 {
		t.Fatalf("generate --all: %s", r)
	}

	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	registry := l.Registry + "/golden-consumers-" + hex.EncodeToString(suffix)
	run := func(label string, wantCode int) map[string]consumerJSON {
		t.Helper()
		r := runSlipway(ctx, t, env, "golden", "build", "--dir", filepath.Join(root, "golden"), "--registry", registry,
			"--registry-mirror", l.Registry, "--consumers", "--format", "json")
		if r.code != wantCode {
			t.Fatalf("%s: golden build --consumers: %s", label, r)
		}
		t.Logf("%s: golden build --consumers: %s", label, r.took.Round(time.Second))
		var out struct {
			Golden    []map[string]any `json:"golden"`
			Consumers []consumerJSON   `json:"consumers"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", label, err, r.stdout)
		}
		if len(out.Golden) != 1 || out.Golden[0]["name"] != "static" || out.Golden[0]["outcome"] != "built" {
			t.Fatalf("%s: golden results %v", label, out.Golden)
		}
		rows := map[string]consumerJSON{}
		for _, c := range out.Consumers {
			rows[c.Service] = c
			t.Logf("%s: %+v", label, c)
		}
		return rows
	}

	first := run("first build", 0)
	if len(first) != 2 {
		t.Fatalf("consumers %v, want alpha and bravo only", first)
	}
	for _, n := range []string{"alpha", "bravo"} {
		c := first[n]
		if c.Moves != "yes" || !strings.HasPrefix(c.To, "sha256:") || c.Generate != "ok" || c.Build != "ok" || c.Verify != "ok" || c.Status != "ok" || c.Digest == "" {
			t.Errorf("%s: %+v", n, c)
		}
		df, _ := os.ReadFile(filepath.Join(root, "services", n, "Dockerfile"))
		if !strings.Contains(string(df), registry+"/static@"+c.To) && !strings.Contains(string(df), "@"+c.To) {
			t.Errorf("%s: the Dockerfile does not pin the new golden digest %s", n, c.To)
		}
	}

	second := run("unchanged spec", 0)
	for _, n := range []string{"alpha", "bravo"} {
		c := second[n]
		if c.Moves != "no" || c.From != first[n].To || c.To != first[n].To || c.Status != "ok" {
			t.Errorf("%s after an unchanged rebuild: %+v (first to %s)", n, c, first[n].To)
		}
	}

	// A consumer whose Dockerfile was edited by hand is not regenerated:
	// it fails in its row (exit 1), and the other one is still rebuilt.
	df := filepath.Join(root, "services", "bravo", "Dockerfile")
	b, _ := os.ReadFile(df)
	if err := os.WriteFile(df, append(b, []byte("# a hand edit\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	third := run("a hand-edited consumer", 1)
	if c := third["bravo"]; c.Generate != "failed" || c.Build != "-" || c.Status != "failed" || !strings.Contains(c.Detail, "edited by hand") {
		t.Errorf("bravo with a hand edit: %+v", c)
	}
	if c := third["alpha"]; c.Status != "ok" || c.Verify != "ok" {
		t.Errorf("alpha beside a failing consumer: %+v", c)
	}
}
