// Package bench measures slipway's performance claims side by side in one
// run against the lab: image sizes against a hand-written Dockerfile and the
// payload, rebuild time after a one-line change against a cold build,
// `slipway generate` wall time and lint time. It prints ratios and the
// issue's targets with PASS/FAIL; `make bench` runs it. It is never run
// inside a timed test.
//
// A benchmark is a Section: a name, a title and a function that returns
// tables and targets. Add one by appending to Sections.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/checkout"
	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/templates"
)

// Section is one group of measurements.
type Section struct {
	// Name selects it (slipway-bench -only NAME); Title heads its tables.
	Name, Title string
	// Run measures. It reads what it needs from env and reports progress
	// to env.Log; the tables and targets it returns are printed at the end.
	Run func(ctx context.Context, env *Env) (*Result, error)
}

// Sections are the benchmarks `make bench` runs, in order. The rebuild
// section prunes the daemon's whole build cache.
func Sections() []Section {
	return []Section{
		{Name: "size", Title: "Image size: slipway vs a hand-written Dockerfile vs the payload", Run: runSize},
		{Name: "rebuild", Title: "Rebuild after a one-line change vs a cold build", Run: runRebuild},
		{Name: "generate", Title: "slipway generate --check wall time", Run: runGenerate},
		{Name: "lint", Title: "slipway lint on a 2,000-line Dockerfile, and 100,000 lines against 1,000", Run: runLint},
		{Name: "scan", Title: "slipway scan of a 200 MB image", Run: runScan},
		{Name: "golden", Title: "slipway golden build: --jobs 1 vs the default, and a no-change rebuild", Run: runGolden},
		{Name: "pool", Title: "A pool of BuildKit daemons: 1 vs 3 daemons, sticky keys vs a random daemon", Run: runPool},
	}
}

// Result is what a section measured.
type Result struct {
	Tables  []Table  `json:"tables"`
	Targets []Target `json:"targets,omitempty"`
	// Notes are printed under the section (definitions, caveats).
	Notes []string `json:"notes,omitempty"`
}

// Table is a titled grid of cells; the first column names the row.
type Table struct {
	Title  string     `json:"title,omitempty"`
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// Target is one of the performance targets the issue states.
type Target struct {
	Name string `json:"name"` // what is measured
	Want string `json:"want"` // the target, e.g. "<= 1.20x"
	Got  string `json:"got"`  // the measurement
	Pass bool   `json:"pass"`
}

// Options drive a run.
type Options struct {
	// Only lists the sections to run (by Name); empty: all of them.
	Only []string
	// Slipway is the slipway binary timed end to end (default
	// <repo>/bin/slipway).
	Slipway string
	// LintResult is a file holding the output of `go test -bench
	// Lint2000 ./internal/lint`; empty: the lint section runs it itself.
	LintResult string
	// GenerateRuns and BinaryRuns are how many times generate is timed in
	// process and as the binary (defaults 200 and 20).
	GenerateRuns, BinaryRuns int
	// Work is the scratch directory (default a new temporary one, removed
	// at the end unless Keep).
	Work string
	Keep bool
	// JSON, when set, also receives every result as JSON.
	JSON string
	// Out receives the tables; Log the progress (default os.Stderr).
	Out, Log io.Writer
}

// Env is what sections share.
type Env struct {
	Root      string // the slipway checkout
	Work      string // scratch directory
	Lab       *lab.Lab
	Templates *templates.Set
	Options   Options
	Log       io.Writer

	builder   *build.Client
	machine   Machine
	buildLogs int
}

// Builder connects to the lab's buildkitd on first use.
func (e *Env) Builder(ctx context.Context) (*build.Client, error) {
	if e.builder != nil {
		return e.builder, nil
	}
	cl, err := build.Connect(ctx, build.ConnectOptions{Addr: e.Lab.BuildkitHost})
	if err != nil {
		return nil, err
	}
	e.builder = cl
	return cl, nil
}

// Logf prints one progress line.
func (e *Env) Logf(format string, args ...any) {
	fmt.Fprintf(e.Log, "bench: "+format+"\n", args...)
}

// Mkdir makes a fresh directory under the scratch directory.
func (e *Env) Mkdir(parts ...string) (string, error) {
	dir := filepath.Join(append([]string{e.Work}, parts...)...)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o755)
}

// Render writes example ex into a fresh work folder named by parts and
// renders its Dockerfile and .dockerignore as slipway does.
func (e *Env) Render(ex examples.Example, parts ...string) (string, error) {
	dir, err := e.Mkdir(parts...)
	if err != nil {
		return "", err
	}
	if err := ex.Prepare(dir); err != nil {
		return "", err
	}
	if _, err := generate.Run(e.Templates, generate.Options{Dir: dir}); err != nil {
		return "", fmt.Errorf("generate %s: %w", ex.Name, err)
	}
	return dir, nil
}

// report is a section's outcome.
type report struct {
	Section  string        `json:"section"`
	Title    string        `json:"title"`
	Duration time.Duration `json:"duration_ns"`
	Result   *Result       `json:"result,omitempty"`
	Err      string        `json:"error,omitempty"`
}

// FailedTargetsError is returned by Run when every section ran but a
// target was missed.
type FailedTargetsError struct{ Names []string }

func (e *FailedTargetsError) Error() string {
	return fmt.Sprintf("%d target(s) missed: %s", len(e.Names), strings.Join(e.Names, "; "))
}

// Run runs the selected sections against the lab and prints their tables,
// the targets and the machine facts. A section that fails is reported and
// the others still run; the error then names it. Missed targets are printed
// as FAIL and returned as a *FailedTargetsError.
func Run(ctx context.Context, o Options) error {
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	if o.GenerateRuns <= 0 {
		o.GenerateRuns = 200
	}
	if o.BinaryRuns <= 0 {
		o.BinaryRuns = 20
	}
	all := Sections()
	var run []Section
	for _, name := range o.Only {
		i := slices.IndexFunc(all, func(s Section) bool { return s.Name == name })
		if i < 0 {
			var names []string
			for _, s := range all {
				names = append(names, s.Name)
			}
			return fmt.Errorf("no benchmark section %q (have %s)", name, strings.Join(names, ", "))
		}
		run = append(run, all[i])
	}
	if len(run) == 0 {
		run = all
	}

	root, err := repoRoot()
	if err != nil {
		return err
	}
	l, err := lab.FromEnv()
	if err != nil {
		return err
	}
	set, err := generate.LoadTemplates()
	if err != nil {
		return fmt.Errorf("loading templates: %w", err)
	}
	if o.Slipway == "" {
		o.Slipway = filepath.Join(root, "bin", "slipway")
	}
	work := o.Work
	if work == "" {
		if work, err = os.MkdirTemp("", "slipway-bench-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	if !o.Keep {
		defer os.RemoveAll(work)
	}
	env := &Env{Root: root, Work: work, Lab: l, Templates: set, Options: o, Log: o.Log}
	defer func() {
		if env.builder != nil {
			env.builder.Close()
		}
	}()
	env.machine = machineFacts(ctx, env)
	start := time.Now()

	var reports []report
	for _, s := range run {
		env.Logf("== %s: %s", s.Name, s.Title)
		t0 := time.Now()
		res, err := s.Run(ctx, env)
		r := report{Section: s.Name, Title: s.Title, Duration: time.Since(t0), Result: res}
		if err != nil {
			r.Err = err.Error()
			env.Logf("%s failed after %s: %v", s.Name, r.Duration.Round(time.Second), err)
			if ctx.Err() != nil {
				reports = append(reports, r)
				break
			}
		} else {
			env.Logf("%s done in %s", s.Name, r.Duration.Round(time.Second))
		}
		reports = append(reports, r)
	}
	total := time.Since(start)

	printReport(o.Out, env.machine, reports, total)
	if o.JSON != "" {
		b, err := json.MarshalIndent(map[string]any{"machine": env.machine, "sections": reports, "total_ns": total}, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.JSON, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", o.JSON, err)
		}
	}

	var failed, missed []string
	for _, r := range reports {
		if r.Err != "" {
			failed = append(failed, r.Section)
		}
		if r.Result != nil {
			for _, t := range r.Result.Targets {
				if !t.Pass {
					missed = append(missed, t.Name)
				}
			}
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(failed) > 0 {
		return fmt.Errorf("benchmark section(s) failed: %s", strings.Join(failed, ", "))
	}
	if len(missed) > 0 {
		return &FailedTargetsError{Names: missed}
	}
	return nil
}

// repoRoot finds the slipway checkout above the working directory.
func repoRoot() (string, error) {
	root, err := checkout.Root()
	if errors.Is(err, checkout.ErrOutside) {
		return "", errors.New("run slipway-bench inside the slipway repository (it builds examples/ and internal/lint)")
	}
	return root, err
}
