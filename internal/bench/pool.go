package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/internal/pool"
)

// The pool section builds a batch of tiny services (FROM scratch, a static
// CPU-burning Go binary and a nonce copied in, one exec-form RUN of the
// binary) over 1 daemon and over 3, then rebuilds the batch unchanged with
// the pool's sticky keys and with a random daemon per build.
const (
	poolServices = 9
	poolDaemons  = 3
	// poolBurn is the CPU time each build's RUN step spends.
	poolBurn = 500 * time.Millisecond
)

// burnSource spends the CPU time in os.Args[1] (user+system time of the
// process, not wall time: on a busy machine it takes longer), then writes
// os.Args[2].
const burnSource = `package main

import (
	"crypto/sha256"
	"os"
	"syscall"
	"time"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	d, _ := time.ParseDuration(os.Args[1])
	sum := sha256.Sum256(nil)
	for cpu() < d {
		for i := 0; i < 20000; i++ {
			sum = sha256.Sum256(sum[:])
		}
	}
	_ = os.WriteFile(os.Args[2], sum[:], 0o644)
}
`

func runPool(ctx context.Context, env *Env) (*Result, error) {
	bin, err := buildBurner(ctx, env)
	if err != nil {
		return nil, err
	}
	addrs, stop, err := poolDaemonsFor(ctx, env)
	if err != nil {
		return nil, err
	}
	defer stop()

	// 1 vs 3 daemons: the same batch, fresh sources each time (no cache).
	wall := map[int]time.Duration{}
	for _, k := range []int{1, poolDaemons} {
		repo, err := poolBatch(env, fmt.Sprintf("pool-%d", k), bin)
		if err != nil {
			return nil, err
		}
		p, err := pool.New(addrs[:k], dialer, pool.Options{})
		if err != nil {
			return nil, err
		}
		env.Logf("pool: %d builds over %d daemon(s)", poolServices, k)
		start := time.Now()
		outs, err := runBatch(ctx, p, repo, poolServices)
		p.Close()
		if err != nil {
			return nil, err
		}
		wall[k] = time.Since(start)
		if len(outs) != poolServices {
			return nil, fmt.Errorf("pool: %d of %d builds reported", len(outs), poolServices)
		}
	}

	// Warm rebuilds: one cold batch on the pool, then the same sources
	// rebuilt, once placed by the sticky key and once on a random daemon.
	repo, err := poolBatch(env, "pool-warm", bin)
	if err != nil {
		return nil, err
	}
	p, err := pool.New(addrs, dialer, pool.Options{})
	if err != nil {
		return nil, err
	}
	defer p.Close()
	env.Logf("pool: cold batch for the warm rebuilds")
	if _, err := runBatch(ctx, p, repo, poolServices); err != nil {
		return nil, err
	}
	env.Logf("pool: warm rebuild, sticky keys")
	start := time.Now()
	sticky, err := runBatch(ctx, p, repo, poolServices)
	if err != nil {
		return nil, err
	}
	stickyWall := time.Since(start)
	env.Logf("pool: warm rebuild, a random daemon per build")
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 13))
	start = time.Now()
	random := make([][]stepCount, poolServices)
	errs := make([]error, poolServices)
	var wg sync.WaitGroup
	for i := range poolServices {
		addr := addrs[rng.IntN(len(addrs))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			one, err := pool.New([]string{addr}, dialer, pool.Options{Retries: -1})
			if err != nil {
				errs[i] = err
				return
			}
			defer one.Close()
			random[i], errs[i] = runBatchFrom(ctx, one, repo, i, i+1)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	randomWall := time.Since(start)

	hits := func(cs []stepCount) (cached, total, full int) {
		for _, c := range cs {
			cached += c.cached
			total += c.total
			if c.total > 0 && c.cached == c.total {
				full++
			}
		}
		return
	}
	sc, st, sf := hits(sticky)
	rc, rt, rf := hits(slices.Concat(random...))
	perBuild := func(c int) string { return fmt.Sprintf("%.2f", float64(c)/float64(poolServices)) }
	cores := runtime.NumCPU()
	cpuFloor := time.Duration(poolServices) * poolBurn / time.Duration(cores)
	res := &Result{
		Tables: []Table{
			{
				Title:  fmt.Sprintf("%d builds, each a %s CPU-bound RUN step, over 1 vs %d daemons", poolServices, poolBurn, poolDaemons),
				Header: []string{"daemons", "wall time", "vs 1 daemon"},
				Rows: [][]string{
					{"1", secs(wall[1]), "1.00x"},
					{fmt.Sprint(poolDaemons), secs(wall[poolDaemons]), ratio(wall[poolDaemons].Seconds(), wall[1].Seconds())},
					{fmt.Sprintf("CPU floor (%d x %s / %d cores)", poolServices, poolBurn, cores), secs(cpuFloor), ratio(cpuFloor.Seconds(), wall[1].Seconds())},
				},
			},
			{
				Title:  fmt.Sprintf("warm rebuild of the same %d services (no change) over %d daemons", poolServices, poolDaemons),
				Header: []string{"placement", "builds fully cached", "cached steps / steps", "cache hits per build", "wall time"},
				Rows: [][]string{
					{"sticky key (slipway)", fmt.Sprintf("%d/%d", sf, poolServices), fmt.Sprintf("%d/%d", sc, st), perBuild(sc), secs(stickyWall)},
					{"random daemon", fmt.Sprintf("%d/%d", rf, poolServices), fmt.Sprintf("%d/%d", rc, rt), perBuild(rc), secs(randomWall)},
					{"sticky / random", ratio(float64(sf), float64(rf)), "", ratio(float64(sc), float64(rc)), ratio(stickyWall.Seconds(), randomWall.Seconds())},
				},
			},
		},
		Notes: []string{
			fmt.Sprintf("All %d daemons run on this one machine (%d CPU cores, shared with whatever else runs; see the load average): a CPU-bound batch is bounded by the cores (the CPU floor row), not by the daemons, since one buildkitd already runs the builds of a batch concurrently; the pool pays off when its daemons are separate machines.", poolDaemons, cores),
			"The warm rebuild uses no registry cache: a random daemon re-runs a service's own steps (its RUN) unless it happens to be the daemon that built the service before (about one in three), though steps every service shares (COPY of the same binary) hit on any daemon; with cache_registry in the team file a cold daemon imports the layers instead, at the price of pulling them.",
		},
	}
	return res, nil
}

var dialer pool.Dialer = func(ctx context.Context, addr string) (pool.Daemon, error) {
	return build.Connect(ctx, build.ConnectOptions{Addr: addr})
}

// poolDaemonsFor starts poolDaemons daemons of the bench's own, on
// scratch roots, stopped at the end: the lab's own daemons may be building
// for someone else, which would weigh on the 1-daemon run alone.
func poolDaemonsFor(ctx context.Context, env *Env) ([]string, func(), error) {
	var ds []*lab.Daemon
	var dirs []string
	stop := func() {
		for _, d := range ds {
			_ = d.Remove()
		}
		for _, d := range dirs {
			_ = os.RemoveAll(d)
		}
	}
	var addrs []string
	for range poolDaemons {
		dir, err := os.MkdirTemp("", "slbench-")
		if err != nil {
			stop()
			return nil, nil, err
		}
		dirs = append(dirs, dir)
		d, err := env.Lab.StartDaemon(ctx, dir)
		if err != nil {
			stop()
			return nil, nil, err
		}
		ds = append(ds, d)
		addrs = append(addrs, d.Addr)
	}
	env.Logf("pool: started %d daemons of its own beside the lab's", poolDaemons)
	return addrs, stop, nil
}

func buildBurner(ctx context.Context, env *Env) ([]byte, error) {
	dir, err := env.Mkdir("pool", "burn-src")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(burnSource), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module burn\n\ngo 1.22\n"), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", "burn", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the pool's burner: %v\n%s", err, out)
	}
	return os.ReadFile(filepath.Join(dir, "burn"))
}

// poolBatch writes poolServices services with fresh nonces under
// work/pool/name/services and returns that folder.
func poolBatch(env *Env, name string, bin []byte) (string, error) {
	root, err := env.Mkdir("pool", name)
	if err != nil {
		return "", err
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tag := hex.EncodeToString(b)
	for i := range poolServices {
		dir := filepath.Join(root, "services", fmt.Sprintf("svc%02d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		df := fmt.Sprintf("FROM scratch\nCOPY burn /burn\nCOPY nonce.txt /nonce.txt\nRUN [\"/burn\", %q, \"/done\"]\nUSER 65532\n", poolBurn)
		for f, body := range map[string][]byte{"Dockerfile": []byte(df), "burn": bin, "nonce.txt": []byte(fmt.Sprintf("%s-%d\n", tag, i))} {
			if err := os.WriteFile(filepath.Join(dir, f), body, 0o755); err != nil {
				return "", err
			}
		}
	}
	return root, nil
}

type stepCount struct{ total, cached int }

func runBatch(ctx context.Context, p *pool.Pool, repo string, n int) ([]stepCount, error) {
	return runBatchFrom(ctx, p, repo, 0, n)
}

// runBatchFrom builds services from..to-1 of repo as one batch on p. The
// key is the service's path under the batch (the bench's folders are not
// a git repository).
func runBatchFrom(ctx context.Context, p *pool.Pool, repo string, from, to int) ([]stepCount, error) {
	var jobs []pool.Job
	logs := map[string]*bytes.Buffer{}
	for i := from; i < to; i++ {
		svc := fmt.Sprintf("svc%02d", i)
		dir := filepath.Join(repo, "services", svc)
		logs[svc] = &bytes.Buffer{}
		epoch := int64(0)
		jobs = append(jobs, pool.Job{
			Name: svc,
			Key:  pool.Key{Repo: "bench:" + filepath.Base(repo), Path: "services/" + svc},
			Options: build.Options{
				ContextDir: dir, Dockerfile: filepath.Join(dir, "Dockerfile"), SourceDateEpoch: &epoch,
				Progress: "plain", ProgressOut: logs[svc],
			},
		})
	}
	var out []stepCount
	for _, o := range p.Run(ctx, jobs, len(jobs)) {
		if o.Err != nil {
			return nil, fmt.Errorf("pool build %s on %s: %w", o.Name, o.Builder, o.Err)
		}
		t, c := countSteps(logs[o.Name].String())
		out = append(out, stepCount{total: t, cached: c})
	}
	return out, nil
}
