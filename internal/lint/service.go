package lint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/slipway/slipway/internal/atomicfile"
	"github.com/slipway/slipway/internal/colour"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/report"
	"github.com/slipway/slipway/internal/rules"
	"github.com/slipway/slipway/internal/textsafe"
)

// RunOptions is `slipway lint`.
type RunOptions struct {
	// Files are the Dockerfiles; none means ./Dockerfile. "-" reads stdin.
	Files []string
	// Context is the build context directory (for .dockerignore); "" means
	// each Dockerfile's directory.
	Context string
	// Team is the team file; "" finds the nearest slipway-team.toml.
	Team string
	// Format is text, json or sarif.
	Format string
	// Severity is the lowest severity that fails the run (default warning).
	Severity string
	// Fix rewrites what can be rewritten safely; DryRun only shows the diff.
	Fix, DryRun bool
	NoBuildKit  bool
	Version     string // slipway's version, for SARIF
	// Palette colours the text report's severities (nil: plain).
	Palette *colour.Palette

	Stdin    io.Reader
	Out, Err io.Writer
}

// RunResult is what Run found.
type RunResult struct {
	Findings []rules.Finding
	// Failed is true when a finding is at or above the threshold.
	Failed bool
}

// Run is `slipway lint`: check each file, optionally fix it, print the
// report.
func Run(ctx context.Context, o RunOptions) (*RunResult, error) {
	threshold, format, err := report.ParseFlags(o.Severity, o.Format)
	if err != nil {
		return nil, err
	}
	files := o.Files
	if len(files) == 0 {
		files = []string{"Dockerfile"}
	}
	if o.Fix && slices.Contains(files, "-") {
		return nil, errdefs.Invalid(errors.New("--fix cannot rewrite standard input; give a file"))
	}
	if o.Err == nil {
		o.Err = io.Discard
	}
	// Diffs and notes go where they do not break machine-readable output.
	human := o.Out
	if format != "text" {
		human = o.Err
	}

	teamDir := o.Context
	if teamDir == "" {
		teamDir = filepath.Dir(files[0])
	}
	team, teamFile, err := config.FindTeam(teamDir, o.Team)
	if err != nil {
		return nil, err
	}
	team.WriteNotices(o.Err, teamFile)

	rep := &report.Report{Tool: "slipway", ToolVersion: o.Version, Rules: lintRules(), Palette: o.Palette}
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if isDeployFile(file) {
			if o.Fix {
				return nil, errdefs.Invalid(fmt.Errorf("%s: --fix rewrites Dockerfiles only; write compose and Kubernetes files with `slipway verify IMAGE --learn`", textsafe.String(file)))
			}
			fs, err := checkDeployFile(ctx, file)
			if err != nil {
				return nil, errdefs.Invalid(err)
			}
			rep.Files = append(rep.Files, file)
			rep.Findings = append(rep.Findings, team.ApplyRules(fs)...)
			continue
		}
		in, err := load(file, o.Context, o.Stdin)
		if err != nil {
			return nil, errdefs.Invalid(err)
		}
		opts := Options{Team: team, NoBuildKit: o.NoBuildKit}
		rep.Files = append(rep.Files, file)
		// check adds the file's findings as they stand on disk.
		check := func() error {
			res, err := Check(ctx, in, opts)
			if err != nil {
				return inputErr(err)
			}
			rep.Findings = append(rep.Findings, res.Findings...)
			rep.Suppressed += res.Suppressed
			return nil
		}
		if !o.Fix {
			if err := check(); err != nil {
				return nil, err
			}
			continue
		}
		fr, err := Fix(ctx, in, opts)
		if err != nil {
			return nil, inputErr(err)
		}
		if !fr.Changed {
			fmt.Fprintf(human, "%s: nothing to fix automatically\n", textsafe.String(file))
			if err := check(); err != nil {
				return nil, err
			}
			continue
		}
		// The diff shows the lines a fix removed: the credentials on them
		// are hidden as in the findings.
		mk := inputMasker(in)
		fmt.Fprint(human, textsafe.Lines(mk.mask(diff(textsafe.String(file), in.Data, fr.Data))))
		for _, a := range fr.Applied {
			fmt.Fprintf(human, "%s: fixed %s\n", textsafe.String(file), textsafe.String(mk.mask(a)))
		}
		for _, n := range fr.Notes {
			fmt.Fprintf(human, "note: %s\n", textsafe.String(mk.mask(n)))
		}
		if o.DryRun {
			fmt.Fprintf(human, "%s: not written (--dry-run)\n\n", textsafe.String(file))
			if err := check(); err != nil {
				return nil, err
			}
			continue
		}
		perm := os.FileMode(0o644)
		if st, err := os.Stat(file); err == nil {
			perm = st.Mode().Perm()
		}
		if err := atomicfile.WriteFile(file, fr.Data, perm); err != nil {
			return nil, fmt.Errorf("writing %s: %w", file, err)
		}
		fmt.Fprintf(human, "%s: written\n\n", textsafe.String(file))
		rep.Findings = append(rep.Findings, fr.Remaining.Findings...)
		rep.Suppressed += fr.Remaining.Suppressed
	}
	if err := report.Write(o.Out, format, rep); err != nil {
		return nil, err
	}
	return &RunResult{Findings: rep.Findings, Failed: rules.Fails(rep.Findings, threshold)}, nil
}

func inputErr(err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return errdefs.Invalid(err)
	}
	return err
}

// lintRules are the rules lint can report: slipway's and BuildKit's.
func lintRules() []rules.Rule {
	var out []rules.Rule
	for _, r := range catalogue.All() {
		if r.Kind == rules.KindLint || r.Kind == rules.KindBuildKit {
			out = append(out, r)
		}
	}
	return out
}

// load reads a Dockerfile and the .dockerignore a build of it would use:
// <Dockerfile>.dockerignore next to it, else .dockerignore at the context
// root (the Dockerfile's directory unless context is given).
func load(file, context string, stdin io.Reader) (Input, error) {
	var data []byte
	var err error
	if file == "-" {
		if stdin == nil {
			return Input{}, errors.New("no standard input")
		}
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return Input{}, fmt.Errorf("reading %s: %w", file, err)
	}
	in := Input{Path: file, Data: data}
	dir := filepath.Dir(file)
	if file == "-" {
		dir = "."
	}
	if context == "" {
		context = dir
	}
	candidates := []string{}
	if file != "-" {
		candidates = append(candidates, file+".dockerignore")
	}
	candidates = append(candidates, filepath.Join(context, ".dockerignore"))
	for _, p := range candidates {
		b, err := os.ReadFile(p)
		if err == nil {
			in.Ignore = &Dockerignore{Path: p, Data: b}
			break
		}
		if !errors.Is(err, os.ErrNotExist) {
			return Input{}, fmt.Errorf("reading %s: %w", p, err)
		}
	}
	return in, nil
}

func diff(file string, a, b []byte) string {
	s, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(a)), B: difflib.SplitLines(string(b)),
		FromFile: file, ToFile: file + " (fixed)", Context: 2,
	})
	if err != nil {
		return err.Error() + "\n"
	}
	return s
}
