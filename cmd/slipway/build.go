package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/lint"
	"github.com/slipway/slipway/internal/sign"
	"github.com/slipway/slipway/internal/textsafe"
)

// buildFlags are slipway build's flags before they become build.Options.
type buildFlags struct {
	conn          build.ConnectOptions
	file          string
	secrets       []string
	ssh           []string
	buildArgs     []string
	tags          []string
	push          bool
	outputs       []string
	platforms     []string
	cacheFrom     []string
	cacheTo       []string
	labels        []string
	target        string
	noCache       bool
	provenance    string
	sbom          bool
	progress      string
	epoch         int64
	epochSet      bool
	checksSet     bool
	checks        bool
	configPath    string
	configMissing bool
	team          string
	builders      []string
}

func newBuildCmd() *cobra.Command {
	var f buildFlags
	var rf buildResultFlags
	var sf signFlags
	var af allFlags
	c := &cobra.Command{
		Use:   "build [DIR]",
		Short: "Build the image through BuildKit, with secrets as mounts",
		Long: `build sends DIR (default the current directory) as the build context to a
BuildKit daemon and builds its Dockerfile. The context honours .dockerignore:
excluded files (.env, keys) are never sent. Before sending it, build names on
stderr every credential-looking file (keys, .npmrc, .aws/credentials,
kubeconfigs, Terraform state, ...) that the .dockerignore still lets through.
When DIR/slipway.toml sets service_dir, the context is the folder above DIR
that service_dir names (a repository root), and DIR/Dockerfile with
DIR/Dockerfile.dockerignore is built against it, as docker build -f
DIR/Dockerfile ROOT would.

Credentials reach the build only as secret mounts (--secret), never as build
args: a --build-arg whose name looks like a credential is refused, and so is
one whose value looks like one whatever its name (a GitHub, AWS, Slack,
GitLab, npm, PyPI, Google or Stripe key, a JSON Web Token, a private key, a
password in a URL): build args are kept in the image history and, with
--provenance max, verbatim in the provenance attestation. When
DIR/slipway.toml declares secrets, each non-optional one must be given, and
the build stops before it starts when one is missing.

A Dockerfile slipway generated (it carries slipway's header) is built with
BuildKit's Dockerfile checks as errors (BUILDKIT_DOCKERFILE_CHECK=error=true);
--checks=false turns that off, --checks turns it on for any Dockerfile.

Builds are reproducible: SOURCE_DATE_EPOCH defaults to the time of the last
git commit that touched DIR (0 outside git) and layer timestamps are
rewritten to it, so the same sources give the same digest. --source-date-epoch=-1 turns it off.

--sbom lists what the built image holds (Debian packages from dpkg's status,
the modules Go records in each binary, node_modules packages, Python
dist-info, jar artifacts) in a CycloneDX 1.6 SBOM that slipway makes from the
image's own files, and attaches it as an in-toto attestation the way BuildKit
attaches its own (an attestation manifest in the image's index): to each
-o type=oci tarball and each pushed image. slipway scan reports it.

Outputs are written beside their destination and moved into place only when
the build succeeds: a failed or cancelled build leaves no partial tarball or
directory, and a local output replaces an existing directory whole.

The daemon is --addr, else $BUILDKIT_HOST, else
unix:///run/buildkit/buildkitd.sock: unix://, tcp:// (with --tlscacert,
--tlscert, --tlskey for mTLS) and docker-container://NAME (a buildx builder).
With --builder (repeatable) or builders in slipway-team.toml, the build goes
to one daemon of that pool, chosen by a stable key of the service (see
"Running at scale" in the README); cache_registry there gives it a registry
cache by default.

Before anything is sent, the Dockerfile is held to the team's floors (every
slipway-team.toml from DIR up, and --team): a final USER that is root in any
spelling or below min_uid (with the build args given), a base outside
allowed_bases or allowed_registries, a missing required HEALTHCHECK or label.
A Dockerfile under a floor is refused with exit 1, whoever wrote it.

When the team file has [[trusted_key]] tables, every FROM image they cover
must carry a cosign signature by a trusted key over the digest it names
(a tag is resolved first); an image that is unsigned, signed by another
key or whose signature names another digest is refused with exit 1 before
the build starts. --sign --key FILE --push signs the pushed image by digest
under each tag's repository (passphrase: $SLIPWAY_KEY_PASSWORD or
--password-file).

The image digest is printed on stdout when the build ends: for an image file
(-o type=oci or type=docker) the digest 'slipway verify' and 'slipway scan'
report for that file. A summary on stderr says where the image went (file,
registry, BuildKit's image store) and what to run next; --progress=quiet
leaves it out. --metadata-file and --iidfile write the result as buildx does.`,
		Example: `  slipway build                                  build ./Dockerfile, keep the image in the daemon
  slipway build svc/api -t registry.example/api:1.4 --push
  slipway build --secret id=npm,src=$HOME/.npmrc  give the secret slipway.toml declares
  slipway build --secret id=gh,env=GITHUB_TOKEN   a secret from an environment variable
  slipway build -o type=oci,dest=out/api.tar      write an OCI layout tarball
  slipway build --sbom -o type=oci,dest=api.tar   with an SBOM attestation
  slipway build -o type=local,dest=rootfs         write the final filesystem to a directory
  slipway build --cache-from type=local,src=/tmp/c --cache-to type=local,dest=/tmp/c
  slipway build --progress=plain --no-cache       full logs, no cache
  BUILDKIT_HOST=docker-container://buildx_buildkit_slipway0 slipway build
  slipway build --all --changed-since origin/main   every service of slipway-workspace.toml that changed, one summary`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if done, err := af.run(cmd, args, allBuild); done {
				return err
			}
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			fl := cmd.Flags()
			f.epochSet = fl.Changed("source-date-epoch")
			f.checksSet = fl.Changed("checks")
			o, err := f.options(dir)
			if config.IsInvalid(err) {
				return err
			}
			if err != nil {
				return &usageError{err: err, cmd: cmd}
			}
			o.ProgressOut = cmd.ErrOrStderr()
			if err := o.Validate(); err != nil {
				return err // a *build.InvalidError: bad input
			}
			if err := checkFloors(cmd, o, f.team); err != nil {
				return err
			}
			sv, err := sf.signer(cmd)
			if err != nil {
				return err
			}
			if sv != nil && (!o.Push || len(o.Tags) == 0) {
				return &usageError{err: errors.New("--sign signs the pushed image: use it with --push and --tag"), cmd: cmd}
			}
			if err := verifyFrom(cmd, o, f.team); err != nil {
				return err
			}
			var sbomTo *sbomTargets
			if f.sbom {
				if sbomTo, err = planSBOM(o); err != nil {
					return errdefs.Invalid(err)
				}
			}

			ctx := cmd.Context()
			cl, err := serviceBuilder(cmd, &f, dir, &o) // one daemon, or the pool (pool.go)
			if err != nil {
				return err
			}
			defer cl.Close()
			res, err := cl.Build(ctx, o)
			if err != nil {
				return err // a failed build's error lists its check warnings
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s:%d: %s\n", w.File, w.Line, w.Rule)
			}
			var sbomIndexes []string
			if sbomTo != nil {
				if sbomIndexes, err = attachSBOMs(ctx, cmd.ErrOrStderr(), sbomTo, o); err != nil {
					return err
				}
			}
			if sv != nil {
				if err := signPushed(ctx, cmd, sv, o, res.ImageDigest); err != nil {
					return err
				}
				// The SBOM is signed with the image: the index that lists
				// both by digest is signed too.
				for _, idx := range sbomIndexes {
					if err := sign.Sign(ctx, idx, sv, signOptions("")); err != nil {
						return err
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "signed %s (the image with its SBOM)\n", textsafe.String(idx))
				}
			}
			sum := outcome(ctx, o, res)
			for _, w := range sum.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", printable(w))
			}
			if err := rf.write(sum, o, res); err != nil {
				return err
			}
			if sum.Digest != "" {
				fmt.Fprintln(cmd.OutOrStdout(), sum.Digest)
			}
			if f.progress != "quiet" {
				sum.writeSummary(cmd.ErrOrStderr(), res)
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.conn.Addr, "addr", "", "BuildKit daemon address (default $BUILDKIT_HOST, else "+build.DefaultAddr+")")
	addBuilderFlag(fl, &f.builders)
	fl.StringVar(&f.conn.CACert, "tlscacert", "", "CA certificate (PEM) that signed the daemon's certificate (tcp://)")
	fl.StringVar(&f.conn.Cert, "tlscert", "", "client certificate (PEM) for mTLS (tcp://)")
	fl.StringVar(&f.conn.Key, "tlskey", "", "client key (PEM) for mTLS (tcp://)")
	fl.StringVar(&f.conn.ServerName, "tlsservername", "", "name expected in the daemon's certificate (default the address's host)")
	fl.StringVarP(&f.file, "file", "f", "", "Dockerfile path (default DIR/Dockerfile)")
	fl.StringVarP(&f.configPath, "config", "c", "", "path of slipway.toml (default DIR/slipway.toml, when present)")
	fl.StringArrayVar(&f.secrets, "secret", nil, "build secret: id=ID,src=FILE or id=ID,env=VAR (repeatable)")
	fl.StringArrayVar(&f.ssh, "ssh", nil, "SSH agent or keys to forward: default or ID=PATH[,PATH] (repeatable)")
	fl.StringArrayVar(&f.buildArgs, "build-arg", nil, "build arg NAME=VALUE, or NAME to take $NAME (repeatable; never a credential)")
	fl.StringArrayVarP(&f.tags, "tag", "t", nil, "image name, e.g. registry.example/app:1.0 (repeatable)")
	fl.BoolVar(&f.push, "push", false, "push the image to its registry (needs --tag)")
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "output: type=oci|docker|tar,dest=FILE, type=local,dest=DIR, type=image[,push=true] (repeatable)")
	fl.StringSliceVar(&f.platforms, "platform", nil, "target platforms, e.g. linux/amd64,linux/arm64 (default the daemon's)")
	fl.StringArrayVar(&f.cacheFrom, "cache-from", nil, "import cache: type=local,src=DIR or type=registry,ref=REF (repeatable)")
	fl.StringArrayVar(&f.cacheTo, "cache-to", nil, "export cache: type=local,dest=DIR or type=registry,ref=REF[,mode=max] (repeatable)")
	fl.StringArrayVar(&f.labels, "label", nil, "image label KEY=VALUE (repeatable)")
	fl.StringVar(&f.target, "target", "", "build stage to stop at")
	fl.BoolVar(&f.noCache, "no-cache", false, "do not use the build cache")
	fl.StringVar(&f.provenance, "provenance", "", "attach a SLSA provenance attestation: min or max (also mode=min|max; true is min, false none; max records the build's inputs, never secrets)")
	fl.BoolVar(&f.sbom, "sbom", false, "attach a CycloneDX SBOM that slipway makes from the image's files (dpkg, Go build info, node_modules, Python dist-info, jars) as an attestation, to -o type=oci tarballs and pushed images")
	fl.StringVar(&f.progress, "progress", "auto", "progress output: auto, tty, plain, rawjson or quiet")
	fl.Int64Var(&f.epoch, "source-date-epoch", 0, "timestamp (Unix seconds) for reproducible builds; -1 disables (default the last git commit touching DIR, else 0)")
	rf.add(fl)
	sf.add(fl)
	fl.StringVar(&f.team, "team", "", "team standard file, applied on top of every slipway-team.toml above DIR (it can only tighten them)")
	fl.BoolVar(&f.checks, "checks", false, "fail on BuildKit's Dockerfile check warnings (default: on for Dockerfiles slipway generated)")
	addAllFlags(c, &af)
	return c
}

// options turns flags (and DIR/slipway.toml, when present) into build.Options.
func (f *buildFlags) options(dir string) (build.Options, error) {
	o := build.Options{
		ContextDir: dir,
		Dockerfile: f.file,
		SSH:        f.ssh,
		Tags:       f.tags,
		Push:       f.push,
		Platforms:  f.platforms,
		CacheFrom:  f.cacheFrom,
		CacheTo:    f.cacheTo,
		Target:     f.target,
		NoCache:    f.noCache,
		Progress:   f.progress,
	}
	if o.Dockerfile == "" {
		o.Dockerfile = filepath.Join(dir, "Dockerfile")
	}
	for _, s := range f.secrets {
		sec, err := build.ParseSecret(s)
		if err != nil {
			return o, err
		}
		o.Secrets = append(o.Secrets, sec)
	}
	for _, s := range f.outputs {
		out, err := build.ParseOutput(s)
		if err != nil {
			return o, err
		}
		o.Outputs = append(o.Outputs, out)
	}
	var err error
	if o.Provenance, err = build.ParseProvenance(f.provenance); err != nil {
		return o, err
	}
	if o.BuildArgs, err = keyValues("--build-arg", f.buildArgs, true); err != nil {
		return o, err
	}
	if o.Labels, err = keyValues("--label", f.labels, false); err != nil {
		return o, err
	}
	switch f.progress {
	case "auto", "tty", "plain", "rawjson", "quiet":
	default:
		return o, fmt.Errorf("--progress %q: want auto, tty, plain, rawjson or quiet", f.progress)
	}
	if f.epochSet {
		e := f.epoch
		o.SourceDateEpoch = &e
	}

	// slipway.toml: declared secrets are required.
	cfg := f.configPath
	if cfg == "" {
		cfg = filepath.Join(dir, config.FileName)
	}
	if _, err := os.Stat(cfg); err == nil || f.configPath != "" {
		p, err := config.Load(cfg)
		if err != nil {
			return o, err
		}
		for _, s := range p.Secrets {
			if !s.Optional {
				o.RequiredSecrets = append(o.RequiredSecrets, s.ID)
			}
		}
		if p.ServiceDir != "" {
			// service_dir: the context is the folder above DIR that holds
			// it; the Dockerfile (and its Dockerfile.dockerignore) stay in
			// DIR, as with docker build -f DIR/Dockerfile CONTEXT.
			o.ContextDir = generate.ContextDir(dir, p)
		}
	}
	// Dockerfiles slipway generated must pass BuildKit's checks.
	if f.checksSet {
		o.Checks = f.checks
	} else if b, err := os.ReadFile(o.Dockerfile); err == nil {
		if _, err := generate.Untouched(b); !errors.Is(err, generate.ErrNoHeader) {
			o.Checks = true
		}
	}
	return o, nil
}

// checkFloors refuses, before the build starts, a Dockerfile under the
// team's floors, printing each floor it goes below (exit 1), and prints
// the warnings of nested team files that tried to loosen them.
func checkFloors(cmd *cobra.Command, o build.Options, team string) error {
	res, err := lint.CheckFloors(cmd.Context(), lint.FloorOptions{
		Dockerfile: o.Dockerfile, ContextDir: o.ContextDir, Team: team, BuildArgs: o.BuildArgs, Target: o.Target,
	})
	if err != nil {
		return err // lint marks bad input (errdefs.Invalid)
	}
	for _, w := range res.Team.Warnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", w)
	}
	if len(res.Below) > 0 {
		fmt.Fprint(cmd.ErrOrStderr(), res.String())
		return withCode(exitFailure, fmt.Errorf("%s is below the team's floors (%d finding(s)); nothing was built", o.Dockerfile, len(res.Below)))
	}
	return nil
}

// keyValues parses repeated KEY=VALUE flags. With fromEnv, a bare KEY takes
// $KEY (as docker build does).
func keyValues(flag string, in []string, fromEnv bool) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, s := range in {
		k, v, ok := strings.Cut(s, "=")
		if k == "" {
			return nil, fmt.Errorf("%s %q: want KEY=VALUE", flag, s)
		}
		if !ok {
			if !fromEnv {
				return nil, fmt.Errorf("%s %q: want KEY=VALUE", flag, s)
			}
			v = os.Getenv(k)
		}
		m[k] = v
	}
	return m, nil
}
