package pool

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@e", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@e")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

// monorepo makes a git repository with services under services/ and
// returns its folder.
func monorepo(t *testing.T, services int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "origin")
	for i := range services {
		d := filepath.Join(dir, "services", fmt.Sprintf("svc%02d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, dir, "git", "init", "-q", "-b", "main")
	run(t, dir, "git", "add", "-A")
	run(t, dir, "git", "commit", "-q", "-m", "init")
	return dir
}

// Property: the key of a service does not depend on where the repository
// is checked out, so every clone, at any path, places each service on the
// same daemon.
func TestServiceKeyStableAcrossCheckouts(t *testing.T) {
	const n = 10
	origin := monorepo(t, n)
	rng := rand.New(rand.NewPCG(7, 9))
	var clones []string
	for i := range 4 {
		parent := filepath.Join(t.TempDir(), fmt.Sprintf("ci-runner-%d", rng.IntN(1000)), strings.Repeat("deep/", i))
		if err := os.MkdirAll(parent, 0o755); err != nil {
			t.Fatal(err)
		}
		c := filepath.Join(parent, fmt.Sprintf("checkout%d", i))
		run(t, parent, "git", "clone", "-q", origin, c)
		// A clone of a local path has a path as its origin; CI clones
		// from the forge. Give every clone the same forge URL, spelled
		// differently.
		url := []string{"https://github.com/Acme/shop.git", "git@github.com:Acme/shop.git", "ssh://git@github.com/Acme/shop", "https://ci:tok@github.com/Acme/shop/"}[i]
		run(t, c, "git", "remote", "set-url", "origin", url)
		clones = append(clones, c)
	}
	ring := NewRing(three)
	for s := range n {
		rel := filepath.Join("services", fmt.Sprintf("svc%02d", s))
		var keys []Key
		for _, c := range clones {
			k, err := ServiceKey(filepath.Join(c, rel), "", []string{"linux/amd64"})
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
			for _, part := range []string{k.Repo, k.Path} {
				if strings.Contains(part, os.TempDir()) || filepath.IsAbs(part) {
					t.Fatalf("key %+v holds a path of the machine", k)
				}
			}
		}
		for i, k := range keys {
			if k != keys[0] {
				t.Fatalf("checkout %d gives key %+v, checkout 0 %+v", i, k, keys[0])
			}
			if ring.Order(k.String())[0] != ring.Order(keys[0].String())[0] {
				t.Fatal("same key, different daemon")
			}
		}
		want := Key{Repo: "github.com/Acme/shop", Path: "services/" + fmt.Sprintf("svc%02d", s), Platform: "linux/amd64"}
		if keys[0] != want {
			t.Errorf("key %+v, want %+v", keys[0], want)
		}
	}

	// Without a remote, the root commit names the repository: a clone
	// whose remote was removed still agrees with another.
	for _, c := range clones[:2] {
		run(t, c, "git", "remote", "remove", "origin")
	}
	a, err := ServiceKey(filepath.Join(clones[0], "services/svc01"), "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ServiceKey(filepath.Join(clones[1], "services/svc01"), "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || !strings.HasPrefix(a.Repo, "commit:") || a.Target != "app" {
		t.Fatalf("no-remote keys %+v and %+v", a, b)
	}
}

func TestServiceKeyOutsideGit(t *testing.T) {
	d := filepath.Join(t.TempDir(), "api")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	k, err := ServiceKey(d, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if k.Repo != "dir:api" || k.Path != "." {
		t.Fatalf("key %+v", k)
	}
}

func TestNormalizeRemote(t *testing.T) {
	for in, want := range map[string]string{
		"https://github.com/acme/shop.git":              "github.com/acme/shop",
		"https://user:s3cret@GitHub.com/acme/shop":      "github.com/acme/shop",
		"git@github.com:acme/shop.git":                  "github.com/acme/shop",
		"ssh://git@github.com:22/acme/shop/":            "github.com/acme/shop",
		"https://user:pw@GitHub.com:443/acme/shop.git/": "github.com/acme/shop",
		"ssh://git@gitlab.example:2222/g/sub/r":         "gitlab.example:2222/g/sub/r",
		"/srv/git/shop.git":                             "",
		"file:///srv/git/shop.git":                      "",
		"../shop":                                       "",
	} {
		if got := NormalizeRemote(in); got != want {
			t.Errorf("NormalizeRemote(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(NormalizeRemote(in), "s3cret") {
			t.Errorf("credentials kept in the key of %q", in)
		}
	}
}

func TestPlatformKeyOrder(t *testing.T) {
	if PlatformKey([]string{"linux/arm64", " linux/amd64"}) != PlatformKey([]string{"linux/amd64", "linux/arm64"}) {
		t.Fatal("platform order changes the key")
	}
}

func TestServiceKeyInARepositoryWithoutCommits(t *testing.T) {
	d := filepath.Join(t.TempDir(), "fresh")
	if err := os.MkdirAll(filepath.Join(d, "svc"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, d, "git", "init", "-q")
	k, err := ServiceKey(filepath.Join(d, "svc"), "", nil)
	if err != nil || k.Repo != "dir:fresh" || k.Path != "svc" {
		t.Fatalf("key %+v, err %v", k, err)
	}
}
