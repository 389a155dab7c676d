package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/slipway/slipway/internal/examples"
)

// edits are the one-line source changes of the rebuild section: a greeting
// in a file of the example, changed to a new string before each warm build.
var edits = []struct {
	example, file, greeting, quote string
}{
	{"go", "cmd/hello/main.go", "hello from go", `"`},
	{"node", "server.js", "hello from node", `'`},
}

// rebuildReps is how many cold/warm pairs are timed per example; the table
// shows the medians.
const rebuildReps = 3

// Rebuild target (the issue's): a rebuild after a one-line change takes at
// most this fraction of a cold build.
const maxWarmOverCold = 0.20

func runRebuild(ctx context.Context, env *Env) (*Result, error) {
	t := Table{Header: []string{"example", "cold, pulls bases", "cold, bases cached", "warm (1-line change)", "warm/cold", "steps re-run when warm"}}
	res := &Result{}
	for _, e := range edits {
		ex, ok := examples.Get(e.example)
		if !ok {
			return nil, fmt.Errorf("no example %s", e.example)
		}
		dir, err := env.Render(ex, "rebuild", ex.Name)
		if err != nil {
			return nil, err
		}
		bases, err := externalBases(filepath.Join(dir, "Dockerfile"))
		if err != nil {
			return nil, err
		}
		// Truly cold once: empty cache, the bases pulled from the lab registry.
		env.Logf("rebuild %s: cold build (bases pulled)", ex.Name)
		coldPull, err := coldBuild(ctx, env, dir, ex, nil)
		if err != nil {
			return nil, err
		}
		runs := []*buildRun{coldPull}
		// Then cold with the bases already pulled and unpacked, as on a
		// developer's machine, and warm after a one-line change, in pairs.
		var colds, warms []time.Duration
		var warmRun *buildRun
		cur := e.quote + e.greeting + e.quote
		for i := 1; i <= rebuildReps; i++ {
			env.Logf("rebuild %s: cold build %d/%d (bases cached)", ex.Name, i, rebuildReps)
			coldRun, err := coldBuild(ctx, env, dir, ex, bases)
			if err != nil {
				return nil, err
			}
			next := fmt.Sprintf("%s%s, edit %d%s", e.quote, e.greeting, i, e.quote)
			if err := editOnce(filepath.Join(dir, e.file), cur, next); err != nil {
				return nil, err
			}
			cur = next
			env.Logf("rebuild %s: warm build %d/%d after changing one line of %s", ex.Name, i, rebuildReps, e.file)
			if warmRun, err = buildImage(ctx, env, dir, ex, "", true); err != nil {
				return nil, err
			}
			if d := coldRun.Res.ImageDigest; d == "" || d == warmRun.Res.ImageDigest {
				return nil, fmt.Errorf("%s: the rebuild after editing %s produced the image %q, the cold build %q: want two different digests", ex.Name, e.file, warmRun.Res.ImageDigest, d)
			}
			colds, warms = append(colds, coldRun.D), append(warms, warmRun.D)
			runs = append(runs, coldRun)
		}
		for _, r := range runs {
			if c := cachedSteps(r.Progress); len(c) > 0 {
				res.Notes = append(res.Notes, fmt.Sprintf("%s: a cold build still found %d step(s) in the cache after %d prunes (another build on the same daemon holds them): %s. That cold time is too short, so its ratio is pessimistic.", ex.Name, len(c), coldAttempts, strings.Join(c, "; ")))
			}
		}
		cold, warm := percentile(colds, 50), percentile(warms, 50)
		frac := warm.Seconds() / cold.Seconds()
		total, cached := countSteps(warmRun.Progress)
		env.Logf("rebuild %s: cold %s (with pull %s), warm %s", ex.Name, secs(cold), secs(coldPull.D), secs(warm))
		t.Rows = append(t.Rows, []string{ex.Name, secs(coldPull.D), spread(colds), spread(warms),
			fmt.Sprintf("%.0f%%", 100*frac), fmt.Sprintf("%d of %d", total-cached, total)})
		res.Targets = append(res.Targets, Target{
			Name: ex.Name + " rebuild after a 1-line change / cold build",
			Want: fmt.Sprintf("<= %.0f%%", 100*maxWarmOverCold),
			Got:  fmt.Sprintf("%.0f%% (%s / %s)", 100*frac, secs(warm), secs(cold)),
			Pass: frac <= maxWarmOverCold,
		})
	}
	res.Tables = []Table{t}
	var changes []string
	for _, e := range edits {
		changes = append(changes, fmt.Sprintf("%s: the greeting %s%s%s in %s", e.example, e.quote, e.greeting, e.quote, e.file))
	}
	res.Notes = append([]string{
		"Every build is the generated Dockerfile built through the lab's buildkitd as `slipway build` with no --output does: checks on, SOURCE_DATE_EPOCH set, timestamps rewritten, the image kept in the daemon (no tarball written).",
		"cold = buildkitd's whole build cache pruned first (Prune with PruneAll: every record, cache mounts such as Go's build cache and npm's cache included). \"cold, pulls bases\" also pulls and unpacks the base images from the lab's loopback registry (a real CI runner would download them, so this is a lower bound); \"cold, bases cached\" pulls them first with a build that only touches the bases, as on a developer machine. The target compares warm with \"cold, bases cached\", the stricter of the two.",
		fmt.Sprintf("warm = the same build again right after a one-line change (%s, a new string each time); the image digest must change. \"cold, bases cached\" and warm are timed %d times each, in pairs: median [min-max]; the ratio is of the medians. \"steps re-run\" counts the Dockerfile steps of the last warm build that did not come from the cache.", strings.Join(changes, "; "), rebuildReps),
		"Go modules (go mod download) come from the Go module proxy and npm packages from the npm registry in the cold builds, over this machine's network.",
		"This section prunes the whole build cache of the lab's buildkitd: do not run it while other builds share the lab.",
	}, res.Notes...)
	return res, nil
}

// coldAttempts is how many times a cold build is tried when another build
// on the same daemon keeps steps in the cache through the prune.
const coldAttempts = 3

// coldBuild prunes the whole build cache, pulls bases (when given) and
// builds dir with nothing else cached. When a step still comes from the
// cache (held by a concurrent build), it tries again, and after
// coldAttempts returns the last run: the caller reports its cachedSteps.
func coldBuild(ctx context.Context, env *Env, dir string, ex examples.Example, bases []string) (*buildRun, error) {
	var r *buildRun
	for i := 0; i < coldAttempts; i++ {
		if err := prune(ctx, env); err != nil {
			return nil, err
		}
		if len(bases) > 0 {
			if err := pullBases(ctx, env, ex, bases); err != nil {
				return nil, err
			}
		}
		var err error
		if r, err = buildImage(ctx, env, dir, ex, "", true); err != nil {
			return nil, err
		}
		c := cachedSteps(r.Progress)
		if len(c) == 0 {
			return r, nil
		}
		env.Logf("rebuild %s: %d step(s) came from the cache of a concurrent build (%s); pruning again", ex.Name, len(c), c[0])
	}
	return r, nil
}

// prune empties the daemon's build cache and says so.
func prune(ctx context.Context, env *Env) error {
	cl, err := env.Builder(ctx)
	if err != nil {
		return err
	}
	r, err := cl.Prune(ctx)
	if err != nil {
		return err
	}
	env.Logf("pruned the build cache: %d records, %s freed, %s left", r.Records, mb(r.Freed), mb(r.Left))
	return nil
}

// pullBases makes buildkitd pull and unpack every base: a build that copies
// one small file out of each.
func pullBases(ctx context.Context, env *Env, ex examples.Example, bases []string) error {
	dir, err := env.Mkdir("rebuild", ex.Name+"-bases")
	if err != nil {
		return err
	}
	var b strings.Builder
	for i, ref := range bases {
		fmt.Fprintf(&b, "FROM %s AS base%d\n", ref, i)
	}
	b.WriteString("FROM scratch\n")
	for i := range bases {
		fmt.Fprintf(&b, "COPY --from=base%d /etc/passwd /base%d\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	r, err := buildImage(ctx, env, dir, examples.Example{}, "", false)
	if err != nil {
		return fmt.Errorf("pulling %s: %w", strings.Join(bases, ", "), err)
	}
	env.Logf("rebuild %s: pulled %s in %s", ex.Name, strings.Join(bases, ", "), secs(r.D))
	return nil
}

// externalBases are the images a Dockerfile's FROM lines name, stage names
// left out, in order.
func externalBases(dockerfile string) ([]string, error) {
	b, err := os.ReadFile(dockerfile)
	if err != nil {
		return nil, err
	}
	ast, err := parser.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", dockerfile, err)
	}
	stages := map[string]bool{}
	var bases []string
	seen := map[string]bool{}
	for _, n := range ast.AST.Children {
		if !strings.EqualFold(n.Value, "from") || n.Next == nil {
			continue
		}
		ref := n.Next.Value
		if !stages[strings.ToLower(ref)] && !seen[ref] && ref != "scratch" {
			seen[ref] = true
			bases = append(bases, ref)
		}
		if as := n.Next.Next; as != nil && strings.EqualFold(as.Value, "as") && as.Next != nil {
			stages[strings.ToLower(as.Next.Value)] = true
		}
	}
	if len(bases) == 0 {
		return nil, fmt.Errorf("%s names no base image", dockerfile)
	}
	return bases, nil
}

// editOnce replaces from with to in file, and fails unless from occurs
// exactly once.
func editOnce(file, from, to string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if n := strings.Count(string(b), from); n != 1 {
		return fmt.Errorf("%s: %q occurs %d times, want once: update the edit in internal/bench", file, from, n)
	}
	return os.WriteFile(file, []byte(strings.Replace(string(b), from, to, 1)), 0o644)
}

// isStep reports whether a progress vertex name is a Dockerfile step
// ("[build 3/6] RUN ..."), not a base image or an internal step.
func isStep(name string) bool {
	return strings.HasPrefix(name, "[") && !strings.HasPrefix(name, "[internal]") && !strings.Contains(name, "] FROM ")
}

// spread formats durations as "median [min-max]".
func spread(ds []time.Duration) string {
	if len(ds) == 1 {
		return secs(ds[0])
	}
	return fmt.Sprintf("%s [%.1f-%.1f]", secs(percentile(ds, 50)), slices.Min(ds).Seconds(), slices.Max(ds).Seconds())
}
