package golden

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// graphSpecs is base -> {python -> app, postgres}, and static on its own.
func graphSpecs() map[string]string {
	user := "\n[user]\nname = \"app\"\nuid = 10001\n"
	keepShell := "\n[hardening]\nremove_shells = false\nremove_package_manager = false\n"
	return map[string]string{
		"base.toml":     "name = \"base\"\nfrom = \"docker.io/library/debian:bookworm-slim\"\n" + user + keepShell,
		"static.toml":   "name = \"static\"\nfrom = \"docker.io/library/debian:bookworm-slim\"\nkeep = [\"/tmp\"]\n" + user,
		"python.toml":   "name = \"python\"\nfrom = \"golden:base\"\n[packages]\napt = [\"python3-minimal\"]\n" + keepShell,
		"app.toml":      "name = \"app\"\nfrom = \"golden:python\"\n",
		"postgres.toml": "name = \"postgres\"\nfrom = \"golden:base\"\n[packages]\napt = [\"postgresql-15\"]\n",
	}
}

func fakeBuild(t *testing.T, dir string, b *fakeBuilder, reg *fakeRegistry, mod func(*BuildOptions)) (*Summary, error) {
	t.Helper()
	o := BuildOptions{
		Dir: dir, Registry: "registry.test/platform", Builder: b, Images: reg,
		Now: func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) },
	}
	if mod != nil {
		mod(&o)
	}
	return Build(context.Background(), o)
}

func TestBuildOrdersAndPinsParents(t *testing.T) {
	dir := writeSpecs(t, graphSpecs())
	reg := newFakeRegistry()
	b := &fakeBuilder{t: t, reg: reg}
	sum, err := fakeBuild(t, dir, b, reg, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, sum)
	}
	pos := map[string]int{}
	for i, tag := range b.built {
		pos[strings.TrimSuffix(strings.TrimPrefix(tag, "registry.test/platform/golden/"), ":latest")] = i
	}
	for child, parent := range map[string]string{"python": "base", "postgres": "base", "app": "python"} {
		if pos[child] < pos[parent] {
			t.Errorf("%s was built before its parent %s: %v", child, parent, b.built)
		}
	}
	lock, err := ReadLock(filepath.Join(dir, LockFileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(lock.Images) != 5 {
		t.Fatalf("lock has %d images, want 5", len(lock.Images))
	}
	// A child's FROM is its parent's just-built digest.
	base := lock.Entry("base")
	if got := b.froms["registry.test/platform/golden/python:latest"]; got != base.Ref() {
		t.Errorf("python built FROM %s, want %s", got, base.Ref())
	}
	if lock.Entry("python").BaseDigest != base.Digest {
		t.Errorf("python's base_digest %s, want %s", lock.Entry("python").BaseDigest, base.Digest)
	}
	if got := b.froms["registry.test/platform/golden/base:latest"]; got != "docker.io/library/debian:bookworm-slim@"+digestOf("debian-1") {
		t.Errorf("base built FROM %s, want the resolved digest", got)
	}
	for _, r := range sum.Results {
		if r.Outcome != Built || !r.Changed {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	if base.User != "10001:10001" || !base.Shell || lock.Entry("static").Shell {
		t.Errorf("lock user/shell facts wrong: base %+v static %+v", base, lock.Entry("static"))
	}
}

func TestRebuildIsStableAndKeepsTheLock(t *testing.T) {
	dir := writeSpecs(t, graphSpecs())
	reg := newFakeRegistry()
	b := &fakeBuilder{t: t, reg: reg}
	if _, err := fakeBuild(t, dir, b, reg, nil); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(dir, LockFileName))
	sum, err := fakeBuild(t, dir, b, reg, func(o *BuildOptions) {
		o.Now = func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
	})
	if err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(dir, LockFileName))
	if !bytes.Equal(first, second) {
		t.Errorf("an unchanged rebuild rewrote the lock:\n%s\n---\n%s", first, second)
	}
	for _, r := range sum.Results {
		if r.Changed {
			t.Errorf("%s changed digest on an unchanged rebuild", r.Name)
		}
	}
}

func TestFailureStopsOnlyDependants(t *testing.T) {
	dir := writeSpecs(t, graphSpecs())
	reg := newFakeRegistry()
	b := &fakeBuilder{t: t, reg: reg}
	if _, err := fakeBuild(t, dir, b, reg, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := ReadLock(filepath.Join(dir, LockFileName))
	// Change base (so everything rebuilds with new digests) and break python.
	os.WriteFile(filepath.Join(dir, "base.toml"), []byte(graphSpecs()["base.toml"]+"\n[env]\nLANG = \"C.UTF-8\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "python.toml"), []byte(strings.Replace(graphSpecs()["python.toml"], "python3-minimal", "python3-nosuchpackage", 1)), 0o644)
	b.fail = []string{"python3-nosuchpackage"}
	sum, err := fakeBuild(t, dir, b, reg, nil)
	var be *BuildError
	if !errors.As(err, &be) {
		t.Fatalf("want a *BuildError, got %v", err)
	}
	got := map[string]Result{}
	for _, r := range sum.Results {
		got[r.Name] = r
	}
	if got["python"].Outcome != Failed || !strings.Contains(got["python"].Reason, "python3-nosuchpackage") {
		t.Errorf("python: %+v", got["python"])
	}
	if got["app"].Outcome != Skipped || !strings.Contains(got["app"].Reason, "golden:python failed") {
		t.Errorf("app: %+v", got["app"])
	}
	for _, n := range []string{"base", "postgres", "static"} {
		if got[n].Outcome != Built {
			t.Errorf("%s should still build: %+v", n, got[n])
		}
	}
	if !strings.Contains(err.Error(), "python") || !strings.Contains(err.Error(), "app") {
		t.Errorf("error does not name the failed and skipped images: %v", err)
	}
	if !strings.Contains(sum.String(), "failed") || !strings.Contains(sum.String(), "skipped") {
		t.Errorf("summary:\n%s", sum)
	}
	after, _ := ReadLock(filepath.Join(dir, LockFileName))
	for _, n := range []string{"python", "app"} {
		a, b := after.Entry(n), before.Entry(n)
		if a.Digest != b.Digest || a.SpecHash != b.SpecHash || !a.BuiltAt.Equal(b.BuiltAt) {
			t.Errorf("%s's lock entry changed though it did not build", n)
		}
	}
	if after.Entry("base").Digest == before.Entry("base").Digest {
		t.Error("base was rebuilt with a new spec but its lock entry kept the old digest")
	}
}

func TestErrorsBeforeAnythingBuilds(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"cycle": {
			"a.toml": "name = \"a\"\nfrom = \"golden:b\"\n",
			"b.toml": "name = \"b\"\nfrom = \"golden:a\"\n",
		},
		"unknown golden": {
			"a.toml": "name = \"a\"\nfrom = \"golden:nosuch\"\n",
		},
		"unresolvable base": {
			"a.toml": "name = \"a\"\nfrom = \"docker.io/library/nosuch:1\"\n[user]\nname = \"app\"\nuid = 10001\n",
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeSpecs(t, files)
			reg := newFakeRegistry()
			b := &fakeBuilder{t: t, reg: reg}
			_, err := fakeBuild(t, dir, b, reg, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if len(b.built) > 0 {
				t.Errorf("built %v before reporting: %v", b.built, err)
			}
			if !strings.Contains(err.Error(), "a.toml:2: from:") {
				t.Errorf("error does not point at the from line: %v", err)
			}
			if _, statErr := os.Stat(filepath.Join(dir, LockFileName)); statErr == nil {
				t.Error("a lock was written")
			}
		})
	}
}

func TestJobsBoundConcurrency(t *testing.T) {
	files := map[string]string{}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		files[n+".toml"] = "name = \"" + n + "\"\nfrom = \"docker.io/library/debian:bookworm-slim\"\n[user]\nname = \"app\"\nuid = 10001\n"
	}
	for _, jobs := range []int{1, 3} {
		dir := writeSpecs(t, files)
		reg := newFakeRegistry()
		b := &fakeBuilder{t: t, reg: reg, delay: 30 * time.Millisecond}
		if _, err := fakeBuild(t, dir, b, reg, func(o *BuildOptions) { o.Jobs = jobs }); err != nil {
			t.Fatal(err)
		}
		if b.maxActive != jobs {
			t.Errorf("--jobs %d: at most %d builds ran at once, want exactly %d", jobs, b.maxActive, jobs)
		}
	}
}

func TestCheckReasons(t *testing.T) {
	dir := writeSpecs(t, graphSpecs())
	reg := newFakeRegistry()
	b := &fakeBuilder{t: t, reg: reg}
	ctx := context.Background()
	st, err := Check(ctx, dir, reg)
	if err != nil {
		t.Fatal(err)
	}
	if !AnyStale(st) || !strings.Contains(st[0].Reasons[0], "never built") {
		t.Fatalf("before any build: %+v", st)
	}
	if _, err := fakeBuild(t, dir, b, reg, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ = Check(ctx, dir, reg); AnyStale(st) {
		t.Fatalf("stale right after a build: %+v", st)
	}
	// A spec edit makes that image stale, with its reason.
	os.WriteFile(filepath.Join(dir, "static.toml"), []byte(graphSpecs()["static.toml"]+"\n[env]\nTZ = \"UTC\"\n"), 0o644)
	st, _ = Check(ctx, dir, reg)
	assertStale(t, st, map[string]string{"static": "spec changed"})
	// The base moving upstream makes every image FROM it stale.
	reg.bases["docker.io/library/debian:bookworm-slim"] = digestOf("debian-2")
	st, _ = Check(ctx, dir, reg)
	assertStale(t, st, map[string]string{"static": "moved upstream", "base": "moved upstream"})
	// --stale rebuilds base and static, and python, app, postgres built FROM base.
	b.built = nil
	if _, err := fakeBuild(t, dir, b, reg, func(o *BuildOptions) { o.Stale = true }); err != nil {
		t.Fatal(err)
	}
	if len(b.built) != 5 {
		t.Errorf("--stale built %v, want all 5", b.built)
	}
	if st, _ = Check(ctx, dir, reg); AnyStale(st) {
		t.Fatalf("stale after --stale: %+v", st)
	}
	// Rebuilding only base makes its children stale: their parent was rebuilt.
	os.WriteFile(filepath.Join(dir, "base.toml"), []byte(graphSpecs()["base.toml"]+"\n[env]\nLANG = \"C.UTF-8\"\n"), 0o644)
	b.built = nil
	if _, err := fakeBuild(t, dir, b, reg, func(o *BuildOptions) { o.Names = []string{"base"} }); err != nil {
		t.Fatal(err)
	}
	st, _ = Check(ctx, dir, reg)
	assertStale(t, st, map[string]string{"python": "golden parent base was rebuilt", "postgres": "golden parent base was rebuilt"})
	// and --stale rebuilds exactly those and what depends on them.
	b.built = nil
	if _, err := fakeBuild(t, dir, b, reg, func(o *BuildOptions) { o.Stale = true }); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(b.built, " "); strings.Contains(got, "/base:") || strings.Contains(got, "/static:") || len(b.built) != 3 {
		t.Errorf("--stale built %v, want python, app and postgres", b.built)
	}
}

func assertStale(t *testing.T, st []Status, want map[string]string) {
	t.Helper()
	for _, s := range st {
		reason, stale := want[s.Name]
		if stale != !s.Current {
			t.Errorf("%s: current=%v, want stale=%v (%v)", s.Name, s.Current, stale, s.Reasons)
			continue
		}
		if stale && !strings.Contains(strings.Join(s.Reasons, "; "), reason) {
			t.Errorf("%s: reasons %v, want one with %q", s.Name, s.Reasons, reason)
		}
	}
}

func TestSummaryShortensFailedSteps(t *testing.T) {
	long := `build failed: process "/bin/sh -c set -eux;     apt-get update;     DEBIAN_FRONTEND=noninteractive apt-get install -y python3-minimal slipway-no-such-package; rm -rf /var/lib/apt/lists/*" did not complete successfully: exit code: 100`
	s := &Summary{Results: []Result{{Name: "python", Outcome: Failed, Reason: long}}}
	got := s.String()
	if strings.Contains(got, "rm -rf") || !strings.Contains(got, "exit code: 100") || !strings.Contains(got, `process "/bin/sh -c set -eux;`) {
		t.Errorf("summary line: %s", got)
	}
}
