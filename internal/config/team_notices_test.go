package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A nested team file that loosens a floor and names a rule that does not
// exist: both are said, the loosening first, the unknown rule with the
// file's name escaped for a terminal in both.
func TestTeamWriteNotices(t *testing.T) {
	root := t.TempDir()
	nested := filepath.Join(root, "svc\x1b[31m")
	if err := os.Mkdir(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, TeamFileName), []byte("min_uid = 10000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nested, TeamFileName), []byte("min_uid = 1000\n[rules]\nSW999 = \"error\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	team, file, err := FindTeam(nested, "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	team.WriteNotices(&b, file)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("notices:\n%s", b.String())
	}
	if !strings.HasPrefix(lines[0], "slipway: warning: ") || !strings.Contains(lines[0], "min_uid") || strings.Contains(lines[0], "\x1b") {
		t.Errorf("first notice %q: want the loosened min_uid, the path escaped", lines[0])
	}
	if !strings.HasSuffix(lines[1], ": rules.SW999: no such rule (see `slipway rules`)") || strings.Contains(lines[1], "\x1b") {
		t.Errorf("second notice %q: want SW999 named, the path without its escape byte", lines[1])
	}
	b.Reset()
	(&Team{}).WriteNotices(&b, "")
	if b.Len() != 0 {
		t.Errorf("an empty team: %q, want nothing", b.String())
	}
}
