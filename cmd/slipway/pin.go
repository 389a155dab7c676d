package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/pin"
)

func newPinCmd() *cobra.Command {
	var (
		o          pin.Options
		mirror     string
		noGenerate bool
		format     string
	)
	c := &cobra.Command{
		Use:   "pin [DIR]",
		Short: "Pin the base image to the digest its registry serves now",
		Long: `pin asks the registry which digest the service's base image (slipway.toml's
base) points to now, writes it as base_digest in slipway.toml (changing only
that line; comments stay), and re-renders the Dockerfile, whose FROM line then
names exact bytes: a tag that moves under you cannot change your image.

Run it again to move to a newer base on purpose; --check exits 1 when the
registry has moved past the pinned digest (for a scheduled CI job).

Bases published only under a moving tag (the Chainguard images' :latest)
must be pinned before slipway renders them. Golden bases (golden:<name>) are
pinned by golden/golden.lock instead.

The registry is asked anonymously over HTTPS; with --registry-mirror
(or $SLIPWAY_REGISTRY_MIRROR) every registry is asked through that mirror:
give BuildKit the same mirror, so that builds pull what pin resolved.`,
		Example: `  slipway pin                      resolve, write base_digest, regenerate
  slipway pin --check              exit 1 if the base moved since it was pinned
  slipway pin --registry-mirror 127.0.0.1:5000 svc/api   ask a mirror`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = "."
			if len(args) == 1 {
				o.Dir = args[0]
			}
			set, err := generate.LoadTemplates()
			if err != nil {
				return err
			}
			res, err := pin.Run(cmd.Context(), set, image.NewRemote(mirror), o)
			if err != nil {
				return err
			}
			if format == formatJSON {
				if err := writePinJSON(cmd.OutOrStdout(), res, o.Check); err != nil {
					return err
				}
			}
			w := cmd.ErrOrStderr()
			switch {
			case !res.Changed:
				fmt.Fprintf(w, "%s: %s is pinned to %s, which the registry still serves\n", res.Config, res.Ref, res.New)
			case o.Check:
				if res.Old == "" {
					return withCode(exitFailure, fmt.Errorf("%s: %s is not pinned; the registry serves %s (run `slipway pin`)", res.Config, res.Ref, res.New))
				}
				return withCode(exitFailure, fmt.Errorf("%s: %s moved from %s to %s (run `slipway pin` to take it)", res.Config, res.Ref, res.Old, res.New))
			default:
				fmt.Fprintf(w, "%s: base_digest = %q (%s)\n", res.Config, res.New, res.Ref)
			}
			if o.Check || noGenerate {
				return nil
			}
			gen, err := generate.Run(set, generate.Options{Dir: o.Dir, Config: o.Config, Team: o.Team, Warnings: w})
			if err != nil {
				var ce *generate.ConflictError
				if errors.As(err, &ce) {
					return withCode(exitFailure, fmt.Errorf("slipway.toml is pinned, but %w", err))
				}
				return err
			}
			for _, ch := range gen.Changes {
				if ch.State != generate.Same {
					fmt.Fprintf(w, "%s: written (%s)\n", ch.Path, ch.State)
				}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Config, "config", "c", "", "path of slipway.toml (default DIR/slipway.toml)")
	f.StringVar(&o.Team, "team", "", "team standard file (default: nearest slipway-team.toml above DIR)")
	f.BoolVar(&o.Check, "check", false, "write nothing; exit 1 when the base is unpinned or has moved")
	addRegistryMirrorFlag(f, &mirror, "ask this registry (host:port) for every image", "mirror")
	f.BoolVar(&noGenerate, "no-generate", false, "only write slipway.toml; do not re-render the Dockerfile")
	addFormatFlags(c, &format, "the pinned and served digests on stdout")
	return c
}
