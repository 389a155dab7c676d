package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/scan"
)

func newScanCmd() *cobra.Command {
	var o scan.RunOptions
	c := &cobra.Command{
		Use:   "scan IMAGE",
		Short: "Check a built image against the team's security rules",
		Long: `scan checks any container image (built by slipway or not) against slipway's
image rules (SW2xx), without running it. IMAGE is one of:

  a registry reference   registry.example.com/team/api:1.4 or ...@sha256:...
                         (credentials from the Docker config, ~/.docker/config.json;
                         a loopback registry such as 127.0.0.1:5000 is plain HTTP,
                         --insecure allows it for others)
  an OCI layout          a directory, or a tarball (slipway build -o type=oci)
  a docker save tarball  (slipway build -o type=docker, docker save)

It reads the image config and streams the layers once, reading only small
candidate files, and reports:

  SW200-202  runs as root (User empty, root or 0), a user name instead of a
             uid, no HEALTHCHECK
  SW210-211  setuid/setgid files (listed), world-writable files outside /tmp
  SW220-224  credentials in ENV, in the history (build arguments BuildKit
             records: ARG TOKEN=..., RUN |1 TOKEN=... /bin/sh -c ...), in files
             (private keys, .aws/credentials, .npmrc/.pypirc/.netrc with
             passwords or tokens, docker/kube/cloud credentials), .git
             directories, .env files; values are masked in the output
  SW230-232  apt lists and package-manager caches left behind, a shell in an
             image whose labels say it is distroless
  SW240-241  duplicate uids/gids, accounts with an empty password
  SW250-251  with --golden-lock: a base that is not a golden image, or an
             older build of one (from the base.name/base.digest labels, else
             by comparing the lowest layers with the locked images)

Every finding says how to fix it; 'slipway rules ID' explains a rule. The
team standard (nearest slipway-team.toml above the current directory, or
--team) changes severities in its [rules] table ("off", "info", "warning",
"error").

The layers are read as a container runtime applies them (the last entry
of a path wins, whiteouts remove). An entry that no runtime applies safely
is refused, naming its layer: a name that is absolute or climbs with "..",
an entry written through a symbolic link, a hard link to anything but an
earlier entry of its own layer, a device node. --max-unpacked-size,
--max-files and --max-path-depth bound what one image may cost; the
defaults are far above any real image.

For a registry reference, scan also reports on stderr the image's signature
status when a [[trusted_key]] table of the team file covers it: signed by a
trusted key over the digest scanned, or unsigned, wrong key or digest moved
(exit 1).

Exit status: 0 clean, 1 findings at or above --severity (default warning),
2 usage error, an image that cannot be found or read, or a refused layer.`,
		Example: `  slipway scan out/api.tar                        a BuildKit type=oci or type=docker export
  slipway scan registry.example.com/team/api:1.4  straight from the registry
  slipway scan 127.0.0.1:5000/team/api@sha256:... a loopback registry (plain HTTP)
  slipway scan out/layout/ --severity error       fail only on errors
  slipway scan out/api.tar --format sarif > scan.sarif
  slipway scan out/api.tar --golden-lock golden/golden.lock`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Image = args[0]
			o.Out = cmd.OutOrStdout()
			o.Err = cmd.ErrOrStderr()
			o.Palette = paletteFor(cmd, o.Out)
			res, err := scan.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if err := reportSignature(cmd, o.Image, o.Team, o.Insecure, false); err != nil {
				return err
			}
			if res.Failed {
				return withCode(exitFailure, errors.New(""))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Format, "format", "f", "text", "output format: text, json or sarif")
	f.StringVar(&o.Severity, "severity", "warning", "lowest severity that makes scan exit 1: info, warning or error")
	addTeamFlag(f, &o.Team, "the current directory")
	f.StringVar(&o.GoldenLock, "golden-lock", "", "check the image's base against this golden.lock (e.g. golden/golden.lock)")
	limitFlags(f, &o.Limits)
	f.BoolVar(&o.Insecure, "insecure", false, "allow plain HTTP to the registry (loopback registries always are)")
	addImageLimits(c)
	return c
}
