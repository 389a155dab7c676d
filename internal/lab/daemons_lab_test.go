package lab_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/internal/lab/labtest"
)

func pidOf(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "run", name+".pid"))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return strings.TrimSpace(string(b))
}

// up --daemons 3 runs three daemons with their own sockets; a second up,
// with or without --daemons, restarts none of them, and the first daemon
// is the one that was running before.
func TestStartDaemonsIsIdempotentLab(t *testing.T) {
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	first := pidOf(t, l.Dir, "buildkitd")
	got, err := lab.Start(ctx, lab.Options{Dir: l.Dir, Daemons: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Builders) < 3 || got.Builders[0] != l.BuildkitHost {
		t.Fatalf("builders %v; want three, %s first", got.Builders, l.BuildkitHost)
	}
	seen := map[string]bool{}
	for _, b := range got.Builders {
		if seen[b] {
			t.Fatalf("%s listed twice", b)
		}
		seen[b] = true
		if _, err := lab.Info(ctx, b); err != nil {
			t.Errorf("%s does not answer: %v", b, err)
		}
	}
	pids := []string{pidOf(t, l.Dir, "buildkitd-2"), pidOf(t, l.Dir, "buildkitd-3")}
	for _, n := range []int{3, 1} {
		again, err := lab.Start(ctx, lab.Options{Dir: l.Dir, Daemons: n})
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Builders) != len(got.Builders) {
			t.Errorf("up --daemons %d: builders %v, want the running %v", n, again.Builders, got.Builders)
		}
		if p := []string{pidOf(t, l.Dir, "buildkitd-2"), pidOf(t, l.Dir, "buildkitd-3")}; p[0] != pids[0] || p[1] != pids[1] {
			t.Errorf("up --daemons %d restarted the extra daemons: %v -> %v", n, pids, p)
		}
	}
	if now := pidOf(t, l.Dir, "buildkitd"); now != first {
		t.Errorf("the first daemon was restarted: pid %s -> %s", first, now)
	}
	env := strings.Join(got.Env(), "\n")
	if !strings.Contains(env, lab.EnvBuilders+"="+strings.Join(got.Builders, ",")) {
		t.Errorf("Env() lacks %s:\n%s", lab.EnvBuilders, env)
	}
	if _, err := lab.Start(ctx, lab.Options{Dir: l.Dir, Daemons: lab.MaxDaemons + 1}); err == nil {
		t.Error("--daemons above the maximum was accepted")
	}
}
