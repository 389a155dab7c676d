package pool

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/slipway/slipway/internal/build"
)

// fakeDaemon is a daemon that records the builds it ran; lose makes a
// build fail as a dying daemon's does.
type fakeDaemon struct {
	addr  string
	plats []string
	mu    sync.Mutex
	built []string
	lose  func(o build.Options) bool
}

func (f *fakeDaemon) Build(ctx context.Context, o build.Options) (*build.Result, error) {
	if f.lose != nil && f.lose(o) {
		return nil, &build.ConnectionLostError{Addr: f.addr, Err: errors.New("error reading from server: EOF")}
	}
	f.mu.Lock()
	f.built = append(f.built, o.ContextDir)
	f.mu.Unlock()
	return &build.Result{ImageDigest: "sha256:" + strings.Repeat("a", 64)}, nil
}
func (f *fakeDaemon) Platforms(context.Context) ([]string, error) { return f.plats, nil }
func (f *fakeDaemon) Close() error                                { return nil }

type fakeFleet struct {
	daemons map[string]*fakeDaemon
	downs   map[string]bool
	dials   map[string]int
	mu      sync.Mutex
}

func newFleet(addrs ...string) *fakeFleet {
	f := &fakeFleet{daemons: map[string]*fakeDaemon{}, downs: map[string]bool{}, dials: map[string]int{}}
	for _, a := range addrs {
		f.daemons[a] = &fakeDaemon{addr: a, plats: []string{"linux/amd64"}}
	}
	return f
}

func (f *fakeFleet) dial(_ context.Context, addr string) (Daemon, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dials[addr]++
	if f.downs[addr] {
		return nil, &build.UnreachableError{Addr: addr, Err: errors.New("connection refused")}
	}
	return f.daemons[addr], nil
}

func jobs(n int) []Job {
	var js []Job
	for i := range n {
		p := fmt.Sprintf("services/svc%02d", i)
		js = append(js, Job{Name: p, Key: Key{Repo: "github.com/acme/shop", Path: p}, Options: build.Options{ContextDir: p}})
	}
	return js
}

var three = []string{"unix:///a.sock", "unix:///b.sock", "unix:///c.sock"}

func TestRingOrderListsEveryDaemonOnce(t *testing.T) {
	r := NewRing(append(three, three[0]))
	for i := range 200 {
		o := r.Order(fmt.Sprint("key", i))
		s := slices.Clone(o)
		slices.Sort(s)
		if !slices.Equal(s, three) {
			t.Fatalf("Order = %v, want a permutation of %v", o, three)
		}
	}
	// The ring depends only on the set of addresses.
	r2 := NewRing([]string{three[2], three[0], three[1]})
	for i := range 200 {
		k := fmt.Sprint("key", i)
		if !slices.Equal(r.Order(k), r2.Order(k)) {
			t.Fatalf("order of %s depends on the order addresses were given", k)
		}
	}
}

// Bounded load: over random batches, no daemon takes more than
// ceil(c*n/k), and every key is placed.
func TestAssignBoundedLoad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		k := 1 + rng.IntN(6)
		var addrs []string
		for i := range k {
			addrs = append(addrs, fmt.Sprintf("tcp://d%d:1234", i))
		}
		n := 1 + rng.IntN(60)
		var keys []string
		for i := range n {
			keys = append(keys, fmt.Sprintf("repo\x00svc%d-%d", trial, i))
		}
		c := 1 + rng.Float64()
		a := NewRing(addrs).Assign(keys, c, nil)
		if len(a) != n {
			t.Fatalf("placed %d of %d keys", len(a), n)
		}
		load := map[string]int{}
		for _, d := range a {
			load[d]++
		}
		for d, l := range load {
			if l > Cap(c, n, k) {
				t.Fatalf("trial %d: %s took %d of %d keys over %d daemons, cap %d", trial, d, l, n, k, Cap(c, n, k))
			}
		}
	}
}

// Consistency: taking a daemon out moves only the keys that lived on it.
func TestRingRemovalMovesOnlyItsKeys(t *testing.T) {
	full, less := NewRing(three), NewRing(three[:2])
	moved := 0
	for i := range 1000 {
		k := fmt.Sprint("github.com/acme/shop\x00svc", i)
		before, after := full.Order(k)[0], less.Order(k)[0]
		if before != three[2] && before != after {
			t.Fatalf("%s moved from %s to %s though %s stayed", k, before, after, before)
		}
		if before == three[2] {
			moved++
		}
	}
	if moved < 200 || moved > 470 {
		t.Errorf("the removed daemon held %d of 1000 keys; want about a third", moved)
	}
}

func TestRunSpreadsAndIsStable(t *testing.T) {
	f := newFleet(three...)
	p, err := New(three, f.dial, Options{})
	if err != nil {
		t.Fatal(err)
	}
	js := jobs(9)
	first := p.Run(context.Background(), js, 3)
	per := map[string]int{}
	for _, o := range first {
		if o.Err != nil {
			t.Fatalf("%s: %v", o.Name, o.Err)
		}
		per[o.Builder]++
	}
	if len(per) != 3 {
		t.Fatalf("9 builds used %d daemons: %v", len(per), per)
	}
	for d, n := range per {
		if n > Cap(DefaultBalance, 9, 3) {
			t.Errorf("%s took %d builds, cap %d", d, n, Cap(DefaultBalance, 9, 3))
		}
	}
	p2, _ := New([]string{three[1], three[2], three[0]}, newFleet(three...).dial, Options{})
	again := p2.Run(context.Background(), reversed(js), 1)
	where := map[string]string{}
	for _, o := range first {
		where[o.Name] = o.Builder
	}
	for _, o := range again {
		if where[o.Name] != o.Builder {
			t.Errorf("%s ran on %s, then on %s", o.Name, where[o.Name], o.Builder)
		}
	}
}

func TestFailoverWhenADaemonIsDown(t *testing.T) {
	f := newFleet(three...)
	f.downs[three[1]] = true
	p, _ := New(three, f.dial, Options{})
	out := p.Run(context.Background(), jobs(12), 4)
	failedOver := 0
	for _, o := range out {
		if o.Err != nil {
			t.Fatalf("%s: %v", o.Name, o.Err)
		}
		if o.Builder == three[1] {
			t.Fatalf("%s ran on the daemon that is down", o.Name)
		}
		if o.Home == three[1] {
			failedOver++
			if len(o.Attempts) != 1 || o.Attempts[0].Builder != three[1] || o.Attempts[0].Lost {
				t.Errorf("%s: attempts %+v, want one failover from %s", o.Name, o.Attempts, three[1])
			}
			if o.Retried() {
				t.Errorf("%s: a daemon that never answered is a failover, not a retry", o.Name)
			}
		}
	}
	if failedOver == 0 {
		t.Fatal("no build was homed on the daemon that is down; the test shows nothing")
	}
	if f.dials[three[1]] != 1 {
		t.Errorf("the daemon that is down was dialled %d times; want once, then remembered", f.dials[three[1]])
	}
}

func TestRetryOnceWhenADaemonDies(t *testing.T) {
	f := newFleet(three...)
	dying := three[0]
	f.daemons[dying].lose = func(build.Options) bool { return true }
	p, _ := New(three, f.dial, Options{})
	out := p.Run(context.Background(), jobs(12), 4)
	retried := 0
	for _, o := range out {
		if o.Err != nil {
			t.Fatalf("%s: %v", o.Name, o.Err)
		}
		if o.Builder == dying {
			t.Fatalf("%s finished on the dying daemon", o.Name)
		}
		if o.Retried() {
			retried++
			if o.Attempts[0].Builder != dying || !o.Attempts[0].Lost {
				t.Errorf("%s: attempts %+v", o.Name, o.Attempts)
			}
		}
	}
	if retried == 0 {
		t.Fatal("no build was lost; the test shows nothing")
	}

	// A second loss is not retried again: the build fails, naming both.
	f = newFleet(three...)
	for _, d := range f.daemons {
		d.lose = func(build.Options) bool { return true }
	}
	p, _ = New(three, f.dial, Options{})
	o := p.Run(context.Background(), jobs(1), 1)[0]
	if o.Err == nil || !Lost(o.Err) || len(o.Attempts) != 2 {
		t.Fatalf("two losses: err %v, attempts %+v; want the loss after one retry", o.Err, o.Attempts)
	}
}

func TestEveryDaemonDown(t *testing.T) {
	f := newFleet(three...)
	for _, a := range three {
		f.downs[a] = true
	}
	p, _ := New(three, f.dial, Options{})
	o := p.Run(context.Background(), jobs(1), 1)[0]
	var nd *NoDaemonError
	if !errors.As(o.Err, &nd) || len(nd.Attempts) != 3 {
		t.Fatalf("err %v; want NoDaemonError naming three daemons", o.Err)
	}
	for _, a := range three {
		if !strings.Contains(o.Err.Error(), a) {
			t.Errorf("error does not name %s: %v", a, o.Err)
		}
	}
}

func TestNativePlatforms(t *testing.T) {
	addrs := []string{"tcp://amd1:1234", "tcp://amd2:1234", "tcp://arm1:1234"}
	f := newFleet(addrs...)
	f.daemons["tcp://arm1:1234"].plats = []string{"linux/arm64/v8", "linux/arm/v7"}
	p, _ := New(addrs, f.dial, Options{})
	var js []Job
	for i := range 6 {
		js = append(js, Job{Name: fmt.Sprint("arm", i), Key: Key{Repo: "r", Path: fmt.Sprint("s", i), Platform: "linux/arm64"}})
		js = append(js, Job{Name: fmt.Sprint("amd", i), Key: Key{Repo: "r", Path: fmt.Sprint("s", i), Platform: "linux/amd64"}})
	}
	for _, o := range p.Run(context.Background(), js, 2) {
		native := strings.Contains(o.Builder, o.Name[:3])
		if !native {
			t.Errorf("%s (%s) ran on %s, not on a native daemon", o.Name, o.Key.Platform, o.Builder)
		}
	}
	// No daemon runs riscv64: any may build it (emulating).
	o := p.Run(context.Background(), []Job{{Name: "x", Key: Key{Repo: "r", Path: "x", Platform: "linux/riscv64"}}}, 1)[0]
	if o.Err != nil || o.Builder == "" {
		t.Fatalf("riscv64: %v", o.Err)
	}
}

// Build (one at a time, as golden build calls it) keeps the load bound
// over the builds in flight.
func TestBuildOnlineBoundedLoad(t *testing.T) {
	f := newFleet(three...)
	release := make(chan struct{})
	started := make(chan string, 30)
	for _, d := range f.daemons {
		d.lose = func(build.Options) bool { started <- ""; <-release; return false }
	}
	p, _ := New(three, f.dial, Options{Balance: 1})
	var wg sync.WaitGroup
	out := make([]Outcome, 9)
	for i, j := range jobs(9) {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = p.Build(context.Background(), j) }()
		<-started // each build is in flight before the next is placed
	}
	close(release)
	wg.Wait()
	per := map[string]int{}
	for _, o := range out {
		per[o.Builder]++
	}
	for d, n := range per {
		if n != 3 {
			t.Errorf("with c=1, %s took %d of 9 concurrent builds over 3 daemons: %v", d, n, per)
		}
	}
}

func TestNewNeedsADaemon(t *testing.T) {
	if _, err := New([]string{" ", ""}, nil, Options{}); err == nil {
		t.Fatal("a pool of no daemon was made")
	}
}

func reversed(js []Job) []Job {
	r := slices.Clone(js)
	slices.Reverse(r)
	return r
}

func TestSplitByPlatform(t *testing.T) {
	addrs := []string{"tcp://amd:1234", "tcp://arm:1234"}
	f := newFleet(addrs...)
	f.daemons["tcp://arm:1234"].plats = []string{"linux/arm64"}
	p, _ := New(addrs, f.dial, Options{})
	j := Job{Name: "api", Key: Key{Repo: "r", Path: "api", Platform: "linux/amd64,linux/arm64"},
		Options: build.Options{ContextDir: "api", Platforms: []string{"linux/arm64", "linux/amd64"}}}
	parts := p.SplitByPlatform(context.Background(), j)
	if len(parts) != 2 {
		t.Fatalf("parts %+v", parts)
	}
	for _, o := range p.Run(context.Background(), parts, 2) {
		want := map[string]string{"linux/arm64": "tcp://arm:1234", "linux/amd64": "tcp://amd:1234"}[o.Key.Platform]
		if o.Err != nil || o.Builder != want {
			t.Errorf("%s ran on %s (%v), want %s", o.Name, o.Builder, o.Err, want)
		}
	}
	// A daemon that runs both: no split.
	f.daemons["tcp://amd:1234"].plats = []string{"linux/amd64", "linux/arm64"}
	p, _ = New(addrs, f.dial, Options{})
	if parts := p.SplitByPlatform(context.Background(), j); parts != nil {
		t.Errorf("split though one daemon runs both: %+v", parts)
	}
	// A platform no daemon runs: built whole (emulated).
	j.Options.Platforms = []string{"linux/amd64", "linux/riscv64"}
	if parts := p.SplitByPlatform(context.Background(), j); parts != nil {
		t.Errorf("split with an unrunnable platform: %+v", parts)
	}
}
