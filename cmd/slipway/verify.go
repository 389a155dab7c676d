package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/verify"
)

func newVerifyCmd() *cobra.Command {
	var (
		o          verify.Options
		sizeBudget string
		asJSON     bool
	)
	c := &cobra.Command{
		Use:   "verify IMAGE",
		Short: "Run a built image and check it keeps its security promises",
		Long: `verify runs IMAGE, without Docker, and checks what a Dockerfile can only
promise. IMAGE is what 'slipway build -o' writes: an OCI layout tarball
(type=oci), a docker save tarball (type=docker) or an OCI layout directory.

The image is unpacked into an OCI runtime bundle and run with runc as its
USER, with a read-only root filesystem, every capability dropped,
no-new-privileges and a tmpfs /tmp. It gets its own network namespace with
only a loopback interface; verify probes it from inside that namespace.
Each check is a row:

  runs as non-root               the process's uid (from /proc) is not 0
  port answers                   GET http://127.0.0.1:PORT/PATH returns 2xx
  HEALTHCHECK passes             the image's HEALTHCHECK exits 0, run inside
                                 the container as its user
  no shell in a shell-less image a distroless or scratch base has no /bin/sh,
                                 bash, ash, dash or busybox
  no setuid/setgid files         no file in the image gains privileges
  image size within budget       compressed size (layers + config)
  read-only root enforced        writing to / fails with EROFS

The port, health path (default /healthz), size budget and base come from
the flags, else from slipway.toml (--config, default ./slipway.toml when it
exists), else from the image (EXPOSE, the base-name label). A check with
nothing to check is SKIP.

verify needs root and runc (apt-get install runc). It exits 1 when a check
fails, and always removes its container and temporary files.`,
		Example: `  slipway build -o type=oci,dest=out/api.tar && slipway verify out/api.tar
  slipway verify out/api.tar --port 8080 --health-path /ready
  slipway verify out/api.tar --size-budget 25MB --timeout 1m
  slipway verify out/api.tar --config svc/api/slipway.toml --json
  slipway verify out/layout/                     an OCI layout directory
  slipway verify out/api.tar --host-network      for a service that needs the network to start`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Image = args[0]
			if sizeBudget != "" {
				n, err := units.FromHumanSize(sizeBudget)
				if err != nil || n <= 0 {
					return &usageError{err: fmt.Errorf("--size-budget %q is not a size: use e.g. 25MB or 1.5GB", sizeBudget), cmd: cmd}
				}
				o.SizeBudget = n
			}
			if o.Port < 0 || o.Port > 65535 {
				return &usageError{err: fmt.Errorf("--port %d is not a TCP port", o.Port), cmd: cmd}
			}
			if !cmd.Flags().Changed("config") {
				if _, err := os.Stat(config.FileName); err == nil {
					o.Config = config.FileName
				}
			}
			o.Log = cmd.ErrOrStderr()
			rep, err := verify.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if asJSON {
				err = rep.WriteJSON(cmd.OutOrStdout())
			} else {
				err = rep.WriteTable(cmd.OutOrStdout())
			}
			if err != nil {
				return err
			}
			if rep.Failed() {
				return withCode(exitFailure, errors.New("the image failed verification"))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Config, "config", "c", "", "path of the service's slipway.toml (default ./slipway.toml, when it exists)")
	f.IntVarP(&o.Port, "port", "p", 0, "TCP port the service must answer on (default slipway.toml's port, else the image's EXPOSE)")
	f.StringVar(&o.HealthPath, "health-path", "", "HTTP path to GET on the port (default slipway.toml's healthcheck.http_path, else /healthz)")
	f.StringVar(&sizeBudget, "size-budget", "", "largest acceptable compressed image size, e.g. 25MB (default slipway.toml's size_budget)")
	f.DurationVar(&o.Timeout, "timeout", 0, "how long to wait for the port, and for the HEALTHCHECK to pass (default 30s)")
	f.BoolVar(&asJSON, "json", false, "print a JSON report instead of the table")
	f.BoolVar(&o.HostNetwork, "host-network", false, "run in the host's network namespace (the port must be free on the host)")
	f.StringVar(&o.WorkDir, "work-dir", "", "where to unpack the image (default the system temporary directory; must allow exec)")
	return c
}
