package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

// TestAllowsBaseByParts: allowed_bases patterns match catalogue keys only
// (an explicit reference needs an image: entry), and allowed_registries
// match a parsed reference's host and port exactly and its path by segment.
func TestAllowsBaseByParts(t *testing.T) {
	bases := &config.Team{AllowedBases: []string{"distroless-*", "golden:*"}}
	regs := &config.Team{AllowedRegistries: []string{"registry.example.com"}}
	paths := &config.Team{AllowedRegistries: []string{"gcr.io/distroless/", "registry.example.com:5000/platform"}}
	hub := &config.Team{AllowedRegistries: []string{"docker.io/library/debian", "golang"}}
	images := &config.Team{AllowedBases: []string{"distroless-static", "image:docker.io/library/debian", "image:registry.example.com/platform/"}}
	for _, tc := range []struct {
		name     string
		team     *config.Team
		key, ref string
		want     bool
	}{
		// Item 6: a key pattern is not a reference pattern.
		{"pattern matches a catalogue key", bases, "distroless-static", "gcr.io/distroless/static-debian12:nonroot", true},
		{"pattern vs explicit Docker Hub reference", bases, "distroless-evil:1.0", "distroless-evil:1.0", false},
		{"pattern vs explicit reference with a host", bases, "gcr.io/distroless-x/evil", "gcr.io/distroless-x/evil", false},
		{"pattern vs reference shaped like a key path", bases, "distroless-static/x", "distroless-static/x", false},
		{"golden:* vs a reference named golden", bases, "golden/api:1", "golden/api:1", false},
		{"key pattern does not reach golden", &config.Team{AllowedBases: []string{"*"}}, "golden:api", "r.example.com/golden/api", false},
		{"key pattern * for any catalogue key", &config.Team{AllowedBases: []string{"*"}}, "debian-slim", "debian:bookworm-slim", true},
		// Item 6: registries by parts.
		{"host exactly", regs, "x", "registry.example.com/x:1", true},
		{"host as a prefix of a longer host", regs, "x", "registry.example.com.evil.net/x", false},
		{"host with another port", regs, "x", "registry.example.com:9999/x", false},
		{"host as a path segment elsewhere", regs, "x", "evil.net/registry.example.com/x", false},
		{"host with a digest", regs, "x", "registry.example.com/a/b@sha256:" + strings.Repeat("a", 64), true},
		{"path by segment", paths, "x", "gcr.io/distroless/static-debian12:nonroot", true},
		{"path prefix of a segment", paths, "x", "gcr.io/distroless-evil/static:1", false},
		{"path on another host", paths, "x", "gcr.io.evil.net/distroless/static:1", false},
		{"port exactly", paths, "x", "registry.example.com:5000/platform/base:1", true},
		{"port missing", paths, "x", "registry.example.com/platform/base:1", false},
		{"port path by segment", paths, "x", "registry.example.com:5000/platformer/base:1", false},
		{"docker.io normalised", hub, "x", "debian:bookworm-slim", true},
		{"index.docker.io normalised", hub, "x", "index.docker.io/library/debian:12", true},
		{"familiar name prefix of a segment", hub, "x", "debian-evil:1", false},
		{"bare entry is docker.io/library", hub, "x", "docker.io/library/golang:1.26", true},
		{"bare entry is not any golang", hub, "x", "evil.net/golang:1.26", false},
		{"bare entry segment", hub, "x", "golang-evil:1", false},
		{"scratch is no registry", regs, "scratch", "scratch", true},
		// image: entries in allowed_bases.
		{"image entry, repository exactly", images, "debian:12", "debian:12", true},
		{"image entry, a repository below", images, "registry.example.com/platform/base:1", "registry.example.com/platform/base:1", true},
		{"image entry, longer repository name", images, "debian-evil:12", "debian-evil:12", false},
		{"image entry, catalogue key resolving to it", images, "debian-slim", "debian:bookworm-slim", true},
		{"image entry, other host", images, "registry.example.com.evil.net/platform/base", "registry.example.com.evil.net/platform/base", false},
	} {
		if got := tc.team.AllowsBase(tc.key, tc.ref); got != tc.want {
			t.Errorf("%s: AllowsBase(%q, %q) = %v, want %v", tc.name, tc.key, tc.ref, got, tc.want)
		}
	}
}

func TestRefPatternErrors(t *testing.T) {
	for _, tc := range []struct{ src, key string }{
		{"allowed_registries = [\"Registry.Example.com/UPPER\"]\n", "allowed_registries[0]"},
		{"allowed_bases = [\"image:\"]\n", "allowed_bases[0]"},
		{"allowed_bases = [\"image:a b\"]\n", "allowed_bases[0]"},
	} {
		file := writeFile(t, filepath.Join(t.TempDir(), config.TeamFileName), tc.src)
		_, err := config.LoadTeam(file)
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%s: %v", tc.src, err)
		}
	}
}

// TestNestedTeamFilesOnlyTighten puts a strict team file at a repository's
// root and, in a service folder below, each nested file that tries to
// loosen one floor (or every floor, or is empty). Whatever the nested file
// says, the merged standard refuses everything the root refuses, and each
// attempt to loosen is a warning naming the nested file and the key.
func TestNestedTeamFilesOnlyTighten(t *testing.T) {
	const rootTeam = `allowed_bases = ["distroless-static", "golden:*"]
allowed_registries = ["gcr.io/distroless/", "registry.example.com/platform"]
min_uid = 10000
required_labels = ["org.opencontainers.image.source"]
require_healthcheck = true
registry_prefix = "registry.example.com/platform"
[rules]
SW112 = "error"
`
	type probe struct {
		key, ref string
	}
	refused := []probe{
		{"debian-slim", "debian:bookworm-slim"},
		{"distroless-base", "gcr.io/distroless/base-debian12:nonroot"},
		{"distroless-evil:1.0", "distroless-evil:1.0"},
		{"x", "registry.example.com.evil.net/platform/x"},
		{"golden:api", "docker.io/golden/api:latest"},
	}
	for _, tc := range []struct {
		name      string
		nested    string
		warnKeys  []string
		minUID    int
		allowedOK []probe // still allowed (tightening keeps what both allow)
	}{
		{"empty file", "", nil, 10000, []probe{{"distroless-static", "gcr.io/distroless/static-debian12:nonroot"}}},
		{"comment only", "# our service\n", nil, 10000, nil},
		{"widen bases", `allowed_bases = ["debian-slim", "distroless-*", "distroless-static", "image:docker.io/library/distroless-evil"]` + "\n",
			[]string{"allowed_bases"}, 10000, []probe{{"distroless-static", "gcr.io/distroless/static-debian12:nonroot"}}},
		{"widen registries", `allowed_registries = ["docker.io", "registry.example.com", "gcr.io/distroless/static-debian12"]` + "\n",
			[]string{"allowed_registries"}, 10000, []probe{{"distroless-static", "gcr.io/distroless/static-debian12:nonroot"}}},
		{"lower min_uid", "min_uid = 100\n", []string{"min_uid"}, 10000, nil},
		{"zero min_uid", "min_uid = 0\n", []string{"min_uid"}, 10000, nil},
		{"raise min_uid", "min_uid = 20000\n", nil, 20000, nil},
		{"drop healthcheck", "require_healthcheck = false\n", []string{"require_healthcheck"}, 10000, nil},
		{"no labels", "required_labels = []\n", nil, 10000, nil},
		{"move golden registry", `registry_prefix = "evil.net"` + "\n", []string{"registry_prefix"}, 10000, nil},
		{"weaken a rule", "[rules]\nSW112 = \"off\"\nSW102 = \"info\"\nSW160 = \"error\"\n", []string{"rules.SW102", "rules.SW112"}, 10000, nil},
		{"everything at once", `allowed_bases = ["debian-slim"]
allowed_registries = ["docker.io"]
min_uid = 1
require_healthcheck = false
registry_prefix = "evil.net"
syntax = "evil.net/frontend:1"
[rules]
SW113 = "off"
`, []string{"allowed_bases", "allowed_registries", "min_uid", "require_healthcheck", "registry_prefix", "rules.SW113"}, 10000, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := t.TempDir()
			writeFile(t, filepath.Join(repo, config.TeamFileName), rootTeam)
			svc := filepath.Join(repo, "services", "api")
			nested := writeFile(t, filepath.Join(svc, config.TeamFileName), tc.nested)
			// A deeper folder without its own file sees the same merge.
			deep := filepath.Join(svc, "cmd", "api")
			if err := os.MkdirAll(deep, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, dir := range []string{svc, deep} {
				team, file, err := config.FindTeam(dir, "")
				if err != nil {
					t.Fatal(err)
				}
				if file != nested {
					t.Errorf("nearest file %q, want %q", file, nested)
				}
				for _, p := range refused {
					if team.AllowsBase(p.key, p.ref) {
						t.Errorf("nested file loosened allowed bases/registries: %s (%s) is allowed", p.key, p.ref)
					}
				}
				for _, p := range tc.allowedOK {
					if !team.AllowsBase(p.key, p.ref) {
						t.Errorf("%s (%s) allowed by both files is refused", p.key, p.ref)
					}
				}
				if team.MinUID != tc.minUID {
					t.Errorf("min_uid %d, want %d", team.MinUID, tc.minUID)
				}
				if !team.RequireHealthcheck {
					t.Error("require_healthcheck was dropped")
				}
				if !slices.Contains(team.RequiredLabels, "org.opencontainers.image.source") {
					t.Errorf("required labels %q lost the root's", team.RequiredLabels)
				}
				if team.RegistryPrefix != "registry.example.com/platform" {
					t.Errorf("registry_prefix %q", team.RegistryPrefix)
				}
				if team.Rules["SW112"] != "error" {
					t.Errorf("rules.SW112 = %q, want the root's error", team.Rules["SW112"])
				}
				if tc.name == "weaken a rule" && team.Rules["SW160"] != "error" {
					t.Errorf("a stricter rule severity was not applied: %q", team.Rules)
				}
				var keys []string
				for _, w := range team.Warnings {
					if !strings.HasPrefix(w, nested+": ") {
						t.Errorf("warning does not name the nested file first: %s", w)
					}
					key, _, _ := strings.Cut(strings.TrimPrefix(w, nested+": "), ":")
					if !slices.Contains(keys, key) {
						keys = append(keys, key)
					}
				}
				slices.Sort(keys)
				want := slices.Clone(tc.warnKeys)
				slices.Sort(want)
				if !slices.Equal(keys, want) {
					t.Errorf("warnings name keys %q, want %q:\n%s", keys, want, strings.Join(team.Warnings, "\n"))
				}
			}
		})
	}
}

// TestNestedTeamFilesTightenAtEveryLevel: three levels, each narrowing.
func TestNestedTeamFilesTightenAtEveryLevel(t *testing.T) {
	repo := t.TempDir()
	writeFile(t, filepath.Join(repo, config.TeamFileName), "allowed_bases = [\"distroless-*\", \"debian-slim\"]\nmin_uid = 1000\n")
	writeFile(t, filepath.Join(repo, "org", config.TeamFileName), "allowed_bases = [\"distroless-static\", \"distroless-base\"]\nrequired_labels = [\"com.example.team\"]\n")
	svc := filepath.Join(repo, "org", "api")
	writeFile(t, filepath.Join(svc, config.TeamFileName), "allowed_bases = [\"distroless-static\", \"debian-slim\"]\nmin_uid = 10000\nrequired_labels = [\"com.example.owner\"]\n")
	team, _, err := config.FindTeam(svc, "")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"distroless-static": true, "distroless-base": false, "debian-slim": false, "distroless-cc": false} {
		if got := team.AllowsBase(key, ""); got != want {
			t.Errorf("AllowsBase(%q) = %v, want %v", key, got, want)
		}
	}
	if team.MinUID != 10000 || !slices.Equal(team.RequiredLabels, []string{"com.example.team", "com.example.owner"}) || len(team.Files) != 3 {
		t.Errorf("merged %+v", team)
	}
	if len(team.Warnings) != 1 || !strings.Contains(team.Warnings[0], `allowed_bases: "debian-slim" is not allowed by`) {
		t.Errorf("warnings %q", team.Warnings)
	}
}
