package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTeam(t *testing.T, dir, body string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, TeamFileName)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTeamPoolKeys(t *testing.T) {
	dir := t.TempDir()
	p := writeTeam(t, dir, `builders = ["tcp://buildkit-0.ci:1234", "kube-pod://buildkit-1?namespace=ci", "unix:///run/buildkit/buildkitd.sock"]
cache_registry = "127.0.0.1:5000/cache"
`)
	tm, err := LoadTeam(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Builders) != 3 || tm.CacheRegistry != "127.0.0.1:5000/cache" {
		t.Fatalf("team %+v", tm)
	}
}

func TestTeamPoolKeysRefused(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`builders = ["buildkit-0:1234"]`, "builders[0]"},
		{`builders = ["tcp://a:1", "tcp://a:1"]`, "listed twice"},
		{`builders = "tcp://a:1"`, "builders"},
		{`cache_registry = "https://registry.example.com/cache"`, "cache_registry"},
		{`cache_registry = "registry.example.com/cache:tag"`, "cache_registry"},
		{`cache_registry = "registry.example.com/cache/"`, "cache_registry"},
		{`cache_regsitry = "registry.example.com/cache"`, "cache_registry"}, // did you mean
	} {
		p := writeTeam(t, t.TempDir(), c.body+"\n")
		_, err := LoadTeam(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err %v; want one naming %s and the file", c.body, err, c.want)
		}
		if err != nil && !strings.Contains(err.Error(), ":1") {
			t.Errorf("%s: no line in %v", c.body, err)
		}
	}
}

// A nested team file cannot send builds to its own daemons or cache.
func TestTeamPoolOutermostWins(t *testing.T) {
	root := t.TempDir()
	writeTeam(t, root, `builders = ["tcp://pool-0:1234"]
cache_registry = "registry.example.com/cache"
`)
	svc := filepath.Join(root, "services", "api")
	writeTeam(t, svc, `builders = ["tcp://evil:1234"]
cache_registry = "evil.example/cache"
`)
	tm, _, err := FindTeam(svc, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Builders) != 1 || tm.Builders[0] != "tcp://pool-0:1234" || tm.CacheRegistry != "registry.example.com/cache" {
		t.Fatalf("nested file redirected the pool: %+v", tm)
	}
	w := strings.Join(tm.Warnings, "\n")
	if !strings.Contains(w, "builders") || !strings.Contains(w, "cache_registry") {
		t.Fatalf("warnings %q", w)
	}
	// A nested file may set them when no file above did.
	other := t.TempDir()
	writeTeam(t, filepath.Join(other, "svc"), `builders = ["tcp://pool-1:1234"]`+"\n")
	tm, _, err = FindTeam(filepath.Join(other, "svc"), "")
	if err != nil || len(tm.Builders) != 1 {
		t.Fatalf("%v %+v", err, tm)
	}
}
