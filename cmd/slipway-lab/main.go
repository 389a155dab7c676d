// Command slipway-lab runs the local test lab: BuildKit, a loopback registry
// and stand-in base images. `eval "$(slipway-lab up)"` starts it and points
// BUILDKIT_HOST and SLIPWAY_LAB_REGISTRY at it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/lab"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "slipway-lab:", err)
		if errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	var o lab.Options
	root := &cobra.Command{
		Use:           "slipway-lab",
		Short:         "Run the slipway test lab: BuildKit, a loopback registry and stand-in base images",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&o.Dir, "dir", "", "lab state directory (default $SLIPWAY_LAB_DIR or <repo>/.lab)")

	exports := func(l *lab.Lab) {
		fmt.Fprintf(stdout, "export %s=%s\n", lab.EnvBuildkitHost, l.BuildkitHost)
		fmt.Fprintf(stdout, "export %s=%s\n", lab.EnvRegistry, l.Registry)
		// slipway pin and slipway golden resolve docker.io, gcr.io, ... through
		// the same mirror buildkitd uses.
		fmt.Fprintf(stdout, "export SLIPWAY_REGISTRY_MIRROR=%s\n", l.Registry)
		// The pool of daemons (BUILDKIT_HOST first) for slipway --builder.
		fmt.Fprintf(stdout, "export %s=%s\n", lab.EnvBuilders, strings.Join(l.Builders, ","))
	}

	up := &cobra.Command{
		Use:   "up",
		Short: "Start the lab (idempotent) and print export lines for eval",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = stderr
			start := time.Now()
			l, err := lab.Start(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "lab: up in %s (buildkitd %s, %d daemon(s), registry %s)\n", time.Since(start).Round(10*time.Millisecond), l.BuildkitHost, len(l.Builders), l.Registry)
			exports(l)
			return nil
		},
	}
	up.Flags().IntVar(&o.Daemons, "daemons", 1, fmt.Sprintf("buildkitd daemons to keep running (1 to %d): each has its own root and socket, all share the registry; running daemons are never restarted or stopped by up", lab.MaxDaemons))
	down := &cobra.Command{
		Use:   "down",
		Short: "Stop every lab process",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = stderr
			return lab.Stop(cmd.Context(), o)
		},
	}
	env := &cobra.Command{
		Use:   "env",
		Short: "Print export lines for a running lab",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := lab.Check(cmd.Context(), o)
			if err != nil {
				return err
			}
			if !s.Registry || !s.Buildkitd {
				return errors.New("the lab is not running: start it with `make lab` or `slipway-lab up`")
			}
			exports(&s.Lab)
			return nil
		},
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Say whether the lab is up",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := lab.Check(cmd.Context(), o)
			if err != nil {
				return err
			}
			state := func(ok bool) string {
				if ok {
					return "up"
				}
				return "down"
			}
			fmt.Fprintf(stdout, "dir        %s\n", s.Lab.Dir)
			fmt.Fprintf(stdout, "buildkitd  %s  %s %s\n", state(s.Buildkitd), s.Lab.BuildkitHost, s.Version)
			fmt.Fprintf(stdout, "registry   %s  %s\n", state(s.Registry), s.Lab.Registry)
			for _, b := range s.Lab.Builders[1:] {
				_, err := lab.Info(cmd.Context(), b)
				fmt.Fprintf(stdout, "buildkitd  %s  %s\n", state(err == nil), b)
			}
			if !s.Buildkitd || !s.Registry {
				return errors.New("the lab is not fully up")
			}
			for _, ref := range lab.StandIns() {
				fmt.Fprintf(stdout, "stand-in   %s\n", ref)
			}
			return nil
		},
	}
	pypi := &cobra.Command{
		Use:   "pypi",
		Short: "List what the lab's PyPI stand-in serves, as a Markdown table",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := lab.Check(cmd.Context(), o)
			if err != nil {
				return err
			}
			li, err := s.Lab.PyPIProjects()
			if err != nil {
				return fmt.Errorf("the PyPI stand-in index is not built (start the lab with `slipway-lab up`): %w", err)
			}
			return lab.WritePyPIListing(stdout, li)
		},
	}
	var addr, dir, indexes string
	registry := &cobra.Command{
		Use:    "registry",
		Short:  "Serve the lab registry (started by up)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return lab.ServeRegistry(cmd.Context(), addr, dir, indexes)
		},
	}
	registry.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "listen address")
	registry.Flags().StringVar(&dir, "blobs", "", "blob directory")
	registry.Flags().StringVar(&indexes, "indexes", "", "folder of the package indexes to serve (pypi/)")
	_ = registry.MarkFlagRequired("blobs")
	root.AddCommand(up, down, env, status, pypi, registry)
	return root
}
