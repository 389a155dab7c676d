package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/pool"
)

// TestBuildAllOnAPoolLab: `slipway build --all` with three --builder
// daemons places the eight services of a workspace on the ring by their
// stable keys with bounded load (no daemon more than ceil(1.25*8/3) = 4),
// reports each service's daemon in the JSON summary, and places them the
// same way when run again from a clone at another path.
func TestBuildAllOnAPoolLab(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	addrs := threeDaemons(t, l)
	const n = 8
	repo := poolRepo(t, n, 10*time.Millisecond)
	var files string
	for i := range n {
		files += fmt.Sprintf("[[service]]\nname = \"svc%02d\"\npath = \"services/svc%02d\"\n\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(repo, "slipway-workspace.toml"), []byte(files), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun(t, repo, "add", "-A")
	gitRun(t, repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "workspace")
	limit := pool.Cap(pool.DefaultBalance, n, len(addrs))
	var first map[string]string
	for run, dir := range []string{repo, clone(t, repo)} {
		args := []string{"build", "--all", dir, "--format", "json", "--progress", "quiet"}
		for _, a := range addrs {
			args = append(args, "--builder", a)
		}
		code, out, stderr := slipway(t, args...)
		if code != exitOK {
			t.Fatalf("run %d: build --all on the pool: exit %d\n%s\n%s", run, code, out, stderr)
		}
		var rows []struct{ Service, Builder, Digest, Status, Key string }
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, out)
		}
		if len(rows) != n {
			t.Fatalf("run %d: %d rows, want %d", run, len(rows), n)
		}
		per := map[string]int{}
		got := map[string]string{}
		for _, r := range rows {
			if r.Status != "ok" || r.Digest == "" {
				t.Errorf("run %d: %s: status %s digest %q", run, r.Service, r.Status, r.Digest)
			}
			per[r.Builder]++
			got[r.Service] = r.Builder
		}
		for b, c := range per {
			if c > limit {
				t.Errorf("run %d: daemon %s took %d builds, over the bound %d", run, b, c, limit)
			}
		}
		if len(per) < 2 {
			t.Errorf("run %d: every build on one daemon: %v", run, per)
		}
		t.Logf("run %d: builds per daemon %v", run, per)
		if run == 0 {
			first = got
		} else {
			for s, b := range first {
				if got[s] != b {
					t.Errorf("%s: built on %s from the first checkout, on %s from the clone", s, b, got[s])
				}
			}
		}
	}
}
