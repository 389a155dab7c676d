package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/verify"
)

func newVerifyCmd() *cobra.Command {
	var (
		o          verify.Options
		sizeBudget string
		format     string
		env        []string
		execs      []string
		execFails  []string
		signedIn   string
		hard       hardenFlags
		af         allFlags
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
                                 (with --tcp: a TCP connection is accepted)
  HEALTHCHECK passes             the image's HEALTHCHECK exits 0, run inside
                                 the container as its user
  no shell in a shell-less image a distroless or scratch base has no /bin/sh,
                                 bash, ash, dash or busybox
  no setuid/setgid files         no file in the image gains privileges
  image size within budget       compressed size (layers + config)
  read-only root enforced        writing to / fails with EROFS
  exec: CMD ...                  each --exec command exits 0 (--exec-fail:
                                 exits non-zero), run inside the container
                                 as its user once the checks above are done
  system calls (seccomp)         with --learn or a profile: every call was
                                 recorded, or none was refused (a refused
                                 call is named)

The port, health path (default /healthz; a TCP connect when the healthcheck is
grpc or a probe binary), size budget and base come from
the flags, else from slipway.toml (--config, default ./slipway.toml when it
exists), else from the image (EXPOSE, the base-name label). A check with
nothing to check is SKIP.

Images that need configuration get it like a container runtime gives it:
  --env KEY=VALUE     added to the image's environment (repeatable); --env KEY
                      takes the value from verify's own environment, so a
                      password need not be on the command line. Only the
                      names are ever printed.
  VOLUME              every VOLUME the image declares is mounted from an
                      empty directory owned by the image's user, so a
                      database can write its data on a read-only root; the
                      report says what was written there. It is deleted
                      afterwards.
  --exec JSON         an exec-form command, a JSON array, run inside the
                      container (no shell): e.g. a query through the image's
                      own client. --exec-fail is one that must be refused.
                      Output is shown when the row fails (and in --format json).
  --tcp               the service does not speak HTTP: check the port with a
                      TCP connect instead of a GET.

The layers are unpacked as a container runtime applies them: from the
bottom up, the last entry of a path wins, whiteouts remove. An entry that
no runtime applies safely is refused (exit 2, naming its layer): a name
that is absolute or climbs with "..", an entry written through a symbolic
link, a hard link to anything but an earlier entry of its own layer, a
device node. --max-unpacked-size, --max-files and --max-path-depth bound
what one image may cost; the defaults are far above any real image. Only
the last 64 KiB of the container's output is kept.

Run it hardened (see README, "Run it hardened"):
  --learn             run the image twice. The first run records every system
                      call (seccomp user notification: each call continues
                      unchanged), the paths written, peak memory and
                      processes, the ports listened on. The second run
                      enforces a profile of those calls plus a small baseline
                      (everything else fails with EPERM), tmpfs only where
                      the service wrote, memory and pids limits at a margin
                      over the peaks. Only if it passes every check are
                      deploy/seccomp.json, deploy/compose.yaml and
                      deploy/kubernetes.yaml written, beside slipway.toml
                      (--deploy-dir to choose). Files edited by hand are
                      refused without --force; --check writes nothing and
                      exits 1 on drift.
  --seccomp FILE      enforce a profile. Without it, verify enforces what
                      deploy/compose.yaml names (its seccomp file, tmpfs,
                      mem_limit, pids_limit) or deploy/seccomp.json, when
                      they exist; --seccomp none turns that off. A call the
                      profile refuses fails the run and is named.

verify needs root and runc (apt-get install runc). It exits 1 when a check
fails, and always removes its container and temporary files.`,
		Example: `  slipway build -o type=oci,dest=out/api.tar && slipway verify out/api.tar
  slipway verify out/api.tar --port 8080 --health-path /ready
  slipway verify out/api.tar --size-budget 25MB --timeout 1m
  slipway verify out/api.tar --config svc/api/slipway.toml --format json
  slipway verify out/layout/                     an OCI layout directory
  slipway verify out/api.tar --host-network      for a service that needs the network to start

  # A database: a password from the environment, TCP port check, a query
  # that must work and one that must be refused.
  POSTGRES_PASSWORD=s3cret PGPASSWORD=s3cret slipway verify pg.tar --tcp --port 5432 \
    --env POSTGRES_PASSWORD --env PGPASSWORD \
    --exec '["psql","--host=127.0.0.1","--username=postgres","--command=SELECT 1"]' \
    --exec-fail '["env","PGPASSWORD=wrong","psql","--host=127.0.0.1","--username=postgres","--command=SELECT 1"]'`,
		Args: usageArgs(allArgs(&af, cobra.ExactArgs(1))),
		RunE: func(cmd *cobra.Command, args []string) error {
			if done, err := af.run(cmd, args, allVerify); done {
				return err
			}
			o.Image = args[0]
			if sizeBudget != "" {
				n, err := config.ParseSize(sizeBudget)
				if err != nil {
					return &usageError{err: fmt.Errorf("--size-budget: %w", err), cmd: cmd}
				}
				o.SizeBudget = n
			}
			if signedIn != "" {
				if _, err := name.NewRepository(signedIn); err != nil {
					return &usageError{err: fmt.Errorf("--signed-in %q: not a repository (e.g. registry.example.com/team/api): %v", signedIn, err), cmd: cmd}
				}
			}
			if o.Port < 0 || o.Port > 65535 {
				return &usageError{err: fmt.Errorf("--port %d is not a TCP port", o.Port), cmd: cmd}
			}
			var err error
			if o.Env, err = envFlags(env, os.LookupEnv); err != nil {
				return &usageError{err: err, cmd: cmd}
			}
			if o.Exec, err = execFlags("--exec", execs); err != nil {
				return &usageError{err: err, cmd: cmd}
			}
			if o.ExecFail, err = execFlags("--exec-fail", execFails); err != nil {
				return &usageError{err: err, cmd: cmd}
			}
			if !cmd.Flags().Changed("config") {
				if _, err := os.Stat(config.FileName); err == nil {
					o.Config = config.FileName
				}
			}
			o.Log = cmd.ErrOrStderr()
			if signedIn != "" {
				// Before the image runs: an image the team's keys did not
				// sign is not started.
				if err := checkSignedIn(cmd, o.Image, o.WorkDir, signedIn); err != nil {
					return err
				}
			}
			if err := hard.check(cmd); err != nil {
				return err
			}
			if hard.learn {
				return runLearn(cmd, o, hard, format)
			}
			if err := hard.apply(cmd, &o); err != nil {
				return err
			}
			rep, err := verify.Run(cmd.Context(), o)
			if errors.Is(err, fs.ErrNotExist) {
				return errdefs.Invalid(fmt.Errorf("%w\nIMAGE is what `slipway build -o type=oci,dest=FILE` writes: an OCI tarball, a docker save tarball or an OCI layout directory", err))
			}
			var pe *verify.ProfileError
			if errors.As(err, &pe) {
				return errdefs.Invalid(err)
			}
			if err != nil {
				return err // an image that is not one, or breaks a limit, is bad input
			}
			if format == formatJSON {
				err = rep.WriteJSON(cmd.OutOrStdout())
			} else {
				err = rep.WriteTableColour(cmd.OutOrStdout(), paletteFor(cmd, cmd.OutOrStdout()))
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
	addFormatFlags(c, &format, "a report on stdout instead of the table")
	f.BoolVar(&o.HostNetwork, "host-network", false, "run in the host's network namespace (the port must be free on the host)")
	limitFlags(f, &o.Limits)
	f.BoolVar(&o.TCPOnly, "tcp", false, "check the port with a TCP connect, not an HTTP GET (for databases and other non-HTTP services)")
	f.StringArrayVarP(&env, "env", "e", nil, "`KEY=VALUE` added to the image's environment, or KEY to take it from verify's environment (repeatable; values are never printed)")
	f.StringArrayVar(&execs, "exec", nil, "a command as a `JSON` array, run inside the container as its user, that must exit 0, e.g. '[\"psql\",\"-c\",\"SELECT 1\"]' (repeatable)")
	f.StringArrayVar(&execFails, "exec-fail", nil, "a command as a `JSON` array, like --exec, that must exit non-zero, e.g. a login with a wrong password (repeatable)")
	f.StringVar(&signedIn, "signed-in", "", "registry REPOSITORY holding this image's signature: report whether a team [[trusted_key]] signed the image's digest there (exit 1 if not)")
	f.StringVar(&o.WorkDir, "work-dir", "", "where to unpack the image (default the system temporary directory; must allow exec)")
	addImageLimits(c)
	f.BoolVar(&hard.learn, "learn", false, "record the service's system calls, prove a seccomp profile in a second, enforced run, and write deploy/seccomp.json, compose.yaml and kubernetes.yaml")
	f.StringVar(&hard.seccomp, "seccomp", "", "enforce this seccomp profile (`FILE`; default what deploy/compose.yaml names, else deploy/seccomp.json, when present; none to turn off)")
	f.StringVar(&hard.deployDir, "deploy-dir", "", "where --learn writes, and verify reads, the deploy files (default deploy/ beside slipway.toml)")
	f.StringVar(&hard.imageRef, "image-ref", "", "the image `REFERENCE` the deploy files run (with --learn; default NAME@DIGEST of the verified image)")
	f.BoolVar(&hard.force, "force", false, "with --learn: replace deploy files edited by hand")
	f.BoolVar(&hard.checkOnly, "check", false, "with --learn: write nothing; exit 1 if the deploy files are missing, edited by hand, or no longer hold for this run (a call the profile lacks, other tmpfs, limits below the peaks, another image)")
	c.MarkFlagsMutuallyExclusive("learn", "seccomp")
	c.MarkFlagsMutuallyExclusive("check", "force")
	addAllFlags(c, &af)
	return c
}

// envFlags turns --env values into KEY=VALUE pairs: KEY=VALUE as given, a
// bare KEY from lookup (verify's own environment). Errors name the key,
// never a value.
func envFlags(vals []string, lookup func(string) (string, bool)) ([]string, error) {
	var out []string
	for _, v := range vals {
		k, _, hasValue := strings.Cut(v, "=")
		switch {
		case k == "":
			return nil, fmt.Errorf("--env needs KEY=VALUE or KEY: an entry has no name before '='")
		case strings.ContainsAny(k, " \t\n"):
			return nil, fmt.Errorf("--env: the name %q holds whitespace", k)
		case hasValue:
			out = append(out, v)
		default:
			val, ok := lookup(k)
			if !ok {
				return nil, fmt.Errorf("--env %s: %s is not set in the environment (set it, or pass --env %s=VALUE)", k, k, k)
			}
			out = append(out, k+"="+val)
		}
	}
	return out, nil
}

// execFlags parses each value of flag as a JSON array of strings, the exec
// form of a command.
func execFlags(flag string, vals []string) ([][]string, error) {
	var out [][]string
	for _, v := range vals {
		var argv []string
		if err := json.Unmarshal([]byte(v), &argv); err != nil {
			return nil, fmt.Errorf("%s %s: not a JSON array of strings (%v); write e.g. %s '[\"psql\",\"-c\",\"SELECT 1\"]'", flag, v, err, flag)
		}
		if len(argv) == 0 || argv[0] == "" {
			return nil, fmt.Errorf("%s %s: the command is empty", flag, v)
		}
		out = append(out, argv)
	}
	return out, nil
}
