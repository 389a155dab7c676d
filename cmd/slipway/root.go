package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "slipway",
		Short: "Secure container images by default",
		Long: `slipway gives a service a multi-stage, non-root, digest-pinned Dockerfile and
.dockerignore, builds it through BuildKit with secret mounts (never build args),
verifies the result, and keeps a team's golden base images current.

Start with:
  slipway init            answer a few questions (or pass flags), get slipway.toml,
                          Dockerfile and .dockerignore
  slipway generate        re-render them after editing slipway.toml
  slipway build           build the image through BuildKit`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       readVersion().String(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	addColourFlag(root)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{err: err, cmd: c}
	})
	root.AddCommand(
		newGenerateCmd(),
		newLintCmd(),
		newScanCmd(),
		newRulesCmd(),
		newBuildCmd(),
		newInitCmd(),
		newVerifyCmd(),
		newGoldenCmd(),
		newPinCmd(),
		newKeyCmd(),
		newVersionCmd(),
	)
	// cobra's completion command takes a shell as a subcommand; an unknown
	// one ("completion tcsh") would print help and exit 0. As for golden:
	// arguments without a subcommand are a usage error.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" && !c.Runnable() {
			c.Args = usageArgs(cobra.NoArgs)
			c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
		}
	}
	return root
}

// usageError is a flag or argument problem: exit code 2, with a hint.
type usageError struct {
	err error
	cmd *cobra.Command
}

func (e *usageError) Error() string {
	return e.err.Error() + "\nrun '" + e.cmd.CommandPath() + " --help' for usage"
}
func (e *usageError) Unwrap() error { return e.err }
func (e *usageError) BadInput()     {}

func isUsage(err error) bool {
	var ue *usageError
	if errors.As(err, &ue) {
		return true
	}
	// Errors cobra raises itself, before any RunE: an unknown command, and
	// flag-group violations (mutually exclusive or required-together flags).
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command ") ||
		strings.HasPrefix(msg, "if any flags in the group ") ||
		strings.HasPrefix(msg, "at least one of the flags in the group ")
}

// usageArgs wraps a cobra argument validator so that its errors exit 2.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := v(c, args); err != nil {
			return &usageError{err: err, cmd: c}
		}
		return nil
	}
}
