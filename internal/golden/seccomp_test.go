package golden

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/deploy"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/testkit"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/verify"
)

// TestPostgresHardened is issue 11 for the golden postgres image: verify
// --learn records PostgreSQL starting in its data volume and answering a
// query, proves the profile enforced, and the same profile without bind
// fails the run naming bind. The deploy files keep the data VOLUME as a
// volume (compose) and a volume mount (Kubernetes), not a tmpfs.
func TestPostgresHardened(t *testing.T) {
	labtest.NeedRootAndRunc(t)
	e := newLabEnv(t)
	if sum, err := e.build(t, func(o *BuildOptions) { o.Names = []string{"base", "postgres"} }); err != nil {
		t.Fatalf("%v\n%s\nlog tail:\n%s", err, sum, textsafe.Tail(e.log.String(), 60))
	}
	lock, err := ReadLock(filepath.Join(e.dir, LockFileName))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := name.ParseReference(lock.Entry("postgres").Ref(), name.Insecure)
	img, err := remote.Image(n)
	if err != nil {
		t.Fatal(err)
	}
	dir := testkit.WriteLayout(t, filepath.Join(t.TempDir(), "layout"), img)
	const password = "golden-test-password"
	o := verify.Options{
		Image: dir, Port: 5432, TCPOnly: true, Timeout: 90 * time.Second,
		Env:  []string{"POSTGRES_PASSWORD=" + password, "PGPASSWORD=" + password},
		Exec: [][]string{{"/usr/lib/postgresql/15/bin/psql", "--host=127.0.0.1", "--port=5432", "--username=postgres", "--dbname=postgres", "--no-password", "--tuples-only", "--no-align", "--command=CREATE TABLE t(x int); INSERT INTO t VALUES (1); SELECT count(*) FROM t"}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	profile := filepath.Join(t.TempDir(), "deploy", deploy.SeccompFile)
	start := time.Now()
	l, err := verify.Learn(ctx, o, profile)
	if err != nil {
		t.Fatal(err)
	}
	for what, r := range map[string]*verify.Report{"recording": l.Recording, "enforced": l.Enforced} {
		if r != nil {
			var b strings.Builder
			_ = r.WriteTable(&b)
			t.Logf("%s run:\n%s", what, b.String())
		}
	}
	if !l.Proven() {
		t.Fatal("learn did not prove a profile for postgres")
	}
	allowed := l.Profile.Allowed()
	t.Logf("postgres: learned and proven in %s: %d calls allowed (%d observed), peak memory %d bytes, peak pids %d, ports %v, writable %v, volumes %v",
		time.Since(start).Round(time.Second), len(allowed), len(l.Observation.Syscalls), l.Observation.PeakMemory, l.Observation.PeakPids,
		l.Observation.Ports, l.Observation.WritableMounts, l.Enforced.Volumes)
	if l.Profile.DefaultAction != "SCMP_ACT_ERRNO" || len(allowed) > 150 {
		t.Errorf("default %s, %d calls allowed", l.Profile.DefaultAction, len(allowed))
	}
	svc, err := deploy.FromLearned(l, "postgres", lock.Entry("postgres").Ref())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(svc.Volumes, "/var/lib/postgresql/data") {
		t.Errorf("the data volume is not in the deploy files: %v", svc.Volumes)
	}
	if _, err := deploy.Files(svc); err != nil {
		t.Fatal(err)
	}

	b, err := l.Profile.Without("bind").Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tf := filepath.Join(t.TempDir(), "tight.json")
	if err := os.WriteFile(tf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	o.Harden = l.Hardening
	o.Harden.Seccomp = tf
	o.Timeout = 20 * time.Second
	r, err := verify.Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	row := r.Row(verify.CheckSeccomp)
	if !r.Failed() || row == nil || row.Status != verify.Fail || !strings.Contains(row.Detail, "bind") {
		t.Errorf("postgres without bind: want a failed run naming bind, got %+v", row)
	}
}
