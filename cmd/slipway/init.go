package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/initflow"
	"github.com/slipway/slipway/internal/wizard"
)

// initFlags are init's raw flag values, turned into initflow.InitOptions.
type initFlags struct {
	p          config.Project
	hcPath     string
	hcCmd      []string
	hcGRPC     bool
	hcBinary   string
	noHC       bool
	cmdArgs    []string
	entrypoint []string
	secrets    []string
	labels     []string
	yes        bool
	accessible bool
	force      bool
	diff       bool
	pin        bool
	mirror     string
	all        bool
}

func newInitCmd() *cobra.Command {
	var f initFlags
	c := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Detect a service, ask what is unknown, write slipway.toml, Dockerfile and .dockerignore",
		Long: `init reads the service in DIR (default the current directory) without running
anything: the language and its version (go.mod, package.json/.nvmrc,
pyproject.toml/.python-version, pom.xml/build.gradle, Cargo.toml, *.csproj),
the package manager, the entry point, the port and a health endpoint. It
prints what it found and in which file, then asks what is still open in a
short form (every answer is checked as you type it; a wrong one is asked
again), shows the Dockerfile it will write and writes:

  slipway.toml    your answers (edit it later and run 'slipway generate')
  Dockerfile      multi-stage, non-root, pinned final base
  .dockerignore

Every question has a flag; a flag's answer is never asked. With --yes (or when
stdin is not a terminal and --accessible is not given) nothing is asked:
detection, flags and defaults must answer everything, and init fails naming
each missing answer and the flag that gives it. --accessible asks one plain
line at a time (screen readers, or answers piped on stdin; an empty line keeps
the default in brackets).

How the service starts is the language's default (from main) unless
--entrypoint or --cmd says otherwise. Both are exec form, never a shell
line: either one JSON array ('["gunicorn", "-b", ":8000", "app:app"]') or the
flag repeated once per argument (--cmd=gunicorn --cmd=-b --cmd=:8000). With
--entrypoint alone the template's CMD is dropped; with --cmd alone the
template's ENTRYPOINT stays and --cmd gives its arguments.

When the source leaves a choice open (two listen ports, several binaries,
project files of two languages) --yes exits 2 naming the key and the flag
that settles it; the evidence of each detection is printed either way.

An existing slipway.toml provides the defaults; init never replaces one that
differs without --force (it shows the diff), nor a Dockerfile edited by hand.`,
		Example: `  slipway init                              detect, ask, preview, write
  slipway init --yes                        no questions: detection + defaults
  slipway init ./svc --yes --language go --main ./cmd/api --port 9000
  slipway init --healthcheck-cmd '["/app/api", "-healthcheck"]'
  slipway init --cmd '["uvicorn", "app.main:app", "--host", "0.0.0.0"]'
  slipway init --entrypoint /app/api --entrypoint serve   (repeat once per argument)
  slipway init --secret id=npm_token,env=NPM_TOKEN --secret id=netrc,target=/root/.netrc
  slipway init --diff                       show what would be written
  printf 'api\n\n\n' | slipway init --accessible   answers on stdin, one a line
  slipway init --all                        at a repository root: every service below it, and slipway-workspace.toml`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options(cmd)
			if err != nil {
				return &usageError{err: err, cmd: cmd}
			}
			o.Dir = "."
			if len(args) == 1 {
				o.Dir = args[0]
			}
			if st, err := os.Stat(o.Dir); err != nil || !st.IsDir() {
				return errdefs.Invalid(fmt.Errorf("%s is not a directory", o.Dir))
			}
			o.Out = cmd.OutOrStdout()
			o.Log = cmd.ErrOrStderr()
			if !f.all && !cmd.Flags().Changed("language") {
				if err := servicesBelowHint(cmd.Context(), o.Dir, o.Log); err != nil {
					return err
				}
			}
			if in := cmd.InOrStdin(); !f.yes && (f.accessible || isTerminal(in)) {
				o.Asker = wizard.Prompter{In: in, Out: o.Out, Accessible: f.accessible}
			}
			if f.all {
				return runInitAll(cmd, o.Dir, o)
			}
			set, err := generate.LoadTemplates()
			if err != nil {
				return err
			}
			_, err = initflow.Init(cmd.Context(), set, o)
			var ce *generate.ConflictError
			switch {
			case errors.As(err, &ce):
				return withCode(exitFailure, err)
			case errors.Is(err, initflow.ErrAborted):
				return withCode(exitCanceled, err)
			case errors.Is(err, initflow.ErrDeclined):
				return withCode(exitFailure, err)
			}
			return err
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.p.Name, "name", "", "service name (default: from go.mod, package.json, pyproject.toml, Cargo.toml, pom.xml, the directory)")
	fl.StringVar(&f.p.Language, "language", "", "language: "+strings.Join(config.Languages, ", "))
	fl.StringVar(&f.p.Version, "version", "", `language/toolchain version, e.g. "1.26", "20", "3.11", "17"`)
	fl.StringVar(&f.p.PackageManager, "package-manager", "", "node: npm|yarn|pnpm; python: pip|poetry|uv; java: maven|gradle")
	fl.StringVar(&f.p.Base, "base", "", "final base: a catalogue key (distroless-static, ...), golden:<name> or an image reference")
	fl.StringVar(&f.p.BaseDigest, "base-digest", "", "pin the final base to this digest (sha256:...)")
	fl.BoolVar(&f.pin, "pin", false, "resolve the final base's digest through the registry and pin it (see `slipway pin`)")
	addRegistryMirrorFlag(fl, &f.mirror, "with --pin: ask this registry (host:port) for every image", "mirror")
	fl.StringVar(&f.p.Main, "main", "", "entry point: Go package (./cmd/api), Node file, Python module, Rust binary, .NET project")
	fl.Var(config.PortFlag(&f.p.Port), "port", "TCP port the service listens on, 1-65535 (default: the language's)")
	fl.StringVar(&f.hcPath, "healthcheck-path", "", "HTTP healthcheck path, e.g. /healthz")
	fl.StringArrayVar(&f.hcCmd, "healthcheck-cmd", nil, `exec-form healthcheck: a JSON array, or repeat once per argument (--healthcheck-cmd=/app/api --healthcheck-cmd=-healthcheck)`)
	fl.BoolVar(&f.hcGRPC, "healthcheck-grpc", false, "probe the standard gRPC health service (grpc.health.v1) on the port")
	fl.StringVar(&f.hcBinary, "healthcheck-binary", "", "a binary of the project that probes the service (a Rust [[bin]]), built beside main and run as the HEALTHCHECK")
	fl.BoolVar(&f.noHC, "no-healthcheck", false, "no HEALTHCHECK")
	fl.StringArrayVar(&f.entrypoint, "entrypoint", nil, `exec-form ENTRYPOINT instead of the language default: a JSON array, or repeat once per argument`)
	fl.StringArrayVar(&f.cmdArgs, "cmd", nil, `exec-form CMD (the command, or the entrypoint's arguments): a JSON array, or repeat once per argument`)
	fl.StringArrayVar(&f.secrets, "secret", nil, "build secret: id=ID,env=VAR or id=ID,target=/path[,optional] (repeatable)")
	fl.StringArrayVar(&f.labels, "label", nil, "image label key=value (repeatable)")
	fl.StringArrayVar(&f.p.RuntimeFiles, "runtime-file", nil, "a file or folder the program reads at run time, relative to DIR (templates, static, data/catalog.json); copied under /app, its working directory (repeatable; replaces what was detected)")
	fl.StringVar(&f.p.ServiceDir, "service-dir", "", `build from a context above DIR: DIR's path in it (src/checkout builds from two levels up, as docker build -f src/checkout/Dockerfile .); "" builds from DIR`)
	fl.StringArrayVar(&f.p.SharedPaths, "shared-path", nil, "with --service-dir: a path of the build context the build needs besides DIR (shared, pb/demo.proto) (repeatable; none sends the whole context)")
	fl.StringVar(&f.p.PortEnv, "port-env", "", `the environment variable the program reads its port from ("PORT"); the image sets it to --port`)
	fl.Var(config.UserFlag(&f.p.User), "user", "numeric non-root uid of the final stage, 1-2147483647 (default: the base's)")
	fl.BoolVarP(&f.yes, "yes", "y", false, "ask nothing: use detection, flags and defaults")
	fl.BoolVar(&f.accessible, "accessible", false, "ask one plain line at a time (screen readers, piped answers)")
	fl.BoolVar(&f.force, "force", false, "replace a different slipway.toml and hand-edited Dockerfile/.dockerignore")
	fl.BoolVar(&f.diff, "diff", false, "print what would change; write nothing")
	fl.BoolVar(&f.all, "all", false, "find every service below DIR (a repository root), write each one's files as --yes would, and list them in DIR/slipway-workspace.toml for build/generate/verify/lint --all")
	c.MarkFlagsMutuallyExclusive("yes", "accessible")
	c.MarkFlagsMutuallyExclusive("pin", "base-digest")
	c.MarkFlagsMutuallyExclusive("healthcheck-path", "healthcheck-cmd", "healthcheck-grpc", "healthcheck-binary", "no-healthcheck")
	return c
}

// options turns the flags into InitOptions, marking what was given.
func (f *initFlags) options(cmd *cobra.Command) (initflow.InitOptions, error) {
	o := initflow.InitOptions{Flags: f.p, Given: map[string]bool{}, Force: f.force, Diff: f.diff}
	if f.pin {
		o.Pin = image.NewRemote(f.mirror).Digest
	}
	ch := cmd.Flags().Changed
	for flag, key := range map[string]string{
		"name": initflow.KeyName, "language": initflow.KeyLanguage, "version": initflow.KeyVersion,
		"package-manager": initflow.KeyPackageManager, "base": initflow.KeyBase, "main": initflow.KeyMain,
		"port": initflow.KeyPort, "user": "user", "base-digest": "base_digest",
		"runtime-file": "runtime_files", "service-dir": "service_dir", "shared-path": "shared_paths", "port-env": "port_env",
	} {
		if ch(flag) {
			o.Given[key] = true
		}
	}
	if ch("main") && strings.ContainsAny(f.p.Main, " \t") {
		return o, fmt.Errorf("--main %q is a command, not an entry point: pass it as --cmd %s (exec form), and --main only for the file, module or package it starts", f.p.Main, quoteJSON(strings.Fields(f.p.Main)))
	}
	for _, e := range []struct {
		flag string
		args []string
		dst  *[]string
	}{{"entrypoint", f.entrypoint, &o.Flags.Entrypoint}, {"cmd", f.cmdArgs, &o.Flags.Cmd}} {
		if !ch(e.flag) {
			continue
		}
		args, err := execFlag(e.flag, e.args)
		if err != nil {
			return o, err
		}
		*e.dst = args
		o.Given[e.flag] = true
	}
	switch {
	case ch("healthcheck-grpc"):
		o.Flags.Healthcheck = config.Healthcheck{GRPC: f.hcGRPC}
		o.Given[initflow.KeyHealthcheck] = true
	case ch("healthcheck-binary"):
		o.Flags.Healthcheck = config.Healthcheck{Binary: f.hcBinary}
		o.Given[initflow.KeyHealthcheck] = true
	case ch("healthcheck-path"):
		o.Flags.Healthcheck = config.Healthcheck{HTTPPath: f.hcPath}
		o.Given[initflow.KeyHealthcheck] = true
	case ch("healthcheck-cmd"):
		args := f.hcCmd
		if len(args) == 1 && strings.HasPrefix(strings.TrimSpace(args[0]), "[") {
			var err error
			if args, err = initflow.ParseCommand(args[0]); err != nil {
				return o, fmt.Errorf("--healthcheck-cmd: %w", err)
			}
		}
		o.Flags.Healthcheck = config.Healthcheck{Command: args}
		o.Given[initflow.KeyHealthcheck] = true
	case ch("no-healthcheck"):
		o.Given[initflow.KeyHealthcheck] = true
	}
	for _, s := range f.secrets {
		sec, err := parseSecret(s)
		if err != nil {
			return o, err
		}
		o.Flags.Secrets = append(o.Flags.Secrets, sec)
		o.Given[initflow.KeySecret] = true
	}
	for _, l := range f.labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return o, fmt.Errorf("--label %q: want key=value", l)
		}
		if o.Flags.Labels == nil {
			o.Flags.Labels = map[string]string{}
		}
		o.Flags.Labels[k] = v
		o.Given["labels"] = true
	}
	// Flag values are checked with the config rules up front, so a typo
	// fails before any question.
	if err := validateGiven(o.Flags, o.Given); err != nil {
		return o, err
	}
	return o, nil
}

// execFlag reads an exec-form flag: one JSON array, or one argument per
// repetition of the flag.
func execFlag(flag string, args []string) ([]string, error) {
	if len(args) == 1 && strings.HasPrefix(strings.TrimSpace(args[0]), "[") {
		parsed, err := initflow.ParseCommand(args[0])
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flag, err)
		}
		args = parsed
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("--%s: an empty command; give a JSON array or repeat the flag once per argument", flag)
	}
	return args, nil
}

// quoteJSON shows words as the JSON array a flag takes, quoted for a shell.
func quoteJSON(words []string) string {
	b, _ := json.Marshal(words)
	return "'" + strings.ReplaceAll(string(b), "'", `'\''`) + "'"
}

// parseSecret reads id=ID,env=VAR | id=ID,target=PATH [,optional].
func parseSecret(s string) (config.Secret, error) {
	var sec config.Secret
	for _, part := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "id":
			sec.ID = v
		case "env":
			sec.Env = v
		case "target", "dst", "destination":
			sec.Target = v
		case "optional":
			sec.Optional = v == "" || v == "true"
		default:
			return sec, fmt.Errorf("--secret %q: unknown field %q; want id=ID,env=VAR or id=ID,target=/path[,optional]", s, k)
		}
	}
	if sec.ID == "" {
		return sec, fmt.Errorf("--secret %q: id= is required", s)
	}
	if sec.Env != "" && sec.Target != "" {
		return sec, fmt.Errorf("--secret %q: give env= or target=, not both", s)
	}
	return sec, nil
}

// validateGiven reports the config problems of the keys set by flags.
func validateGiven(p config.Project, given map[string]bool) error {
	err := p.Validate()
	var ie *config.InvalidError
	if !errors.As(err, &ie) {
		return nil
	}
	flagOf := map[string]string{"package_manager": "package-manager", "secret": "secret", "labels": "label", "healthcheck": "healthcheck",
		"runtime_files": "runtime-file", "service_dir": "service-dir", "shared_paths": "shared-path", "port_env": "port-env"}
	var msgs []string
	for _, e := range ie.Errs {
		var fe *config.FieldError
		if !errors.As(e, &fe) {
			continue
		}
		key := fe.Key
		if i := strings.IndexAny(key, ".["); i >= 0 {
			key = key[:i]
		}
		if !given[key] || (key == "package_manager" && !given["language"]) {
			continue
		}
		if key == "shared_paths" && !given["service_dir"] && strings.Contains(fe.Msg, "needs service_dir") {
			continue // service_dir may come from detection; the render checks the pair
		}
		flag := flagOf[key]
		if flag == "" {
			flag = key
		}
		msgs = append(msgs, fmt.Sprintf("--%s: %s", flag, fe.Msg))
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "\n"))
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
