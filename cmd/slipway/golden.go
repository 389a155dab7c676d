package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/colour"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/golden"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/pool"
	"github.com/slipway/slipway/internal/sign"
	"github.com/slipway/slipway/internal/textsafe"
)

func newGoldenCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "golden",
		Short: "Build, check and trace the team's golden base images",
		Long: `A golden image is a hardened base image declared in golden/<name>.toml: the
base it starts FROM (an image reference, or golden:<name> for another golden
image), the packages to install, files to add, the non-root runtime user,
image config, and hardening switches that are all on unless a spec turns one
off with an explicit line (strip setuid bits, remove the package manager,
remove shells, remove docs, UTC timezone, CA certificates, lock root).

  slipway golden build    build the images in dependency order, push them and
                          write golden/golden.lock (digests, bases, spec hashes)
  slipway golden check    tell which images are stale and why (exit 1 if any)
  slipway golden users    list the services built FROM golden images and
                          whether they use the locked digest`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	c.AddCommand(newGoldenBuildCmd(), newGoldenCheckCmd(), newGoldenUsersCmd())
	return c
}

func newGoldenBuildCmd() *cobra.Command {
	var (
		o        golden.BuildOptions
		conn     build.ConnectOptions
		team     string
		mirror   string
		epoch    int64
		format   string
		sf       signFlags
		pooled   []string
		cons     bool
		withSBOM bool
		sec      securityFlags
	)
	c := &cobra.Command{
		Use:   "build [NAME...]",
		Short: "Build golden images in dependency order, push them, write golden.lock",
		Long: `build renders each spec in --dir (default ./golden) to a Dockerfile, builds it
through BuildKit with its Dockerfile checks as errors and a fixed
SOURCE_DATE_EPOCH (so an unchanged spec on an unchanged base rebuilds to the
same digest), pushes it to <registry>/<repository> and reads it back to check
that it holds what the spec asks (numeric non-root user, no setuid files, no
shell in distroless mode, no package manager where it was removed, labels).

Images are built parents first; images that do not depend on each other
build concurrently, --jobs at a time. A golden:<parent> FROM line is pinned
to the digest the parent was just built with (or, when the parent is not
being built, to its digest in golden.lock).

Before anything builds, every spec is validated, the golden graph is checked
for cycles and unknown golden:<name> parents, and every external base is
resolved to a digest in its registry: any problem stops the run.

Once building starts, a failing image stops only the images built FROM it;
the others finish. The summary names what failed and why, the exit code is 1,
and golden.lock keeps the previous entries of what did not build.

--sign --key FILE signs each pushed image by digest in cosign's format
(the key's passphrase from $SLIPWAY_KEY_PASSWORD or --password-file). When
the team file has [[trusted_key]] tables, every external base they cover
(at the digest it resolved to) and every golden:<parent> taken from
golden.lock must be signed by a trusted key, or nothing builds (exit 1).

The registry is --registry, else registry_prefix from slipway-team.toml.
Bases on other registries can be resolved through a mirror (--registry-mirror
or $SLIPWAY_REGISTRY_MIRROR, e.g. a registry on loopback that mirrors them);
BuildKit must be configured with the same mirror.`,
		Example: `  slipway golden build                          build every image in ./golden
  slipway golden build base python              only these two (python FROM the new base)
  slipway golden build --stale                  only stale images and what is built FROM them
  slipway golden build --jobs 4 --registry registry.example.com/platform
  slipway golden build static --consumers       then rebuild and verify every service FROM static
  slipway golden build --registry 127.0.0.1:5000/platform --registry-mirror 127.0.0.1:5000`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Names = args
			if _, err := build.ParseAddr(build.ResolveAddr(conn.Addr)); err != nil {
				return err // bad input, before any spec is read or base resolved
			}
			if o.Jobs < 1 {
				return &usageError{err: fmt.Errorf("--jobs %d: at least 1", o.Jobs), cmd: cmd}
			}
			t, teamFile, err := config.FindTeam(o.Dir, team)
			if err != nil {
				return err
			}
			if o.Registry == "" {
				o.Registry = t.RegistryPrefix
			}
			policy, err := sign.NewPolicy(t)
			if err != nil {
				return err
			}
			o.VerifyBase = goldenVerifier(policy, mirror, cmd)
			sv, err := sf.signer(cmd)
			if err != nil {
				return err
			}
			if sv != nil {
				o.Sign = func(ctx context.Context, img string) error {
					return sign.Sign(ctx, img, sv, signOptions(mirror))
				}
			}
			o.CacheRegistry = t.CacheRegistry
			addrs, err := poolAddrs(conn, pooled, t, teamFile)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("source-date-epoch") {
				o.SourceDateEpoch = &epoch
			}
			o.Log = cmd.ErrOrStderr()
			o.Images = image.NewRemote(mirror)
			if withSBOM {
				o.SBOM = goldenSBOM
			}
			if o.Stale {
				o.Content = sec.content()
			} else if f := cmd.Flags(); f.Changed("package-index") || f.Changed("security-updates") {
				return errdefs.Invalid(errors.New("--package-index and --security-updates go with --stale"))
			}
			ctx := cmd.Context()
			// Connect only when the first image builds: spec, graph and
			// base problems are reported without needing a daemon.
			lb := &lazyBuilder{conn: conn}
			defer lb.Close()
			o.Builder = lb
			if len(addrs) > 0 {
				// Independent images spread over the pool (pool.go).
				p, err := pool.New(addrs, poolDialer(conn), pool.Options{})
				if err != nil {
					return errdefs.Invalid(err)
				}
				pb := &poolBuilder{p: p, keyOf: goldenKey, w: cmd.ErrOrStderr()}
				defer pb.Close()
				o.Builder = pb
			}
			var before map[string]golden.Use
			if cons {
				before = usesBefore(ctx, o.Dir)
			}
			sum, err := golden.Build(ctx, o)
			if lb.err != nil && !sum.AnyBuilt() {
				return lb.err // no daemon (or a malformed address): say so once, not per image
			}
			if sum != nil && cons {
				fmt.Fprintf(cmd.ErrOrStderr(), "\ngolden images (%s):\n%s", textsafe.String(sum.LockPath), textsafe.Lines(sum.String()))
				code, cerr := runConsumers(cmd, consumersOptions{specDir: o.Dir, conn: conn, jobs: o.Jobs, format: format}, sum, before)
				if cerr != nil {
					return cerr
				}
				var be *golden.BuildError
				if errors.As(err, &be) {
					err = withCode(exitFailure, err)
				}
				return consumersCode(err, code)
			}
			if sum != nil {
				if format == formatJSON {
					if jerr := goldenJSON(cmd.OutOrStdout(), sum.Results); jerr != nil {
						return jerr
					}
				} else {
					fmt.Fprintf(cmd.ErrOrStderr(), "\ngolden images (%s):\n%s", textsafe.String(sum.LockPath), textsafe.Lines(sum.String()))
				}
			}
			var be *golden.BuildError
			var re *sign.RefusedError
			if errors.As(err, &be) || errors.As(err, &re) {
				return withCode(exitFailure, err)
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&o.Dir, "dir", "golden", "folder of golden image specs (*.toml) and golden.lock")
	f.StringVar(&o.Registry, "registry", "", "registry prefix to push to, e.g. registry.example.com/platform (default: registry_prefix in slipway-team.toml)")
	addTeamFlag(f, &team, "--dir")
	addRegistryMirrorFlag(f, &mirror, "registry (host:port) that mirrors docker.io and the others, for resolving bases")
	f.IntVarP(&o.Jobs, "jobs", "j", golden.DefaultJobs, "images built at once")
	sec.add(f)
	f.BoolVar(&withSBOM, "sbom", false, "attach a CycloneDX SBOM of each pushed image (its Debian packages and whatever else it holds) as an attestation, as slipway build --sbom does")
	f.BoolVar(&o.Stale, "stale", false, "build only stale images (see golden check) and the images built FROM them")
	f.StringSliceVar(&o.Platforms, "platform", nil, "target platforms, e.g. linux/amd64,linux/arm64 (default the daemon's)")
	f.BoolVar(&o.NoCache, "no-cache", false, "do not use the build cache")
	f.StringVar(&o.Progress, "progress", "plain", "build progress: plain (each line prefixed with the image) or quiet")
	sf.add(f)
	f.Int64Var(&epoch, "source-date-epoch", golden.DefaultSourceDateEpoch, "timestamp (seconds) of files and image metadata, for reproducible digests")
	addFormatFlags(c, &format, "the results on stdout")
	f.BoolVar(&cons, "consumers", false, "then regenerate, rebuild and verify every service FROM a rebuilt image (found below the folder above --dir, or the workspace's services), and print which move to a new base and which failed")
	f.StringVar(&conn.Addr, "addr", "", "BuildKit daemon address (default $BUILDKIT_HOST, else "+build.DefaultAddr+")")
	addBuilderFlag(f, &pooled)
	f.StringVar(&conn.CACert, "tlscacert", "", "CA certificate (PEM) that signed the daemon's certificate (tcp://)")
	f.StringVar(&conn.Cert, "tlscert", "", "client certificate (PEM) for mTLS (tcp://)")
	f.StringVar(&conn.Key, "tlskey", "", "client key (PEM) for mTLS (tcp://)")
	return c
}

func newGoldenCheckCmd() *cobra.Command {
	var (
		dir, mirror string
		format      string
		sec         securityFlags
	)
	c := &cobra.Command{
		Use:   "check",
		Short: "Tell which golden images are stale, and why (exit 1 if any)",
		Long: `check compares every spec in --dir with golden/golden.lock and the registry.
An image is stale when:
  - it was never built (it is not in golden.lock);
  - its spec, or a file the spec adds, changed since it was built;
  - its base's digest moved upstream (the registry is asked for the tag now);
  - its golden parent was rebuilt since (the parent's locked digest is not
    the one this image was built FROM);
  - its Debian packages have newer versions in its distribution's security
    updates: the Packages index of each security suite the image's own apt
    sources name (the index it was built against), or those given with
    --package-index; --security-updates=false skips this.
It exits 1 when any image is stale; rebuild them with
'slipway golden build --stale'.`,
		Example: `  slipway golden check
  slipway golden check --format json           for CI
  SLIPWAY_REGISTRY_MIRROR=127.0.0.1:5000 slipway golden check`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := golden.CheckWith(cmd.Context(), dir, image.NewRemote(mirror), sec.content())
			if err != nil {
				return err
			}
			if format == formatJSON {
				if err := goldenJSON(cmd.OutOrStdout(), st); err != nil {
					return err
				}
			} else {
				printStatusesColour(cmd.OutOrStdout(), st, paletteFor(cmd, cmd.OutOrStdout()))
			}
			if golden.AnyStale(st) {
				return withCode(exitFailure, errors.New("golden images are stale: run `slipway golden build --stale`"))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&dir, "dir", "golden", "folder of golden image specs (*.toml) and golden.lock")
	addRegistryMirrorFlag(f, &mirror, "registry (host:port) that mirrors docker.io and the others")
	addFormatFlags(c, &format, "the statuses on stdout")
	sec.add(f)
	return c
}

func printStatuses(w io.Writer, st []golden.Status) { printStatusesColour(w, st, nil) }

// printStatusesColour is printStatuses with current and STALE coloured by
// p (escapes of one length, so the columns stay aligned).
func printStatusesColour(w io.Writer, st []golden.Status, p *colour.Palette) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range st {
		if s.Current {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", safeCell(s.Name), p.Word("current"), safeCell(s.Digest))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", safeCell(s.Name), p.Word("STALE"), safeCell(strings.Join(s.Reasons, "; ")))
	}
	tw.Flush()
}

func newGoldenUsersCmd() *cobra.Command {
	var (
		lockPath string
		format   string
		stale    bool
		mirror   string
		sec      securityFlags
	)
	c := &cobra.Command{
		Use:   "users [DIR]",
		Short: "List the services built FROM golden images, and which digest each uses",
		Long: `users walks DIR (default the current directory) for slipway.toml files and
lists every service whose base is golden:<name>: the golden image, the
digest it uses (base_digest in slipway.toml, else the digest its generated
Dockerfile's FROM line pins), and how that compares with golden.lock:
  current    it uses the locked digest
  behind     it uses an older digest: regenerate and rebuild
  unpinned   no digest anywhere: it builds whatever the tag points at
  unknown    the golden image is not in golden.lock
With --stale, the golden images are also checked as golden check does
(specs and lock beside the lock file; the base, the parent and the Debian
security updates): a service on a stale one is marked "would move", since
golden build --stale rebuilds it.
It exits 1 when any service is not current or would move. The lock is
--lock, else the golden/golden.lock found in DIR or above it.`,
		Example: `  slipway golden users
  slipway golden users services/ --format json
  slipway golden users --lock platform/golden/golden.lock ~/src`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if lockPath == "" {
				p, err := golden.FindLock(dir)
				if err != nil {
					return err
				}
				if p == "" {
					return errdefs.Invalid(fmt.Errorf("no golden/%s in %s or above it: pass --lock", golden.LockFileName, dir))
				}
				lockPath = p
			}
			lock, err := golden.ReadLock(lockPath)
			if err != nil {
				return err
			}
			uses, err := golden.Users(cmd.Context(), dir, lock)
			if err != nil {
				return err
			}
			if f := cmd.Flags(); !stale && (f.Changed("package-index") || f.Changed("security-updates") || f.Changed("registry-mirror")) {
				return errdefs.Invalid(errors.New("--package-index, --security-updates and --registry-mirror go with --stale"))
			}
			if stale {
				st, err := golden.CheckWith(cmd.Context(), filepath.Dir(lockPath), image.NewRemote(mirror), sec.content())
				if err != nil {
					return err
				}
				golden.MarkStale(uses, st)
			}
			if format == formatJSON {
				if err := goldenJSON(cmd.OutOrStdout(), uses); err != nil {
					return err
				}
			} else {
				printUses(cmd.OutOrStdout(), uses, dir, lockPath)
			}
			for _, u := range uses {
				if u.Behind() {
					return withCode(exitFailure, errors.New("some services do not use the locked golden digest"))
				}
			}
			for _, u := range uses {
				if u.WouldMove {
					return withCode(exitFailure, errors.New("some services build FROM a stale golden image: `slipway golden build --stale`, then regenerate and rebuild them"))
				}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&lockPath, "lock", "", "golden.lock to compare with (default: golden/golden.lock in DIR or above)")
	f.BoolVar(&stale, "stale", false, "also check the golden images (as golden check does) and mark the services that rebuilding a stale one would move")
	addRegistryMirrorFlag(f, &mirror, "with --stale: registry (host:port) that mirrors docker.io and the others")
	sec.add(f)
	addFormatFlags(c, &format, "the services on stdout")
	return c
}

func printUses(w io.Writer, uses []golden.Use, dir, lockPath string) {
	if len(uses) == 0 {
		fmt.Fprintf(w, "no service under %s builds FROM a golden image\n", textsafe.String(dir))
		return
	}
	fmt.Fprintf(w, "services under %s (lock: %s):\n", textsafe.String(dir), textsafe.String(filepath.Clean(lockPath)))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, u := range uses {
		digest := u.Digest
		if digest == "" {
			digest = "-"
		}
		detail := ""
		switch u.State {
		case golden.UseBehind, golden.UseUnpinned:
			detail = "locked " + u.Locked
		case golden.UseInvalid:
			detail = u.Error
		}
		if u.WouldMove {
			if detail != "" {
				detail += "; "
			}
			detail += "would move: golden:" + u.Golden + " is stale (" + strings.Join(u.Stale, "; ") + ")"
		}
		fmt.Fprintf(tw, "%s\tgolden:%s\t%s\t%s\t%s\n", safeCell(u.Service), safeCell(u.Golden), safeCell(digest), safeCell(string(u.State)), safeCell(detail))
	}
	tw.Flush()
}

// safeCell is a table cell from specs, locks and service files: escaped by
// textsafe, and a tab (which would shift the columns) shown as \t.
func safeCell(s string) string {
	return strings.ReplaceAll(textsafe.String(s), "\t", `\t`)
}

func goldenJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// lazyBuilder connects to BuildKit on the first build, once.
type lazyBuilder struct {
	conn build.ConnectOptions
	once sync.Once
	cl   *build.Client
	err  error
}

func (l *lazyBuilder) Build(ctx context.Context, o build.Options) (*build.Result, error) {
	l.once.Do(func() { l.cl, l.err = build.Connect(ctx, l.conn) })
	if l.err != nil {
		return nil, l.err
	}
	return l.cl.Build(ctx, o)
}

func (l *lazyBuilder) Close() {
	if l.cl != nil {
		l.cl.Close()
	}
}
