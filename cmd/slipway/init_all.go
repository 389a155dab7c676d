package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/initflow"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/wizard"
	"github.com/slipway/slipway/internal/workspace"
)

// initAllAllowed are the init flags that apply to every service; the
// others answer one service's questions.
var initAllAllowed = map[string]bool{"accessible": true, "all": true, "yes": true, "force": true, "diff": true, "pin": true, registryMirrorFlag: true, "mirror": true}

// runInitAll is `slipway init --all [ROOT]`: find every service below ROOT,
// init each one with --yes (the same non-destructive rules), and append the
// ones that now have a slipway.toml to ROOT/slipway-workspace.toml. In the
// wizard (a terminal, or --accessible) it first asks which to write.
func runInitAll(cmd *cobra.Command, root string, o initflow.InitOptions) error {
	var bad []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if !initAllAllowed[f.Name] {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		return &usageError{err: fmt.Errorf("%s: not with --all: it answers one service; run `slipway init SERVICE_DIR %s` for that service", strings.Join(bad, ", "), bad[0]), cmd: cmd}
	}
	ctx := cmd.Context()
	log := cmd.ErrOrStderr()
	found, err := workspace.Discover(ctx, root, workspace.Limits{})
	var le *workspace.LimitError
	if errors.As(err, &le) {
		return errdefs.Invalid(err)
	}
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return errdefs.Invalid(fmt.Errorf("no service under %s: no slipway.toml and no project file slipway knows (go.mod, package.json, pyproject.toml, pom.xml, build.gradle, Cargo.toml, *.csproj, ...) in it or its folders", root))
	}
	printFound(log, root, found)
	if pr, ok := o.Asker.(wizard.Prompter); ok {
		// In the wizard, choose which of them to write.
		labels := make([]string, len(found))
		for i, f := range found {
			labels[i] = textsafe.String(f.Path) + "  " + textsafe.String(orDash(f.Language))
		}
		idx, err := pr.ChooseServices(ctx, labels)
		if err != nil {
			if errors.Is(err, initflow.ErrAborted) {
				return withCode(exitCanceled, err)
			}
			return err
		}
		var picked []workspace.Found
		for _, i := range idx {
			if i >= 0 && i < len(found) {
				picked = append(picked, found[i])
			}
		}
		if len(picked) == 0 {
			fmt.Fprintln(log, "no service chosen: nothing written")
			return nil
		}
		found = picked
	}
	set, err := generate.LoadTemplates()
	if err != nil {
		return err
	}
	type row struct {
		f      workspace.Found
		status string
		detail string
		code   int
	}
	var rows []row
	var ok []workspace.Service
	for _, f := range found {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		so := o
		so.Dir = filepath.Join(root, filepath.FromSlash(f.Path))
		so.Asker = nil
		so.Given = map[string]bool{}
		fmt.Fprintf(log, "\n=== %s\n", textsafe.String(f.Path))
		_, err := initflow.Init(ctx, set, so)
		r := row{f: f, status: "written"}
		var ce *generate.ConflictError
		switch {
		case err == nil && o.Diff:
			r.status = "diff shown"
		case err == nil:
		case errors.As(err, &ce):
			r.status, r.code = "kept (edited by hand)", exitFailure
		case errors.Is(err, context.Canceled) || ctx.Err() != nil:
			return err
		case config.IsInvalid(err):
			r.status, r.code = "needs answers", exitUsage
		default:
			r.status, r.code = "failed", exitFailure
		}
		if err != nil {
			r.detail = err.Error()
			fmt.Fprintf(log, "%s: %s\n", textsafe.String(f.Path), errorText(err.Error()))
		}
		rows = append(rows, r)
		if _, serr := os.Stat(filepath.Join(so.Dir, config.FileName)); serr == nil {
			ok = append(ok, f.Service)
		}
	}

	out := cmd.OutOrStdout()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tPATH\tLANGUAGE\tINIT\tDETAIL")
	worst := 0
	for _, r := range rows {
		lang := r.f.Language
		if lang == "" {
			lang = "?"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", safeCell(r.f.Name), safeCell(r.f.Path), safeCell(lang), r.status, safeCell(firstLineOf(r.detail)))
		worst = max(worst, r.code)
	}
	tw.Flush()

	wsPath := filepath.Join(root, workspace.FileName)
	if o.Diff {
		fmt.Fprintf(log, "\n%s: not written (--diff); it would list %d service(s)\n", textsafe.String(wsPath), len(ok))
	} else {
		added, err := workspace.Merge(wsPath, ok)
		if err != nil {
			return err
		}
		if len(added) == 0 {
			fmt.Fprintf(log, "\n%s: up to date\n", textsafe.String(wsPath))
		} else {
			var names []string
			for _, s := range added {
				names = append(names, s.Name)
			}
			fmt.Fprintf(log, "\n%s: %d service(s) added (%s)\n", textsafe.String(wsPath), len(added), textsafe.String(strings.Join(names, ", ")))
		}
		fmt.Fprintf(log, "Next: slipway build --all %s\n", textsafe.String(root))
	}
	if worst != 0 {
		return withCode(worst, fmt.Errorf("init --all: some services were not written (table above); run `slipway init SERVICE_DIR` for each to answer what is missing"))
	}
	return nil
}

// printFound lists the services found and the evidence of each.
func printFound(w io.Writer, root string, found []workspace.Found) {
	fmt.Fprintf(w, "Found %d service(s) under %s:\n", len(found), textsafe.String(root))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range found {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", safeCell(f.Path), safeCell(orDash(f.Language)), safeCell(evidenceOf(f)))
	}
	tw.Flush()
}

// evidenceOf is the one line that says why a folder is a service.
func evidenceOf(f workspace.Found) string {
	var parts []string
	if f.HasConfig {
		parts = append(parts, "has "+config.FileName)
	}
	for _, e := range f.Detected.Evidence {
		if rest, ok := strings.CutPrefix(e, "language = "); ok {
			if _, from, ok := strings.Cut(rest, "  from "); ok {
				parts = append(parts, from)
			}
		}
	}
	for _, a := range f.Detected.Ambiguities {
		if strings.HasPrefix(a, "language: ") {
			parts = append(parts, a)
		}
	}
	return strings.Join(parts, "; ")
}

// servicesBelowHint is init's answer at a folder with no project file of its
// own: the services below it, and how to init them. nil when dir is a
// service or nothing is below it.
func servicesBelowHint(ctx context.Context, dir string, log io.Writer) error {
	if _, err := os.Stat(filepath.Join(dir, config.FileName)); err == nil {
		return nil
	}
	det, err := detect.Detect(dir)
	if err != nil || len(det.Languages) > 0 {
		return nil
	}
	found, err := workspace.Discover(ctx, dir, workspace.Limits{})
	if err != nil || len(found) == 0 {
		return nil
	}
	printFound(log, dir, found)
	return errdefs.Invalid(fmt.Errorf("%s holds no service of its own, but %d below it (listed above): run `slipway init --all %s` to write them all and %s, or `slipway init %s` for one",
		dir, len(found), dir, workspace.FileName, filepath.Join(dir, filepath.FromSlash(found[0].Path))))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstLineOf(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
