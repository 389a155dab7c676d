package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/pin"
	"github.com/slipway/slipway/internal/textsafe"
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

Every build stage's image is pinned too, in slipway.toml's [pins] table
("docker.io/library/golang:1.26-bookworm" = "sha256:..."), so no FROM line of
the Dockerfile names a moving tag. A second run keeps the pins it finds,
after checking that their registry still serves each digest (a digest that
no longer resolves is an error naming it); --update moves every pin to the
digest its tag serves now and shows the change as a diff of slipway.toml;
--check exits 1 when an image is unpinned or its tag has moved (for a
scheduled CI job).

Bases published only under a moving tag (the Chainguard images' :latest)
must be pinned before slipway renders them. Golden bases (golden:<name>) are
pinned by golden/golden.lock instead.

The registry is asked anonymously over HTTPS; with --registry-mirror
(or $SLIPWAY_REGISTRY_MIRROR) every registry is asked through that mirror:
give BuildKit the same mirror, so that builds pull what pin resolved.`,
		Example: `  slipway pin                      resolve, write base_digest, regenerate
  slipway pin --update             move every pin to what its tag serves now, show the diff
  slipway pin --check              exit 1 if an image is unpinned or moved since it was pinned
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
			if errors.Is(err, pin.ErrGolden) {
				return errdefs.Invalid(err)
			}
			var stale *pin.StaleError
			if errors.As(err, &stale) {
				return withCode(exitFailure, err)
			}
			if err != nil {
				return err
			}
			if format == formatJSON {
				if err := writePinJSON(cmd.OutOrStdout(), res, o.Check); err != nil {
					return err
				}
			}
			w := cmd.ErrOrStderr()
			if err := reportPins(w, res, o.Check); err != nil {
				return err
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
	addTeamFlag(f, &o.Team, "DIR")
	f.BoolVar(&o.Check, "check", false, "write nothing; exit 1 when an image is unpinned or has moved")
	f.BoolVar(&o.Update, "update", false, "move every pin to the digest its tag serves now and show the diff")
	addRegistryMirrorFlag(f, &mirror, "ask this registry (host:port) for every image", "mirror")
	f.BoolVar(&noGenerate, "no-generate", false, "only write slipway.toml; do not re-render the Dockerfile")
	addFormatFlags(c, &format, "the pinned and served digests on stdout")
	return c
}

// reportPins prints what pin did (or, with check, would do) for every FROM
// image; with check, an unpinned or moved image is exit 1.
func reportPins(w io.Writer, res *pin.Result, check bool) error {
	var behind []string
	for _, im := range res.Images {
		what := "base"
		if !im.Final {
			what = "stage " + im.Stage
		}
		ref := textsafe.String(im.Ref)
		switch {
		case im.Golden:
			fmt.Fprintf(w, "%s: %s %s is pinned by golden/golden.lock\n", res.Config, what, ref)
		case !im.Changed():
			fmt.Fprintf(w, "%s: %s %s is pinned to %s, which the registry still serves\n", res.Config, what, ref, im.New)
		case check && im.Old == "":
			behind = append(behind, fmt.Sprintf("%s %s is not pinned; the registry serves %s", what, ref, im.New))
		case check:
			behind = append(behind, fmt.Sprintf("%s %s moved from %s to %s", what, ref, im.Old, im.New))
		}
	}
	for _, k := range res.Dropped {
		if check {
			behind = append(behind, fmt.Sprintf("[pins] entry %s is used by no FROM line", textsafe.String(k)))
		}
	}
	if check {
		if len(behind) > 0 {
			return withCode(exitFailure, fmt.Errorf("%s: %s (run `slipway pin`, or `slipway pin --update` for a moved one)", res.Config, strings.Join(behind, "; ")))
		}
		return nil
	}
	if d := res.Diff(); d != "" {
		fmt.Fprint(w, textsafe.Lines(d))
	}
	return nil
}
