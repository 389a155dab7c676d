package pool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/containerd/platforms"

	"github.com/slipway/slipway/internal/build"
)

// Daemon is one connected BuildKit daemon. *build.Client implements it;
// unit tests fake it.
type Daemon interface {
	build.Builder
	// Platforms are the platforms the daemon's workers run natively
	// (BuildKit's ListWorkers), e.g. linux/amd64.
	Platforms(ctx context.Context) ([]string, error)
	Close() error
}

// Dialer connects to the daemon at addr. An error means the daemon is
// down or refuses: the pool falls over to the next one.
type Dialer func(ctx context.Context, addr string) (Daemon, error)

// Options configures a Pool.
type Options struct {
	// Balance is c of the load cap ceil(c*n/k) (default DefaultBalance).
	Balance float64
	// Retries is how many times a build lost to a dying daemon is started
	// again on another (default 1; negative: never).
	Retries int
}

// Pool places builds on a set of daemons. It is safe for concurrent use.
type Pool struct {
	ring    *Ring
	dial    Dialer
	balance float64
	retries int

	mu       sync.Mutex
	conns    map[string]Daemon
	down     map[string]error
	plats    map[string][]string
	inflight map[string]int
}

// New makes a pool of the daemons at addrs (at least one; duplicates count
// once). Nothing is dialled until a build needs a daemon.
func New(addrs []string, dial Dialer, o Options) (*Pool, error) {
	var clean []string
	for _, a := range addrs {
		if a = strings.TrimSpace(a); a != "" {
			clean = append(clean, a)
		}
	}
	if len(clean) == 0 {
		return nil, errors.New("a builder pool needs at least one daemon address")
	}
	if o.Balance == 0 {
		o.Balance = DefaultBalance
	}
	if o.Retries == 0 {
		o.Retries = 1
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	return &Pool{
		ring: NewRing(clean), dial: dial, balance: o.Balance, retries: o.Retries,
		conns: map[string]Daemon{}, down: map[string]error{}, plats: map[string][]string{}, inflight: map[string]int{},
	}, nil
}

// Addrs are the pool's daemons, sorted.
func (p *Pool) Addrs() []string { return p.ring.Nodes() }

// Close closes every connection the pool opened.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for a, c := range p.conns {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing %s: %w", a, err))
		}
		delete(p.conns, a)
	}
	return errors.Join(errs...)
}

// Job is one build of a batch.
type Job struct {
	// Name is what reports call the build (a service's name or path).
	Name    string
	Key     Key
	Options build.Options
}

// Attempt is one daemon that did not finish a build, and why.
type Attempt struct {
	Builder string `json:"builder"`
	// Lost: the daemon died mid-build (the build was retried elsewhere);
	// otherwise it was down or refused the connection (failover).
	Lost   bool   `json:"lost"`
	Reason string `json:"reason"`
}

// Outcome is what became of one build.
type Outcome struct {
	Name string `json:"name"`
	Key  Key    `json:"key"`
	// Home is where the key placed the build; Builder where it ran last.
	Home    string        `json:"home"`
	Builder string        `json:"builder"`
	Result  *build.Result `json:"-"`
	Err     error         `json:"-"`
	// Attempts are the daemons that failed it before Builder, in order.
	Attempts []Attempt `json:"attempts,omitempty"`
}

// Retried says the build was lost to a dying daemon and run again.
func (o *Outcome) Retried() bool {
	for _, a := range o.Attempts {
		if a.Lost {
			return true
		}
	}
	return false
}

// Plan places a batch: key → home daemon, with bounded load over the
// daemons native for each key's platform (see Ring.Assign). It asks each
// daemon for its platforms only when a key names one.
func (p *Pool) Plan(ctx context.Context, keys []Key) map[Key]string {
	strs := make([]string, len(keys))
	byStr := map[string]Key{}
	needPlat := false
	for i, k := range keys {
		strs[i] = k.String()
		byStr[strs[i]] = k
		needPlat = needPlat || k.Platform != ""
	}
	var eligible func(key, addr string) bool
	if needPlat {
		native := p.nativeSets(ctx, keys)
		eligible = func(key, addr string) bool {
			set := native[byStr[key].Platform]
			return set == nil || set[addr]
		}
	}
	a := p.ring.Assign(strs, p.balance, eligible)
	out := make(map[Key]string, len(a))
	for s, addr := range a {
		out[byStr[s]] = addr
	}
	return out
}

// nativeSets maps each platform key to the daemons that run all of its
// platforms natively; nil when none does (any daemon may then build it,
// emulating).
func (p *Pool) nativeSets(ctx context.Context, keys []Key) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, k := range keys {
		if k.Platform == "" || out[k.Platform] != nil {
			continue
		}
		want := strings.Split(k.Platform, ",")
		set := map[string]bool{}
		for _, a := range p.ring.Nodes() {
			have, err := p.platforms(ctx, a)
			if err != nil {
				continue
			}
			if runsAll(have, want) {
				set[a] = true
			}
		}
		if len(set) > 0 {
			out[k.Platform] = set
		}
	}
	return out
}

// runsAll says every platform of want is one of have (compared as
// containerd normalises them).
func runsAll(have, want []string) bool {
	for _, w := range want {
		wp, err := platforms.Parse(w)
		if err != nil {
			return false
		}
		m := platforms.OnlyStrict(platforms.Normalize(wp))
		ok := false
		for _, h := range have {
			if hp, err := platforms.Parse(h); err == nil && m.Match(platforms.Normalize(hp)) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (p *Pool) platforms(ctx context.Context, addr string) ([]string, error) {
	p.mu.Lock()
	if pl, ok := p.plats[addr]; ok {
		p.mu.Unlock()
		return pl, nil
	}
	p.mu.Unlock()
	d, err := p.conn(ctx, addr)
	if err != nil {
		return nil, err
	}
	pl, err := d.Platforms(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.plats[addr] = pl
	p.mu.Unlock()
	return pl, nil
}

// conn returns the connection to addr, dialling it once; a daemon that
// failed to answer is remembered as down for the pool's life.
func (p *Pool) conn(ctx context.Context, addr string) (Daemon, error) {
	p.mu.Lock()
	if c, ok := p.conns[addr]; ok {
		p.mu.Unlock()
		return c, nil
	}
	if err, ok := p.down[addr]; ok {
		p.mu.Unlock()
		return nil, err
	}
	p.mu.Unlock()
	c, err := p.dial(ctx, addr)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil && !build.IsInvalid(err) {
			p.down[addr] = err
		}
		return nil, err
	}
	if old, ok := p.conns[addr]; ok { // another goroutine dialled it first
		c.Close()
		return old, nil
	}
	p.conns[addr] = c
	return c, nil
}

func (p *Pool) markDown(addr string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down[addr] = err
	if c, ok := p.conns[addr]; ok {
		c.Close()
		delete(p.conns, addr)
	}
}

// Run builds every job, jobs at a time (at least 1), each on its planned
// home or, when that one is down, refuses or dies, the next daemon of its
// ring order that is up. Outcomes are in the order of jobs.
func (p *Pool) Run(ctx context.Context, jobs []Job, parallel int) []Outcome {
	keys := make([]Key, len(jobs))
	for i, j := range jobs {
		keys[i] = j.Key
	}
	plan := p.Plan(ctx, keys)
	out := make([]Outcome, len(jobs))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = Outcome{Name: j.Name, Key: j.Key, Home: plan[j.Key], Err: ctx.Err()}
				return
			}
			defer func() { <-sem }()
			out[i] = p.build(ctx, j, plan[j.Key])
		}()
	}
	wg.Wait()
	return out
}

// Build builds one job on its daemon: the first of its ring order below
// the load cap over the builds running now (the online form of bounded
// load), with failover and a retry as Run has.
func (p *Pool) Build(ctx context.Context, j Job) Outcome {
	p.mu.Lock()
	total := 0
	for _, n := range p.inflight {
		total += n
	}
	live := 0
	for _, a := range p.ring.Nodes() {
		if _, dead := p.down[a]; !dead {
			live++
		}
	}
	limit := Cap(p.balance, total+1, max(live, 1))
	home := ""
	for _, a := range p.ring.Order(j.Key.String()) {
		if _, dead := p.down[a]; dead {
			continue
		}
		if p.inflight[a] < limit {
			home = a
			break
		}
	}
	p.mu.Unlock()
	if home == "" {
		home = p.ring.Order(j.Key.String())[0]
	}
	return p.build(ctx, j, home)
}

// build runs j on home, then on the daemons after home in the key's ring
// order: a daemon that is down or refuses is skipped (failover), a build
// lost to a dying daemon is started once more (Retries) on the next one.
func (p *Pool) build(ctx context.Context, j Job, home string) Outcome {
	o := Outcome{Name: j.Name, Key: j.Key, Home: home}
	order := p.ring.Order(j.Key.String())
	for i, a := range order { // home first, then its successors
		if a == home {
			order = append(order[i:], order[:i]...)
			break
		}
	}
	retries := p.retries
	for _, a := range order {
		if ctx.Err() != nil {
			o.Err = ctx.Err()
			return o
		}
		d, err := p.conn(ctx, a)
		if err != nil {
			if build.IsInvalid(err) {
				o.Builder, o.Err = a, err
				return o
			}
			o.Attempts = append(o.Attempts, Attempt{Builder: a, Reason: reason(err)})
			continue
		}
		p.mu.Lock()
		p.inflight[a]++
		p.mu.Unlock()
		res, err := d.Build(ctx, j.Options)
		p.mu.Lock()
		p.inflight[a]--
		p.mu.Unlock()
		o.Builder, o.Result, o.Err = a, res, err
		if err == nil || !Lost(err) || ctx.Err() != nil {
			return o
		}
		p.markDown(a, err)
		o.Attempts = append(o.Attempts, Attempt{Builder: a, Lost: true, Reason: reason(err)})
		if retries == 0 {
			return o
		}
		retries--
		o.Result, o.Err = nil, nil
	}
	if o.Err == nil && o.Result == nil {
		o.Builder = ""
		o.Err = &NoDaemonError{Key: j.Key, Attempts: o.Attempts}
	}
	return o
}

// Lost says err means the daemon went away mid-build (its connection
// dropped), rather than the build failing on it.
func Lost(err error) bool {
	var cl *build.ConnectionLostError
	var ur *build.UnreachableError
	return errors.As(err, &cl) || errors.As(err, &ur)
}

// NoDaemonError means every daemon of the pool was down, refused or died.
type NoDaemonError struct {
	Key      Key
	Attempts []Attempt
}

func (e *NoDaemonError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no daemon of the pool could build %s:", e.Key.Label())
	for _, a := range e.Attempts {
		fmt.Fprintf(&b, "\n  %s: %s", a.Builder, a.Reason)
	}
	return b.String()
}

// reason is an error on one line, for a report.
func reason(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// SplitByPlatform returns one job per platform of j when no daemon of the
// pool runs all of j's platforms natively but each of them is run natively
// by some daemon: each part's key and options name its one platform, so
// that Run places it on a native daemon. Otherwise (one platform, a daemon
// that runs them all, or a platform no daemon runs) it returns nil, and j
// is built whole.
func (p *Pool) SplitByPlatform(ctx context.Context, j Job) []Job {
	plats := j.Options.Platforms
	if len(plats) < 2 {
		return nil
	}
	all := p.nativeSets(ctx, []Key{{Platform: PlatformKey(plats)}})
	if len(all) > 0 {
		return nil
	}
	var parts []Job
	for _, pl := range plats {
		k := j.Key
		k.Platform = PlatformKey([]string{pl})
		if len(p.nativeSets(ctx, []Key{k})) == 0 {
			return nil
		}
		o := j.Options
		o.Platforms = []string{pl}
		parts = append(parts, Job{Name: j.Name + "@" + pl, Key: k, Options: o})
	}
	return parts
}
