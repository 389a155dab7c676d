package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/generate"
)

func newGenerateCmd() *cobra.Command {
	var o generate.Options
	var af allFlags
	c := &cobra.Command{
		Use:   "generate [DIR]",
		Short: "Render Dockerfile and .dockerignore from slipway.toml",
		Long: `generate re-renders a service's Dockerfile and .dockerignore from its
slipway.toml (in DIR, default the current directory).

Files slipway wrote carry a header with a hash of their content. A file that
was edited by hand since (or was never written by slipway) is never replaced
without --force; look at what would change with --diff first.

In CI, --check exits 1 when the files on disk differ from what slipway.toml
renders, so a hand edit or a forgotten regenerate fails the pipeline.`,
		Example: `  slipway generate                 write or refresh the files
  slipway generate --diff          show what would change, write nothing
  slipway generate --check         exit 1 on drift (for CI)
  slipway generate --stdout        print the rendered files
  slipway generate --force         replace hand-edited files`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if done, err := af.run(cmd, args, allGenerate); done {
				return err
			}
			o.Dir = "."
			if len(args) == 1 {
				o.Dir = args[0]
			}
			o.Out = cmd.OutOrStdout()
			o.Warnings = cmd.ErrOrStderr()
			set, err := generate.LoadTemplates()
			if err != nil {
				return err
			}
			res, err := generate.Run(set, o)
			var ce *generate.ConflictError
			if errors.As(err, &ce) {
				return withCode(exitFailure, err)
			}
			if err != nil {
				return err
			}
			if o.Stdout {
				return cmd.Context().Err()
			}
			for _, c := range res.Changes {
				switch {
				case o.Check || o.Diff:
					if c.State != generate.Same {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", c.Path, c.State)
					}
				case c.State == generate.Same:
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: up to date\n", c.Path)
				default:
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: written (%s)\n", c.Path, c.State)
				}
			}
			// An interrupt does not stop a write half way: generate.Run
			// writes each file whole (temporary file and rename) and the
			// signal only cancels the context. Once the writes are done, a
			// cancelled run still exits 130, as every command does.
			if err := cmd.Context().Err(); err != nil {
				return err
			}
			if o.Check && res.Drift {
				return withCode(exitFailure, errors.New("generated files differ from slipway.toml: run `slipway generate` (or --diff to see how)"))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Config, "config", "c", "", "path of slipway.toml (default DIR/slipway.toml)")
	addTeamFlag(f, &o.Team, "DIR")
	f.BoolVar(&o.Force, "force", false, "replace files that were edited by hand")
	f.BoolVar(&o.Check, "check", false, "write nothing; exit 1 if the files on disk differ from what slipway.toml renders")
	f.BoolVar(&o.Diff, "diff", false, "print a unified diff of what would change; write nothing")
	f.BoolVar(&o.Stdout, "stdout", false, "print the rendered files instead of writing them")
	c.MarkFlagsMutuallyExclusive("check", "stdout", "force")
	addAllFlags(c, &af)
	return c
}
