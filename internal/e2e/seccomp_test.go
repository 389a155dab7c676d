package e2e

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/deploy"
	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/verify"
	"github.com/slipway/slipway/templates"
)

// seccompExamples are the examples TestSeccompLearn hardens. Each costs a
// build (cached after the first) and four runs under runc.
var seccompExamples = []string{"go", "node", "python", "rust", "java"}

// TestSeccompLearn is issue 11's proof for the Go, Node and Python
// examples: verify --learn records the service, writes a profile whose
// default action is an error and which allows far fewer calls than the
// kernel has, the enforced second run passes, and the same profile without
// one observed call (bind) fails the enforced run, which names bind.
func TestSeccompLearn(t *testing.T) {
	labtest.NeedRootAndRunc(t)
	ctx, cl, set := labBuilder(t, 40*time.Minute)
	for _, name := range seccompExamples {
		t.Run(name, func(t *testing.T) {
			dir, img := buildExample(ctx, t, cl, set, name)
			cfg := filepath.Join(dir, "slipway.toml")
			profile := filepath.Join(dir, "deploy", "seccomp.json")
			start := time.Now()
			l, err := verify.Learn(ctx, verify.Options{Image: img, Config: cfg, Timeout: time.Minute}, profile)
			if err != nil {
				t.Fatalf("learn: %v", err)
			}
			logReport(t, "recording", l.Recording)
			if l.Enforced != nil {
				logReport(t, "enforced", l.Enforced)
			}
			if !l.Proven() {
				t.Fatalf("learn did not prove a profile")
			}
			t.Logf("%s: learned and proven in %s", name, time.Since(start).Round(time.Second))
			p := l.Profile
			if p.DefaultAction != "SCMP_ACT_ERRNO" {
				t.Errorf("default action %s, want SCMP_ACT_ERRNO", p.DefaultAction)
			}
			allowed := p.Allowed()
			t.Logf("%s: %d calls allowed (%d observed), peak memory %d bytes, peak pids %d, ports %v, writable %v, refused writes %v",
				name, len(allowed), len(l.Observation.Syscalls), l.Observation.PeakMemory, l.Observation.PeakPids,
				l.Observation.Ports, l.Observation.WritableMounts, l.Observation.Refused)
			// Docker's default profile allows about 350 of the x86_64 calls;
			// a learned one must be a small fraction of the table.
			if len(allowed) == 0 || len(allowed) > 150 {
				t.Errorf("%d calls allowed, want a few dozen to 150", len(allowed))
			}
			if l.Observation.PeakMemory <= 0 || l.Observation.PeakPids <= 0 {
				t.Errorf("no peak memory or pids recorded: %+v", l.Observation)
			}
			if !slices.Contains(l.Observation.Ports, l.Recording.Port) {
				t.Errorf("listening ports %v do not hold the service's port %d", l.Observation.Ports, l.Recording.Port)
			}
			e := l.Enforced.Enforced
			if e == nil || e.MemoryLimit != l.Hardening.MemoryLimit || e.PidsLimit != l.Hardening.PidsLimit || !slices.Equal(e.Tmpfs, l.Hardening.Tmpfs) {
				t.Errorf("the enforced run applied %+v, want %+v", e, l.Hardening)
			}

			// One source of truth: the deploy files are written from this
			// learn, and a verify run confined by what compose.yaml names
			// (its seccomp file, tmpfs, limits) passes and applies exactly
			// those.
			svc, err := deploy.FromLearned(l, name, "hello-"+name+"@"+l.Enforced.Digest)
			if err != nil {
				t.Fatal(err)
			}
			files, err := deploy.Files(svc)
			if err != nil {
				t.Fatal(err)
			}
			ddir := filepath.Join(dir, "deploy")
			if _, err := deploy.Write(ddir, files, false); err != nil {
				t.Fatal(err)
			}
			hc, err := deploy.ReadHardening(ctx, filepath.Join(ddir, deploy.ComposeFile))
			if err != nil {
				t.Fatal(err)
			}
			if hc.Seccomp != profile || !slices.Equal(hc.Tmpfs, l.Hardening.Tmpfs) || hc.MemoryLimit != l.Hardening.MemoryLimit || hc.PidsLimit != l.Hardening.PidsLimit {
				t.Errorf("compose.yaml names %+v, the enforced run applied %+v", hc, l.Hardening)
			}
			deployed, err := verify.LoadProfile(hc.Seccomp)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(deployed.Allowed(), allowed) {
				t.Errorf("deploy/seccomp.json allows %v, the proven profile %v", deployed.Allowed(), allowed)
			}
			r3, err := verify.Run(ctx, verify.Options{Image: img, Config: cfg, Timeout: time.Minute, Harden: hc})
			if err != nil {
				t.Fatal(err)
			}
			if r3.Failed() {
				logReport(t, "as compose.yaml names", r3)
				t.Errorf("the run confined as compose.yaml names failed")
			}
			if e := r3.Enforced; e == nil || e.Seccomp != profile || e.MemoryLimit != hc.MemoryLimit || e.PidsLimit != hc.PidsLimit || !slices.Equal(e.Tmpfs, hc.Tmpfs) || e.NoFile != verify.NoFile {
				t.Errorf("the run applied %+v, compose.yaml names %+v", e, hc)
			}

			// Too tight: the same profile without bind.
			if !slices.Contains(allowed, "bind") {
				t.Fatalf("bind not observed: %v", allowed)
			}
			tf := writeWithout(t, p, "bind")
			h := l.Hardening
			h.Seccomp = tf
			r, err := verify.Run(ctx, verify.Options{Image: img, Config: cfg, Timeout: 20 * time.Second, Harden: h})
			if err != nil {
				t.Fatalf("enforcing the tight profile: %v", err)
			}
			logReport(t, "tight", r)
			row := r.Row(verify.CheckSeccomp)
			if !r.Failed() || row == nil || row.Status != verify.Fail || !strings.Contains(row.Detail, "bind") {
				t.Errorf("a profile without bind: want a failed run whose seccomp row names bind, got %+v", row)
			}
		})
	}
}

// buildExample renders and builds the example called name into an OCI
// tarball and returns its directory and the tarball.
func buildExample(ctx context.Context, t *testing.T, cl *build.Client, set *templates.Set, name string) (string, string) {
	t.Helper()
	ex, ok := examples.Get(name)
	if !ok {
		t.Fatalf("no example %s", name)
	}
	dir := renderExample(t, set, ex)
	img := filepath.Join(t.TempDir(), ex.Name+".tar")
	var progress strings.Builder
	if _, err := cl.Build(ctx, build.Options{
		ContextDir: dir, Secrets: ex.Secrets, RequiredSecrets: ex.SecretIDs(),
		Outputs: []build.Output{{Type: "oci", Dest: img}}, Progress: "plain", ProgressOut: &progress,
	}); err != nil {
		t.Fatalf("build: %v\n%s", err, textsafe.Tail(progress.String(), 40))
	}
	return dir, img
}

func logReport(t *testing.T, what string, r *verify.Report) {
	t.Helper()
	var b strings.Builder
	_ = r.WriteTable(&b)
	t.Logf("%s run:\n%s", what, b.String())
}

// writeWithout writes profile p without the call name to a file of the
// test's and returns its path: a profile one observed call too tight.
func writeWithout(t *testing.T, p *verify.Profile, name string) string {
	t.Helper()
	b, err := p.Without(name).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tf := filepath.Join(t.TempDir(), "tight.json")
	if err := os.WriteFile(tf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return tf
}
