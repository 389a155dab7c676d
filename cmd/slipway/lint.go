package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/lint"
)

func newLintCmd() *cobra.Command {
	var o lint.RunOptions
	var af allFlags
	c := &cobra.Command{
		Use:   "lint [FILE...]",
		Short: "Check Dockerfiles against the team's security rules",
		Long: `lint checks any Dockerfile (written by slipway or by hand) against slipway's
rules (non-root USER, pinned and allowed bases, no secrets in ARG/ENV, COPY
not ADD, package-manager hygiene, exec-form CMD, .dockerignore coverage, ...)
and BuildKit's own Dockerfile checks, which it runs in process under their
BuildKit names. Each rule maps to the CIS Docker Benchmark and hadolint; list
them with 'slipway rules' and explain one with 'slipway rules ID'.

FILE defaults to ./Dockerfile; "-" reads standard input. The .dockerignore
that applies is FILE.dockerignore next to it, else .dockerignore in the build
context (--context, default the Dockerfile's directory). The team standard is
the nearest slipway-team.toml above the context (or --team): its allowed
bases, required labels, healthcheck and min_uid are checked, and its [rules]
table changes severities ("off", "info", "warning", "error").

A FILE ending in .yaml or .yml is read as a compose file or Kubernetes
manifests (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Pod): SW170
reports each service or container that runs weaker than the deploy files
'slipway verify IMAGE --learn' writes (privileged, added capabilities, not
dropping ALL, a writable root, no or unconfined seccomp, privilege
escalation allowed, a shared host namespace).

Silence one finding with a comment directly above the instruction; the
reason is required:
    # slipway:ignore SW150 -- start.sh needs $PORT expanded
    CMD /app/start.sh

Exit status: 0 clean, 1 findings at or above --severity (default warning),
2 usage error or a Dockerfile that does not parse.

--fix rewrites what is safe to rewrite and shows the diff first: secret
ARG/ENV into RUN --mount=type=secret (printing the matching
'slipway build --secret' flag), shell-form CMD/ENTRYPOINT into exec form,
ADD of local files into COPY, and a missing USER (65532:65532). Comments and
formatting elsewhere are kept; a rewrite that does not parse is never written.`,
		Example: `  slipway lint                          lint ./Dockerfile
  slipway lint services/*/Dockerfile    several files, one report
  slipway lint deploy/compose.yaml k8s/api.yaml   deploy files: SW170
  slipway lint --severity error         fail only on errors
  slipway lint --format sarif > lint.sarif   for code-scanning UIs
  slipway lint --fix --dry-run          show what --fix would change
  slipway lint --fix                    rewrite in place (after showing the diff)`,
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if done, err := af.run(cmd, args, allLint); done {
				return err
			}
			o.Files = args
			o.Stdin = cmd.InOrStdin()
			o.Out = cmd.OutOrStdout()
			o.Err = cmd.ErrOrStderr()
			o.Palette = paletteFor(cmd, o.Out)
			if o.DryRun && !o.Fix {
				return &usageError{err: errors.New("--dry-run only goes with --fix"), cmd: cmd}
			}
			res, err := lint.Run(cmd.Context(), o)
			if err != nil { // lint marks bad input (errdefs.Invalid)
				return err
			}
			if res.Failed {
				return withCode(exitFailure, errors.New(""))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.Context, "context", "", "build context directory, for .dockerignore and the team file (default: the Dockerfile's directory)")
	addTeamFlag(f, &o.Team, "the context")
	f.StringVarP(&o.Format, "format", "f", "text", "output format: text, json or sarif")
	f.StringVar(&o.Severity, "severity", "warning", "lowest severity that makes lint exit 1: info, warning or error")
	f.BoolVar(&o.Fix, "fix", false, "rewrite what can be fixed safely (shows the diff first)")
	f.BoolVar(&o.DryRun, "dry-run", false, "with --fix: show the diff, write nothing")
	f.BoolVar(&o.NoBuildKit, "no-buildkit-checks", false, "skip BuildKit's own Dockerfile checks")
	addAllFlags(c, &af)
	return c
}
