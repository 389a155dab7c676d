package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	controlapi "github.com/moby/buildkit/api/services/control"
	bkclient "github.com/moby/buildkit/client"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/pool"
	"github.com/slipway/slipway/internal/testkit"
	"github.com/slipway/slipway/internal/textsafe"
)

// The pool's lab tests build tiny services: FROM scratch, a static Go
// "sleeper" binary and a nonce file copied in, and one exec-form RUN of the
// sleeper (no shell, no base image to pull), so a build lasts as long as
// the test wants and a rebuild's cache hits can be counted.

var sleeper = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "slipway-sleeper-")
	if err != nil {
		return "", err
	}
	src := "package main\n\nimport (\n\t\"os\"\n\t\"time\"\n)\n\nfunc main() {\n\td, _ := time.ParseDuration(os.Args[1])\n\ttime.Sleep(d)\n\t_ = os.WriteFile(os.Args[2], []byte(\"done\\n\"), 0o644)\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module sleeper\n\ngo 1.22\n"), 0o644); err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", "sleeper", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the sleeper: %v\n%s", err, out)
	}
	return filepath.Join(dir, "sleeper"), nil
})

func nonce(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// poolRepo writes a git repository of n services under services/, each
// sleeping d in its RUN step, and returns its folder.
func poolRepo(t *testing.T, n int, d time.Duration) string {
	t.Helper()
	bin, err := sleeper()
	if err != nil {
		t.Fatal(err)
	}
	sb, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "shop")
	tag := nonce(t)
	for i := range n {
		dir := filepath.Join(root, "services", fmt.Sprintf("svc%02d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		df := fmt.Sprintf("FROM scratch\nCOPY sleeper /sleeper\nCOPY nonce.txt /nonce.txt\nRUN [\"/sleeper\", %q, \"/done\"]\nUSER 65532\n", d.String())
		for name, body := range map[string][]byte{"Dockerfile": []byte(df), "sleeper": sb, "nonce.txt": []byte(tag + fmt.Sprint(i) + "\n")} {
			if err := os.WriteFile(filepath.Join(dir, name), body, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	gitRun(t, root, "init", "-q", "-b", "main")
	gitRun(t, root, "add", "-A")
	gitRun(t, root, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "shop")
	gitRun(t, root, "remote", "add", "origin", "https://git.example.com/acme/shop-"+tag+".git")
	return root
}

func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// clone checks the repository out again at another path, as another CI
// runner would, with the same origin.
func clone(t *testing.T, repo string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "runner-b", "work", "shop")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "-C", repo, "remote", "get-url", "origin").Output()
	if err != nil {
		t.Fatal(err)
	}
	gitRun(t, filepath.Dir(dst), "clone", "-q", repo, dst)
	gitRun(t, dst, "remote", "set-url", "origin", strings.TrimSpace(string(out)))
	return dst
}

// privateDaemons starts n buildkitd daemons of the test's own beside the
// lab's, on roots that are removed when the test ends, so that the test
// may kill or prune them.
func privateDaemons(t *testing.T, l *lab.Lab, n int) []*lab.Daemon {
	t.Helper()
	var ds []*lab.Daemon
	for i := range n {
		dir, err := os.MkdirTemp("", "slpool-")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		d, err := l.StartDaemon(ctx, dir)
		cancel()
		if err != nil {
			t.Fatalf("daemon %d: %v", i, err)
		}
		t.Cleanup(func() {
			if err := d.Remove(); err != nil {
				t.Logf("removing %s: %v", dir, err)
			}
		})
		ds = append(ds, d)
	}
	return ds
}

func addrsOf(ds []*lab.Daemon) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Addr)
	}
	return out
}

var reBuiltOn = regexp.MustCompile(`(?m)^builder: (\S+) built on (\S+)$`)

// buildAll runs `slipway build` on every service of repo at once, each
// with --builder for every address, and returns the exit codes and
// stderr texts by service folder.
func buildAll(t *testing.T, ctx context.Context, repo string, addrs []string, extra ...string) (map[string]int, map[string]string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(repo, "services"))
	if err != nil {
		t.Fatal(err)
	}
	codes, errs := map[string]int{}, map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, e := range ents {
		svc := e.Name()
		args := []string{filepath.Join(repo, "services", svc), "--source-date-epoch", "0"}
		for _, a := range addrs {
			args = append(args, "--builder", a)
		}
		args = append(args, extra...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _, stderr := runBuild(t, ctx, args...)
			mu.Lock()
			codes[svc], errs[svc] = code, stderr
			mu.Unlock()
		}()
	}
	wg.Wait()
	return codes, errs
}

// cachedSteps counts the Dockerfile steps ("[2/4] COPY ...") that
// BuildKit's rawjson progress reports as cached, and all steps.
func cachedSteps(t *testing.T, progress string) (cached, steps int) {
	t.Helper()
	seen := map[string]bool{}
	hit := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(progress))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var st bkclient.SolveStatus
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			if !strings.HasPrefix(v.Name, "[") || strings.Contains(v.Name, "internal]") || strings.Contains(v.Name, "FROM") {
				continue
			}
			seen[v.Name] = true
			if v.Cached {
				hit[v.Name] = true
			}
		}
	}
	return len(hit), len(seen)
}

// Builds of a monorepo's 8 services, run as one batch on the pool (as
// build --all does), spread over 3 daemons by the stable key with bounded
// load (none takes more than ceil(1.25*8/3) = 4), and land on the same
// daemons when built again from another checkout at another path, where
// every step is then a cache hit of that daemon. A single slipway build
// of a service, with --builder, goes to the same daemon as the batch put it
// on when the batch was within the bound for it.
func TestPoolSpreadsByStableKeyLab(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	addrs := threeDaemons(t, l)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const n = 8
	repo := poolRepo(t, n, 10*time.Millisecond)
	where := map[string]string{}
	limit := pool.Cap(pool.DefaultBalance, n, len(addrs))
	for run, dir := range []string{repo, clone(t, repo)} {
		p, err := pool.New(addrs, poolDialer(build.ConnectOptions{}), pool.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var jobs []pool.Job
		progress := map[string]*bytes.Buffer{}
		for i := range n {
			svc := fmt.Sprintf("svc%02d", i)
			sd := filepath.Join(dir, "services", svc)
			k, err := pool.ServiceKey(sd, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			progress[svc] = &bytes.Buffer{}
			epoch := int64(0)
			jobs = append(jobs, pool.Job{Name: svc, Key: k, Options: build.Options{
				ContextDir: sd, Dockerfile: filepath.Join(sd, "Dockerfile"), SourceDateEpoch: &epoch,
				Progress: "rawjson", ProgressOut: progress[svc],
			}})
		}
		per := map[string]int{}
		for _, o := range p.Run(ctx, jobs, 4) {
			if o.Err != nil {
				t.Fatalf("run %d: %s: %v", run, o.Name, o.Err)
			}
			per[o.Builder]++
			if run == 0 {
				where[o.Name] = o.Builder
				continue
			}
			if where[o.Name] != o.Builder {
				t.Errorf("%s: built on %s from the first checkout, on %s from the second", o.Name, where[o.Name], o.Builder)
			}
			if c, s := cachedSteps(t, progress[o.Name].String()); s == 0 || c != s {
				t.Errorf("%s: %d of %d steps cached on its sticky daemon; want all", o.Name, c, s)
			}
		}
		p.Close()
		for d, c := range per {
			if c > limit {
				t.Errorf("run %d: %s took %d of %d builds; the bound is %d", run, d, c, n, limit)
			}
		}
		if len(per) < 2 {
			t.Errorf("run %d: all %d services built on one daemon: %v", run, n, per)
		}
		t.Logf("run %d: builds per daemon %v (bound %d)", run, per, limit)
	}
	// The CLI places one service alone by the same ring: where its key's
	// home is, unless the batch bound moved it.
	ring := pool.NewRing(addrs)
	cli := false
	for svc, d := range where {
		k, err := pool.ServiceKey(filepath.Join(repo, "services", svc), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if ring.Order(k.String())[0] != d {
			continue // moved by the bound
		}
		code, _, stderr := runBuild(t, ctx, filepath.Join(repo, "services", svc), "--source-date-epoch", "0",
			"--builder", addrs[0], "--builder", addrs[1], "--builder", addrs[2], "--progress", "rawjson")
		m := reBuiltOn.FindStringSubmatch(stderr)
		if code != 0 || m == nil || m[2] != d {
			t.Fatalf("slipway build %s: exit %d, built on %v, want %s:\n%s", svc, code, m, d, textsafe.Tail(stderr, 10))
		}
		if c, s := cachedSteps(t, stderr); c != s {
			t.Errorf("slipway build %s: %d of %d steps cached", svc, c, s)
		}
		cli = true
		break
	}
	if !cli {
		t.Error("every service was moved by the bound: the first key placed always gets its home")
	}
}

// Killing a daemon of the pool mid-run leaves every build finished: the
// builds it was running are retried once on another daemon, each named,
// and every slipway build exits 0.
func TestPoolSurvivesADaemonKilledMidRunLab(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ds := privateDaemons(t, l, 3)
	addrs := addrsOf(ds)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const n = 8
	repo := poolRepo(t, n, 6*time.Second)
	// Kill the daemon that is home to the most services.
	ring := pool.NewRing(addrs)
	homes := map[string][]string{}
	for i := range n {
		svc := fmt.Sprintf("svc%02d", i)
		k, err := pool.ServiceKey(filepath.Join(repo, "services", svc), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		h := ring.Order(k.String())[0]
		homes[h] = append(homes[h], svc)
	}
	var doomed *lab.Daemon
	for _, d := range ds {
		if doomed == nil || len(homes[d.Addr]) > len(homes[doomed.Addr]) {
			doomed = d
		}
	}
	killedWith := make(chan int, 1)
	go func() {
		// Kill it once it runs every build homed on it (or, on a slow
		// machine, what it runs after a minute).
		deadline := time.Now().Add(time.Minute)
		n := 0
		for time.Now().Before(deadline) {
			if n = activeBuilds(ctx, doomed.Addr); n >= len(homes[doomed.Addr]) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		doomed.Kill()
		killedWith <- n
	}()
	start := time.Now()
	codes, errs := buildAll(t, ctx, repo, addrs, "--progress", "plain")
	active := <-killedWith
	retried, failedOver := 0, 0
	for svc, code := range codes {
		if code != 0 {
			t.Errorf("%s: exit %d after %s:\n%s", svc, code, time.Since(start).Round(time.Second), textsafe.Tail(errs[svc], 20))
			continue
		}
		m := reBuiltOn.FindStringSubmatch(errs[svc])
		if m == nil || m[2] == doomed.Addr {
			t.Errorf("%s: finished on %v, the killed daemon is %s", svc, m, doomed.Addr)
		}
		switch {
		case strings.Contains(errs[svc], doomed.Addr+" died mid-build; retried"):
			retried++
		case strings.Contains(errs[svc], doomed.Addr+" was down or refused; failed over"):
			failedOver++
		}
	}
	if doomed.Alive() {
		t.Fatal("the daemon was not killed")
	}
	if retried != active || retried == 0 {
		t.Errorf("%d builds named a retry; %d were running on the daemon when it was killed", retried, active)
	}
	if retried+failedOver != len(homes[doomed.Addr]) {
		t.Errorf("%d retried and %d failed over, but %d services are homed on the killed daemon (%v)", retried, failedOver, len(homes[doomed.Addr]), homes[doomed.Addr])
	}
	t.Logf("%d builds, %d retried after %s was killed, all done in %s", n, retried, doomed.Addr, time.Since(start).Round(100*time.Millisecond))
}

// A daemon whose local cache was pruned takes a service's layers from the
// registry cache the team file names: every step of the rebuild is a
// cache hit, counted from BuildKit's progress.
func TestPoolColdDaemonWarmFromRegistryCacheLab(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	d := privateDaemons(t, l, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	repo := poolRepo(t, 1, 3*time.Second)
	team := fmt.Sprintf("cache_registry = %q\n", l.Registry+"/slipway-pool-test")
	if err := os.WriteFile(filepath.Join(repo, "slipway-team.toml"), []byte(team), 0o644); err != nil {
		t.Fatal(err)
	}
	svc := filepath.Join(repo, "services", "svc00")
	build := func(what string) (cached, steps int) {
		code, _, stderr := runBuild(t, ctx, svc, "--builder", d.Addr, "--progress", "rawjson", "--source-date-epoch", "0")
		if code != 0 {
			t.Fatalf("%s: exit %d:\n%s", what, code, textsafe.Tail(stderr, 20))
		}
		return cachedSteps(t, stderr)
	}
	if c, s := build("first build"); c != 0 || s < 3 {
		t.Fatalf("first build: %d of %d steps cached; want a cold build of 3 steps", c, s)
	}
	prune(t, ctx, d.Addr)
	start := time.Now()
	c, s := build("rebuild after prune")
	if c != s || s < 3 {
		t.Fatalf("rebuild on the pruned daemon: %d of %d steps cached; want every step from the registry cache", c, s)
	}
	t.Logf("pruned daemon rebuilt with %d/%d steps from the registry cache in %s (the RUN step alone sleeps 3s)", c, s, time.Since(start).Round(100*time.Millisecond))
}

// activeBuilds is how many builds the daemon at addr is running now.
func activeBuilds(ctx context.Context, addr string) int {
	c, err := bkclient.New(ctx, addr)
	if err != nil {
		return 0
	}
	defer c.Close()
	hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	r, err := c.ControlClient().ListenBuildHistory(hctx, &controlapi.BuildHistoryRequest{ActiveOnly: true, EarlyExit: true})
	if err != nil {
		return 0
	}
	n := 0
	for {
		ev, err := r.Recv()
		if err != nil {
			return n
		}
		if ev.Record != nil {
			n++
		}
	}
}

func prune(t *testing.T, ctx context.Context, addr string) {
	t.Helper()
	c, err := bkclient.New(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ch := make(chan bkclient.UsageInfo)
	go func() {
		for range ch {
		}
	}()
	if err := c.Prune(ctx, ch, bkclient.PruneAll); err != nil {
		t.Fatal(err)
	}
	close(ch)
	du, err := c.DiskUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(du) != 0 {
		t.Fatalf("%d records left after prune", len(du))
	}
}

// The split path's second half: images of two platforms pushed by digest
// (as each native daemon pushes its part) are joined into one OCI index
// under the tag. (The lab's daemons all run linux/amd64 and linux/386, as
// BuildKit lists what the host runs, so the lab cannot make a pool whose
// platforms differ; SplitByPlatform's placement is unit-tested.)
func TestPoolJoinsPlatformPartsInOneIndexLab(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d := privateDaemons(t, l, 1)[0]
	cl, err := build.Connect(ctx, build.ConnectOptions{Addr: d.Addr})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	plats, err := cl.Platforms(ctx)
	if err != nil || !slices.Contains(plats, "linux/386") {
		t.Fatalf("the daemon's platforms %v (%v); want linux/386 among them", plats, err)
	}
	svc := filepath.Join(t.TempDir(), "api")
	if err := os.MkdirAll(svc, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, body := range map[string]string{"Dockerfile": "FROM scratch\nCOPY nonce.txt /nonce.txt\nUSER 65532\n", "nonce.txt": nonce(t)} {
		if err := os.WriteFile(filepath.Join(svc, f), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tag := l.Registry + "/slipway-pool-test/split:" + nonce(t)
	ref, err := parseRef(tag)
	if err != nil {
		t.Fatal(err)
	}
	var digests []string
	for _, pl := range []string{"linux/amd64", "linux/386"} {
		epoch := int64(0)
		res, err := cl.Build(ctx, build.Options{
			ContextDir: svc, Dockerfile: filepath.Join(svc, "Dockerfile"), Platforms: []string{pl}, SourceDateEpoch: &epoch,
			Outputs:  []build.Output{{Type: build.OutputImage, Attrs: map[string]string{"name": ref.Context().Name(), "push": "true", "push-by-digest": "true"}}},
			Progress: "quiet",
		})
		if err != nil {
			t.Fatalf("%s: %v", pl, err)
		}
		digests = append(digests, res.ImageDigest)
	}
	got, err := pushIndex(ctx, ref.Context(), []string{tag}, digests)
	if err != nil {
		t.Fatal(err)
	}
	idx, im := testkit.RemoteIndex(t, ref)
	var ps []string
	for _, m := range im.Manifests {
		ps = append(ps, m.Platform.OS+"/"+m.Platform.Architecture)
	}
	if strings.Join(ps, ",") != "linux/amd64,linux/386" {
		t.Errorf("index platforms %v, want linux/amd64,linux/386", ps)
	}
	if dg, _ := idx.Digest(); dg.String() != got {
		t.Errorf("pushIndex returned %s, the tag holds %s", got, dg)
	}
}

// threeDaemons returns the addresses of three daemons: the lab's pool when
// it has three (slipway-lab up --daemons 3), else three private ones.
func threeDaemons(t *testing.T, l *lab.Lab) []string {
	t.Helper()
	addrs := l.Builders
	if len(addrs) < 3 {
		addrs = addrsOf(privateDaemons(t, l, 3))
	}
	return addrs[:3]
}
