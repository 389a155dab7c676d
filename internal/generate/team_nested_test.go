package generate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
)

// TestRunNestedTeamCannotLiftFloors is the case: a repository team
// file allows only distroless-static, min_uid 10000 and requires a
// HEALTHCHECK; a service with its own team file (empty, or one that tries
// to loosen every floor) asks for debian-slim, uid 100 and no healthcheck.
// generate refuses each floor, writes nothing, and warns about each key
// the service's file tried to loosen.
func TestRunNestedTeamCannotLiftFloors(t *testing.T) {
	set := templateSet(t)
	for _, nested := range []string{"", "allowed_bases = [\"debian-slim\"]\nmin_uid = 100\nrequire_healthcheck = false\n"} {
		root := t.TempDir()
		dir := filepath.Join(root, "services", "api")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(root, config.TeamFileName), "allowed_bases = [\"distroless-static\"]\nmin_uid = 10000\nrequire_healthcheck = true\n")
		write(t, filepath.Join(dir, config.TeamFileName), nested)
		write(t, filepath.Join(dir, config.FileName), "name = \"api\"\nlanguage = \"go\"\nbase = \"debian-slim\"\nuser = 100\n")
		var warn bytes.Buffer
		_, err := generate.Run(set, generate.Options{Dir: dir, Warnings: &warn})
		if err == nil || !strings.Contains(err.Error(), "not allowed by the team standard") {
			t.Fatalf("nested team file %q lifted allowed_bases: %v", nested, err)
		}
		// With the base fixed, the uid and healthcheck floors still hold.
		write(t, filepath.Join(dir, config.FileName), "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-static\"\nuser = 100\n")
		_, err = generate.Run(set, generate.Options{Dir: dir, Warnings: &warn})
		if err == nil || !strings.Contains(err.Error(), "below the team's min_uid 10000") {
			t.Fatalf("nested team file %q lifted min_uid: %v", nested, err)
		}
		write(t, filepath.Join(dir, config.FileName), "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-static\"\nuser = 10001\n")
		_, err = generate.Run(set, generate.Options{Dir: dir, Warnings: &warn})
		if err == nil || !strings.Contains(err.Error(), "requires a HEALTHCHECK") {
			t.Fatalf("nested team file %q lifted require_healthcheck: %v", nested, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 2 {
			t.Errorf("files written: %v", entries)
		}
		if nested != "" {
			for _, key := range []string{"allowed_bases", "min_uid", "require_healthcheck"} {
				if !strings.Contains(warn.String(), filepath.Join(dir, config.TeamFileName)+": "+key+":") {
					t.Errorf("no warning naming the file and %s:\n%s", key, warn.String())
				}
			}
		}
	}
}
