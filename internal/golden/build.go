package golden

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/pool"
)

// DefaultSourceDateEpoch fixes every golden image's timestamps (file mtimes
// in new layers, the image's created time and history), so that rebuilding
// an unchanged spec on an unchanged base gives the same digest.
const DefaultSourceDateEpoch int64 = 0

// DefaultJobs is how many images build at once by default.
const DefaultJobs = 2

// BuildOptions is one `slipway golden build`.
type BuildOptions struct {
	// Dir is the folder of specs (golden/); the lock is Dir/golden.lock.
	Dir string
	// Names selects images to build (default: all).
	Names []string
	// Stale builds only the images golden check reports stale, and every
	// image built FROM them. With Names, only those among Names.
	Stale bool
	// Registry is the push prefix: host[:port][/path] (the team file's
	// registry_prefix, or --registry).
	Registry string
	// Jobs bounds how many images build at once (default DefaultJobs).
	Jobs int
	// Platforms to build for; empty: the daemon's.
	Platforms []string
	// SourceDateEpoch fixes timestamps (default DefaultSourceDateEpoch).
	SourceDateEpoch *int64
	// NoCache disables BuildKit's cache.
	NoCache bool
	// Progress is build.Options.Progress for each image (default "plain");
	// its lines go to Log, each prefixed with the image's name.
	Progress string
	Log      io.Writer

	Builder build.Builder
	Images  image.Registry
	// VerifyBase, when set, is asked about every base before anything
	// builds: an external FROM at the digest it resolved to, and a
	// golden:<parent> not built in this run at its locked image@digest.
	// Its error (a refused signature) stops the run. Golden parents built
	// in this run are not asked: they were just built (and signed) here.
	VerifyBase func(ctx context.Context, image, digest string) error
	// Sign, when set, signs each pushed image (image@digest) before it is
	// locked; a failed signature fails the image.
	Sign func(ctx context.Context, imageAtDigest string) error
	// CacheRegistry, when set (the team file's cache_registry), gives each
	// image a registry cache: exported with mode=max, imported from its
	// own ref and its golden parent's (see pool.GoldenCache).
	CacheRegistry string
	// Content, with Stale, also rebuilds images stale by their content
	// (golden check's package index comparison).
	Content ContentCheck
	// SBOM, when set, is called with each tag an image was pushed under,
	// once it is audited (slipway golden build --sbom attaches the image's
	// SBOM there); an error fails that image.
	SBOM func(ctx context.Context, tag string, log io.Writer) error
	// Now is the clock for built_at (default time.Now).
	Now func() time.Time
}

// Outcome is what happened to one image.
type Outcome string

// Outcomes.
const (
	Built   Outcome = "built"
	Failed  Outcome = "failed"
	Skipped Outcome = "skipped"
)

// Result is one image's outcome.
type Result struct {
	Name     string        `json:"name"`
	Outcome  Outcome       `json:"outcome"`
	Digest   string        `json:"digest,omitempty"`
	Changed  bool          `json:"changed"` // the digest differs from the lock's
	Reason   string        `json:"reason,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Summary is what a build run did.
type Summary struct {
	Results  []Result
	Lock     *Lock
	LockPath string
}

// Failed reports whether any image failed or was skipped.
func (s *Summary) Failed() bool {
	for _, r := range s.Results {
		if r.Outcome != Built {
			return true
		}
	}
	return false
}

// AnyBuilt reports whether any image was built (false for a nil Summary).
func (s *Summary) AnyBuilt() bool {
	if s == nil {
		return false
	}
	for _, r := range s.Results {
		if r.Outcome == Built {
			return true
		}
	}
	return false
}

// String is the human summary: one line per image.
func (s *Summary) String() string {
	var b strings.Builder
	for _, r := range s.Results {
		switch r.Outcome {
		case Built:
			note := "unchanged"
			if r.Changed {
				note = "new digest"
			}
			fmt.Fprintf(&b, "  %-12s built    %s (%s, %s)\n", r.Name, r.Digest, note, r.Duration.Round(100*time.Millisecond))
		default:
			fmt.Fprintf(&b, "  %-12s %-8s %s\n", r.Name, r.Outcome, shortReason(r.Reason))
		}
	}
	return b.String()
}

var reProcess = regexp.MustCompile(`process "(?s:(.{0,60}).*?)" did not complete successfully`)

// shortReason shortens a failed step's echo of its whole RUN line, keeping
// BuildKit's Dockerfile excerpt (which shows the failing line) below it.
func shortReason(s string) string {
	return reProcess.ReplaceAllString(s, `process "$1 ..." did not complete successfully`)
}

// BuildError is returned when some images failed or were skipped; the
// others were built and locked.
type BuildError struct{ Summary *Summary }

func (e *BuildError) Error() string {
	var failed, skipped []string
	for _, r := range e.Summary.Results {
		switch r.Outcome {
		case Failed:
			failed = append(failed, r.Name)
		case Skipped:
			skipped = append(skipped, r.Name)
		}
	}
	msg := fmt.Sprintf("%d golden image(s) failed: %s", len(failed), strings.Join(failed, ", "))
	if len(skipped) > 0 {
		msg += fmt.Sprintf("; skipped because a parent failed: %s", strings.Join(skipped, ", "))
	}
	return msg + "; golden.lock keeps their previous entries"
}

// Build builds the selected specs in dependency order, independent ones
// concurrently, pushes them, audits each pushed image and writes the lock.
// Problems found before building (bad specs, a cycle, an unknown golden
// parent, a base that does not resolve) are returned as an error and
// nothing is built. Once building starts, a failing image stops only the
// images built FROM it; the returned Summary says what happened to each,
// and the error is a *BuildError when anything failed.
func Build(ctx context.Context, o BuildOptions) (*Summary, error) {
	if o.Builder == nil || o.Images == nil {
		return nil, errors.New("golden.Build: Builder and Images are required")
	}
	// A missing or malformed registry is bad configuration (exit 2).
	if o.Registry == "" {
		return nil, &config.InvalidError{Errs: []error{errors.New("no registry to push golden images to: set registry_prefix in slipway-team.toml or pass --registry")}}
	}
	if strings.HasSuffix(o.Registry, "/") || strings.ContainsAny(o.Registry, " @") {
		return nil, &config.InvalidError{Errs: []error{fmt.Errorf("registry %q is not a registry prefix (e.g. registry.example.com/platform)", o.Registry)}}
	}
	if o.Jobs <= 0 {
		o.Jobs = DefaultJobs
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == "" {
		o.Progress = "plain"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	o.Log = &syncWriter{w: o.Log}
	epoch := DefaultSourceDateEpoch
	if o.SourceDateEpoch != nil {
		epoch = *o.SourceDateEpoch
	}

	specs, err := LoadDir(o.Dir)
	if err != nil {
		return nil, err
	}
	plan, err := NewPlan(specs)
	if err != nil {
		return nil, err
	}
	lockPath := filepath.Join(o.Dir, LockFileName)
	old, err := ReadLock(lockPath)
	if err != nil {
		return nil, err
	}
	selected, err := plan.Select(o.Names)
	if err != nil {
		return nil, err
	}
	if o.Stale {
		statuses, err := CheckPlanWith(ctx, plan, old, o.Images, o.Content)
		if err != nil {
			return nil, err
		}
		selected = plan.staleSelection(selected, statuses)
	}
	inRun := map[string]bool{}
	for _, s := range selected {
		inRun[s.Name] = true
	}

	// Everything that can be known before building is checked now.
	bases := map[string]Base{}
	var errs []error
	resolved := map[string]string{}
	for _, s := range selected {
		if parent := s.Parent(); parent != "" {
			if !inRun[parent] && old.Entry(parent) == nil {
				errs = append(errs, locate(s, "from", fmt.Sprintf("golden:%s has never been built (it is not in %s): build it too (slipway golden build %s %s)", parent, lockPath, parent, s.Name)))
			}
			continue
		}
		d, ok := resolved[s.From]
		if !ok {
			d, err = o.Images.Digest(ctx, s.From)
			if err != nil {
				errs = append(errs, locate(s, "from", fmt.Sprintf("cannot resolve the base: %v", err)))
				continue
			}
			resolved[s.From] = d
		}
		bases[s.Name] = NewBase(s.From, d)
	}
	if len(errs) > 0 {
		return nil, &config.InvalidError{Errs: errs}
	}
	if err := verifyBases(ctx, o, selected, inRun, bases, old); err != nil {
		return nil, err
	}

	r := &runner{o: o, plan: plan, old: old, lock: old.Clone(), bases: bases, epoch: epoch,
		done: map[string]chan struct{}{}, results: map[string]*Result{}, sem: make(chan struct{}, o.Jobs)}
	for _, s := range selected {
		r.done[s.Name] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for _, s := range selected {
		wg.Add(1)
		go func(s *Spec) {
			defer wg.Done()
			defer close(r.done[s.Name])
			res := r.one(ctx, s)
			r.mu.Lock()
			r.results[s.Name] = res
			r.mu.Unlock()
		}(s)
	}
	wg.Wait()

	sum := &Summary{Lock: r.lock, LockPath: lockPath}
	for _, s := range selected {
		sum.Results = append(sum.Results, *r.results[s.Name])
	}
	if err := r.lock.Write(lockPath); err != nil {
		return sum, err
	}
	if ctx.Err() != nil {
		return sum, ctx.Err()
	}
	if sum.Failed() {
		return sum, &BuildError{Summary: sum}
	}
	return sum, nil
}

// staleSelection keeps the selected specs that are stale or built FROM a
// stale one, in build order.
func (p *Plan) staleSelection(selected []*Spec, statuses []Status) []*Spec {
	var stale []string
	for _, st := range statuses {
		if !st.Current {
			stale = append(stale, st.Name)
		}
	}
	want := map[string]bool{}
	for _, n := range stale {
		want[n] = true
	}
	for _, n := range p.Dependants(stale...) {
		want[n] = true
	}
	var out []*Spec
	for _, s := range selected {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	return out
}

type runner struct {
	o     BuildOptions
	plan  *Plan
	old   *Lock
	bases map[string]Base
	epoch int64
	sem   chan struct{}
	done  map[string]chan struct{}

	mu      sync.Mutex
	lock    *Lock
	results map[string]*Result
}

func (r *runner) one(ctx context.Context, s *Spec) *Result {
	res := &Result{Name: s.Name}
	base, ok := r.bases[s.Name]
	if parent := s.Parent(); parent != "" {
		if ch, inRun := r.done[parent]; inRun {
			select {
			case <-ch:
			case <-ctx.Done():
				res.Outcome, res.Reason = Skipped, "canceled"
				return res
			}
			r.mu.Lock()
			pr := r.results[parent]
			r.mu.Unlock()
			if pr.Outcome != Built {
				res.Outcome, res.Reason = Skipped, fmt.Sprintf("golden:%s %s", parent, pr.Outcome)
				return res
			}
		}
		r.mu.Lock()
		e := r.lock.Entry(parent)
		r.mu.Unlock()
		base, ok = NewBase(e.Image, e.Digest), true
	}
	if !ok {
		res.Outcome, res.Reason = Failed, "base not resolved"
		return res
	}
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		res.Outcome, res.Reason = Skipped, "canceled"
		return res
	}
	defer func() { <-r.sem }()
	start := time.Now()
	entry, err := r.build(ctx, s, base)
	res.Duration = time.Since(start)
	if err != nil {
		res.Outcome, res.Reason = Failed, err.Error()
		fmt.Fprintf(r.o.Log, "[%s] FAILED: %v\n", s.Name, err)
		return res
	}
	res.Outcome, res.Digest = Built, entry.Digest
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := r.old.Entry(s.Name)
	res.Changed = prev == nil || prev.Digest != entry.Digest
	if !res.Changed && !prev.BuiltAt.IsZero() {
		entry.BuiltAt = prev.BuiltAt // the same image: it was built then
	}
	r.lock.Images[s.Name] = entry
	return res
}

// build renders, builds, pushes and audits one image.
func (r *runner) build(ctx context.Context, s *Spec, base Base) (*LockEntry, error) {
	df, err := r.plan.Render(s, base)
	if err != nil {
		return nil, err
	}
	hash, err := s.Hash()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "slipway-golden-"+s.Name+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := writeContext(dir, s, df); err != nil {
		return nil, err
	}
	image := r.o.Registry + "/" + s.Repo()
	var tags []string
	for _, t := range s.TagList() {
		tags = append(tags, image+":"+t)
	}
	epoch := r.epoch
	log := newPrefixWriter(r.o.Log, "["+s.Name+"] ")
	defer log.Flush()
	fmt.Fprintf(log, "building FROM %s\n", base.Ref)
	var cache pool.Cache
	if r.o.CacheRegistry != "" {
		cache = pool.GoldenCache(r.o.CacheRegistry, s.Name, s.Parent())
	}
	res, err := r.o.Builder.Build(ctx, build.Options{
		CacheFrom:       cache.From,
		CacheTo:         cache.To,
		ContextDir:      dir,
		Dockerfile:      filepath.Join(dir, "Dockerfile"),
		Tags:            tags,
		Push:            true,
		Platforms:       r.o.Platforms,
		NoCache:         r.o.NoCache,
		SourceDateEpoch: &epoch,
		Checks:          true,
		Progress:        r.o.Progress,
		ProgressOut:     log,
	})
	if err != nil {
		return nil, err
	}
	if res == nil || res.ImageDigest == "" {
		return nil, errors.New("the build pushed no image (no digest in BuildKit's response)")
	}
	var platforms map[string]string
	if prev := r.old.Entry(s.Name); prev != nil && prev.Digest == res.ImageDigest && prev.Image == image && len(prev.Platforms) > 0 {
		// The very image that was audited when it was locked.
		platforms = prev.Platforms
	} else {
		ins, err := r.o.Images.Inspect(ctx, image+"@"+res.ImageDigest)
		if err != nil {
			return nil, fmt.Errorf("reading the pushed image back: %w", err)
		}
		var problems []string
		for _, f := range ins.Images {
			problems = append(problems, r.plan.Audit(s, f)...)
		}
		if len(problems) > 0 {
			return nil, fmt.Errorf("the image does not hold what the spec asks: %s", strings.Join(problems, "; "))
		}
		platforms = ins.Platforms
	}
	u := r.plan.User(s)
	fmt.Fprintf(log, "pushed %s@%s\n", image, res.ImageDigest)
	for _, t := range tags {
		if r.o.SBOM == nil {
			break
		}
		if err := r.o.SBOM(ctx, t, log); err != nil {
			return nil, err
		}
	}
	if r.o.Sign != nil {
		if err := r.o.Sign(ctx, image+"@"+res.ImageDigest); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "signed %s@%s\n", image, res.ImageDigest)
	}
	return &LockEntry{
		Image:      image,
		Digest:     res.ImageDigest,
		Platforms:  platforms,
		From:       s.From,
		BaseDigest: base.Digest,
		SpecHash:   hash,
		BuiltAt:    r.o.Now().UTC().Truncate(time.Second),
		User:       fmt.Sprintf("%d:%d", u.UID, u.gid()),
		Shell:      r.plan.HasShell(s),
	}, nil
}

// writeContext lays out a build context: the Dockerfile and the spec's
// files under files/, nothing else.
func writeContext(dir string, s *Spec, df []byte) error {
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644); err != nil {
		return err
	}
	for _, f := range s.Files {
		b, err := os.ReadFile(filepath.Join(s.Dir, filepath.FromSlash(f.Src)))
		if err != nil {
			return fmt.Errorf("reading %s: %w", f.Src, err)
		}
		dst := filepath.Join(dir, FilesDir, filepath.FromSlash(f.Src))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			return err
		}
		// COPY keeps the context file's mode; the umask must not decide it.
		if err := os.Chmod(dst, os.FileMode(f.mode())); err != nil {
			return err
		}
	}
	// Fixed times: the same spec always sends the same context, so
	// BuildKit's cache holds across runs.
	fixed := time.Unix(0, 0)
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, fixed, fixed)
	})
}

// prefixWriter prefixes every line with the image's name, so that the
// progress of concurrent builds stays readable.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    bytes.Buffer
}

func newPrefixWriter(w io.Writer, prefix string) *prefixWriter {
	return &prefixWriter{w: w, prefix: prefix}
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	for {
		line, err := p.buf.ReadBytes('\n')
		if err != nil {
			// No newline yet: keep the partial line for the next write.
			rest := append([]byte(nil), line...)
			p.buf.Reset()
			p.buf.Write(rest)
			break
		}
		if _, err := io.WriteString(p.w, p.prefix+string(line)); err != nil {
			return len(b), err
		}
	}
	return len(b), nil
}

// Flush writes a trailing partial line.
func (p *prefixWriter) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.buf.Len() > 0 {
		io.WriteString(p.w, p.prefix+p.buf.String()+"\n")
		p.buf.Reset()
	}
}

// syncWriter serialises writes from concurrent builds.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
