package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const fullTeam = `# The platform team's floor.
allowed_bases = ["distroless-static", "distroless-*", "golden:*"]
allowed_registries = ["gcr.io/distroless/", "registry.example.com/platform/"]
min_uid = 10000
required_labels = ["org.opencontainers.image.source", "com.example.team"]
registry_prefix = "registry.example.com/platform"
require_healthcheck = true
syntax = "docker/dockerfile:1"

[rules]
"no-latest-tag" = "error"
"healthcheck" = "off"
`

func TestLoadTeam(t *testing.T) {
	file := writeFile(t, filepath.Join(t.TempDir(), config.TeamFileName), fullTeam)
	team, err := config.LoadTeam(file)
	if err != nil {
		t.Fatal(err)
	}
	want := &config.Team{
		AllowedBases:       []string{"distroless-static", "distroless-*", "golden:*"},
		AllowedRegistries:  []string{"gcr.io/distroless/", "registry.example.com/platform/"},
		MinUID:             10000,
		RequiredLabels:     []string{"org.opencontainers.image.source", "com.example.team"},
		RegistryPrefix:     "registry.example.com/platform",
		RequireHealthcheck: true,
		Syntax:             "docker/dockerfile:1",
		Rules:              map[string]string{"no-latest-tag": "error", "healthcheck": "off"},
	}
	if !reflect.DeepEqual(team, want) {
		t.Errorf("LoadTeam read\n%#v\nwant\n%#v", team, want)
	}
}

func TestLoadTeamErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		key       string
		want      string
	}{
		{"unknown key", "min_uid = 1000\nmax_uid = 2\n", 2, "max_uid", "allowed here: allowed_bases, allowed_registries,"},
		{"bad allowed base", "allowed_bases = [\"distroless-static\", \"Not A Key\"]\n", 1, "allowed_bases[1]", "catalogue key, golden:<name>, a pattern of them"},
		{"bad registry", "\nallowed_registries = [\"\"]\n", 2, "allowed_registries[0]", "registry or repository prefix"},
		{"negative min_uid", "min_uid = -1\n", 1, "min_uid", "negative"},
		{"bad required label", "required_labels = [\"Team\"]\n", 1, "required_labels[0]", "valid label key"},
		{"registry prefix with slash", "registry_prefix = \"registry.example.com/\"\n", 1, "registry_prefix", "e.g. registry.example.com/platform"},
		{"bad syntax", "syntax = \"docker/dockerfile:1 x\"\n", 1, "syntax", "image reference"},
		{"bad severity", "[rules]\nfoo = \"fatal\"\n", 2, "rules.foo", "allowed: off, info, warning, error"},
		{"wrong type", "min_uid = \"1000\"\n", 1, "min_uid", `want a numeric uid like 10000, got the string "1000"; remove the quotes`},
		{"rules not a table", "rules = \"strict\"\n", 1, "rules", "want a table"},
		{"syntax error", "min_uid = 10\nmin_uid = 11\n", 2, "min_uid", "already been defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, filepath.Join(t.TempDir(), config.TeamFileName), tc.src)
			_, err := config.LoadTeam(file)
			if err == nil {
				t.Fatal("LoadTeam accepted it")
			}
			var found *config.FieldError
			for _, fe := range fieldErrors(t, err) {
				if fe.Key == tc.key {
					found = fe
				}
			}
			if found == nil {
				t.Fatalf("no problem with key %q in:\n%v", tc.key, err)
			}
			if found.File != file || found.Line != tc.line {
				t.Errorf("placed at %s:%d, want %s:%d", found.File, found.Line, file, tc.line)
			}
			if !strings.Contains(found.Msg, tc.want) {
				t.Errorf("message %q does not say %q", found.Msg, tc.want)
			}
		})
	}
}

func TestFindTeam(t *testing.T) {
	root := t.TempDir()
	svc := filepath.Join(root, "org", "services", "api")
	if err := os.MkdirAll(svc, 0o755); err != nil {
		t.Fatal(err)
	}

	// No team file anywhere up to the root: an empty team allows anything.
	team, file, err := config.FindTeam(svc, "")
	if err != nil || file != "" || !reflect.DeepEqual(team, &config.Team{}) {
		t.Fatalf("FindTeam with no file = %#v, %q, %v", team, file, err)
	}

	// Every file above applies, the nearest named; a nearer one tightens.
	far := writeFile(t, filepath.Join(root, config.TeamFileName), "min_uid = 1\n")
	near := writeFile(t, filepath.Join(root, "org", config.TeamFileName), "min_uid = 2\n")
	team, file, err = config.FindTeam(svc, "")
	if err != nil || file != near || team.MinUID != 2 || !reflect.DeepEqual(team.Files, []string{far, near}) {
		t.Errorf("FindTeam = %+v, %q, %v; want min_uid 2 from %s", team, file, err, near)
	}
	// One in the service directory itself is nearest of all.
	own := writeFile(t, filepath.Join(svc, config.TeamFileName), "min_uid = 3\n")
	if team, file, _ = config.FindTeam(svc, ""); file != own || team.MinUID != 3 {
		t.Errorf("FindTeam did not pick the service's own file: %q", file)
	}
	// An explicit file is applied on top of the walk: it cannot loosen it.
	loose := writeFile(t, filepath.Join(t.TempDir(), "loose.toml"), "min_uid = 0\n")
	if team, file, _ = config.FindTeam(svc, loose); file != loose || team.MinUID != 3 || len(team.Warnings) != 1 {
		t.Errorf("FindTeam with a looser explicit file: %q, min_uid %d, warnings %q", file, team.MinUID, team.Warnings)
	}
	strict := writeFile(t, filepath.Join(t.TempDir(), "strict.toml"), "min_uid = 5\n")
	if team, file, _ = config.FindTeam(svc, strict); file != strict || team.MinUID != 5 {
		t.Errorf("FindTeam ignored the explicit file: %q", file)
	}
	// The walk's own file given as --team is read once.
	if team, _, _ = config.FindTeam(svc, own); len(team.Files) != 3 {
		t.Errorf("the service's own file given explicitly: files %q", team.Files)
	}
	// A missing explicit file is an error, not an empty team.
	if _, _, err := config.FindTeam(svc, filepath.Join(root, "nope.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing explicit team file: %v", err)
	}
	// A relative directory works as well as an absolute one.
	t.Chdir(filepath.Join(root, "org", "services"))
	if _, file, err = config.FindTeam("api", ""); err != nil || file != own {
		t.Errorf("FindTeam(relative) = %q, %v", file, err)
	}

	// A broken team file found on the way up is an error naming it.
	writeFile(t, own, "min_uid = \"x\"\n")
	_, _, err = config.FindTeam(svc, "")
	if !config.IsInvalid(err) || !strings.Contains(err.Error(), own+":1:") {
		t.Errorf("broken team file: %v", err)
	}
}

func TestAllowsBase(t *testing.T) {
	team := &config.Team{
		AllowedBases:      []string{"distroless-static", "chainguard-*", "golden:*"},
		AllowedRegistries: []string{"gcr.io/distroless/", "registry.example.com/platform/"},
	}
	for _, tc := range []struct {
		team     *config.Team
		key, ref string
		want     bool
	}{
		{team, "distroless-static", "gcr.io/distroless/static-debian12:nonroot", true},
		{team, "distroless-base", "gcr.io/distroless/base-debian12:nonroot", false},                 // not in allowed_bases
		{team, "golden:go-runtime", "registry.example.com/platform/golden/go-runtime:latest", true}, // golden:* and the registry
		{team, "golden:go-runtime", "docker.io/golden/go-runtime:latest", false},                    // golden:* but another registry
		{team, "chainguard-static", "cgr.dev/chainguard/static:latest", false},                      // the pattern matches, the registry does not
		{team, "distroless-static", "scratch", true},                                                // scratch is no registry
		{team, "distroless-static", "", true},
		{&config.Team{AllowedBases: []string{"golden:*"}}, "golden:a", "anything/x", true},
		{&config.Team{AllowedBases: []string{"golden:*"}}, "distroless-static", "gcr.io/distroless/static", false},
		{&config.Team{AllowedBases: []string{"golden:api"}}, "golden:api", "r/golden/api", true},
		{&config.Team{AllowedBases: []string{"golden:api"}}, "golden:web", "r/golden/web", false},
		{&config.Team{AllowedRegistries: []string{"registry.example.com/platform/"}}, "docker.io/library/alpine:3", "docker.io/library/alpine:3", false},
		{&config.Team{AllowedRegistries: []string{"registry.example.com/platform/"}}, "registry.example.com/platform/base:1", "registry.example.com/platform/base:1", true},
		{&config.Team{}, "anything", "docker.io/library/busybox:latest", true},
	} {
		if got := tc.team.AllowsBase(tc.key, tc.ref); got != tc.want {
			t.Errorf("%+v.AllowsBase(%q, %q) = %v, want %v", tc.team, tc.key, tc.ref, got, tc.want)
		}
	}
}

func TestTeamValidateNeverMutates(t *testing.T) {
	file := writeFile(t, filepath.Join(t.TempDir(), config.TeamFileName), fullTeam)
	team, err := config.LoadTeam(file)
	if err != nil {
		t.Fatal(err)
	}
	bad := config.Team{AllowedBases: []string{"X"}, MinUID: -1, Rules: map[string]string{"b": "loud", "a": "x"}}
	for _, tm := range []config.Team{*team, bad} {
		before := config.Team{
			AllowedBases:       append([]string(nil), tm.AllowedBases...),
			AllowedRegistries:  append([]string(nil), tm.AllowedRegistries...),
			MinUID:             tm.MinUID,
			RequiredLabels:     append([]string(nil), tm.RequiredLabels...),
			RegistryPrefix:     tm.RegistryPrefix,
			RequireHealthcheck: tm.RequireHealthcheck,
			Syntax:             tm.Syntax,
			Rules:              map[string]string{},
		}
		for k, v := range tm.Rules {
			before.Rules[k] = v
		}
		_ = tm.Validate()
		after := tm
		if after.Rules == nil {
			after.Rules = map[string]string{}
		}
		if !reflect.DeepEqual(norm(before), norm(after)) {
			t.Errorf("Validate changed the team:\n%#v\n%#v", before, after)
		}
	}
	// Problems come in a stable order (rules sorted by name).
	err = bad.Validate()
	if got := err.Error(); strings.Index(got, "rules.a") > strings.Index(got, "rules.b") {
		t.Errorf("rules problems are not sorted:\n%s", got)
	}
}

// norm makes nil and empty slices compare equal.
func norm(t config.Team) config.Team {
	fix := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	}
	t.AllowedBases, t.AllowedRegistries, t.RequiredLabels = fix(t.AllowedBases), fix(t.AllowedRegistries), fix(t.RequiredLabels)
	return t
}
