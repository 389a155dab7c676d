package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/generate"
)

// edits are the one-line source changes of the rebuild section: a file of
// the example and a greeting replaced in it (exactly once).
var edits = []struct {
	example, file, from, to string
}{
	{"go", "cmd/hello/main.go", `"hello from go"`, `"hello again from go"`},
	{"node", "server.js", `'hello from node'`, `'hello again from node'`},
}

// Rebuild target (the issue's): a rebuild after a one-line change takes at
// most this fraction of a cold build.
const maxWarmOverCold = 0.20

func runRebuild(ctx context.Context, env *Env) (*Result, error) {
	t := Table{Header: []string{"example", "cold, pulls bases", "cold, bases cached", "warm (1-line change)", "warm/cold", "warm/cold incl. pull"}}
	res := &Result{}
	for _, e := range edits {
		ex, ok := examples.Get(e.example)
		if !ok {
			return nil, fmt.Errorf("no example %s", e.example)
		}
		dir, err := env.Mkdir("rebuild", ex.Name)
		if err != nil {
			return nil, err
		}
		if err := ex.Prepare(dir); err != nil {
			return nil, err
		}
		if _, err := generate.Run(env.Templates, generate.Options{Dir: dir}); err != nil {
			return nil, fmt.Errorf("generate %s: %w", ex.Name, err)
		}
		bases, err := externalBases(filepath.Join(dir, "Dockerfile"))
		if err != nil {
			return nil, err
		}
		out := dir + ".tar"
		defer os.Remove(out)

		// 1. Truly cold: empty cache, the bases pulled from the lab registry.
		if err := prune(ctx, env); err != nil {
			return nil, err
		}
		env.Logf("rebuild %s: cold build (bases pulled)", ex.Name)
		coldPull, _, err := buildImage(ctx, env, dir, ex, out, true)
		if err != nil {
			return nil, err
		}
		// 2. Cold with the bases already pulled and unpacked, as on a
		// developer's machine: empty cache, then a build that only touches
		// the bases.
		if err := prune(ctx, env); err != nil {
			return nil, err
		}
		if err := pullBases(ctx, env, ex, bases); err != nil {
			return nil, err
		}
		env.Logf("rebuild %s: cold build (bases cached)", ex.Name)
		cold, first, err := buildImage(ctx, env, dir, ex, out, true)
		if err != nil {
			return nil, err
		}
		// 3. One line changed, rebuilt on that cache.
		if err := editOnce(filepath.Join(dir, e.file), e.from, e.to); err != nil {
			return nil, err
		}
		env.Logf("rebuild %s: warm build after changing one line of %s", ex.Name, e.file)
		warm, second, err := buildImage(ctx, env, dir, ex, out, true)
		if err != nil {
			return nil, err
		}
		if first.ImageDigest != "" && first.ImageDigest == second.ImageDigest {
			return nil, fmt.Errorf("%s: the rebuild after editing %s produced the same image %s: the change was not built", ex.Name, e.file, first.ImageDigest)
		}
		frac := warm.Seconds() / cold.Seconds()
		env.Logf("rebuild %s: cold %s (with pull %s), warm %s", ex.Name, secs(cold), secs(coldPull), secs(warm))
		t.Rows = append(t.Rows, []string{ex.Name, secs(coldPull), secs(cold), secs(warm),
			fmt.Sprintf("%.0f%%", 100*frac), fmt.Sprintf("%.0f%%", 100*warm.Seconds()/coldPull.Seconds())})
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
		changes = append(changes, fmt.Sprintf("%s: %s %s -> %s", e.example, e.file, e.from, e.to))
	}
	res.Notes = []string{
		"Every build is the generated Dockerfile built through the lab's buildkitd into an OCI tarball (as `slipway build --output type=oci` does: checks on, SOURCE_DATE_EPOCH set, timestamps rewritten).",
		"cold = buildkitd's whole build cache pruned first (Prune with PruneAll: every record, cache mounts such as Go's build cache and npm's cache included). \"cold, pulls bases\" also pulls and unpacks the base images from the lab's loopback registry (a real CI runner would download them, so this is a lower bound); \"cold, bases cached\" pulls them first with a build that only touches the bases, as on a developer machine. The target compares warm with \"cold, bases cached\", the stricter of the two.",
		"warm = the same build again after a one-line change (" + strings.Join(changes, "; ") + "); the image digest must change. Go dependencies (go mod download) are downloaded from the Go module proxy in the cold builds, npm packages from the npm registry.",
		"This section prunes the whole build cache of the lab's buildkitd: do not run it while other builds share the lab.",
	}
	return res, nil
}

// prune empties the daemon's build cache and says so.
func prune(ctx context.Context, env *Env) error {
	n, freed, left, err := pruneAll(ctx, env.Lab.BuildkitHost)
	if err != nil {
		return err
	}
	env.Logf("pruned the build cache: %d records, %s freed, %s left", n, mb(freed), mb(left))
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
	d, _, err := buildImage(ctx, env, dir, examples.Example{}, "", false)
	if err != nil {
		return fmt.Errorf("pulling %s: %w", strings.Join(bases, ", "), err)
	}
	env.Logf("rebuild %s: pulled %s in %s", ex.Name, strings.Join(bases, ", "), secs(d))
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
