package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/docker/cli/cli/config"
	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
)

// Build runs one build on the daemon. See Options for what it does; the
// returned error, when the Dockerfile is at fault, shows the failing lines.
func (c *Client) Build(ctx context.Context, o Options) (*Result, error) {
	return c.build(ctx, o, nil)
}

// Validate checks o as Build would before contacting the daemon: the
// context and Dockerfile exist, required secrets are given and their
// sources exist, no build arg looks like a credential. The error is an
// *InvalidError.
func (o Options) Validate() error {
	if _, err := prepare(o); err != nil {
		return &InvalidError{Err: err}
	}
	return nil
}

// fsHook lets tests observe what the context mount serves.
type fsHook func(name string, fs fsutil.FS) fsutil.FS

// prepared is Options checked and resolved, ready for Solve.
type prepared struct {
	contextDir, dockerfileDir, dockerfileName string
	secrets                                   []secretsprovider.Source
	ssh                                       []sshprovider.AgentConfig
	attrs                                     map[string]string
	epoch                                     int64 // -1: none
}

// prepare checks o and resolves defaults. It reads no secret value.
func prepare(o Options) (*prepared, error) {
	p := &prepared{epoch: -1}
	dir := o.ContextDir
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("build context %s is not a directory", dir)
	}
	p.contextDir = abs
	df := o.Dockerfile
	if df == "" {
		df = filepath.Join(abs, "Dockerfile")
	}
	df, err = filepath.Abs(df)
	if err != nil {
		return nil, fmt.Errorf("dockerfile %s: %w", o.Dockerfile, err)
	}
	if fi, err := os.Stat(df); err != nil {
		return nil, fmt.Errorf("dockerfile: %w", err)
	} else if fi.IsDir() {
		return nil, fmt.Errorf("dockerfile %s is a directory", df)
	}
	p.dockerfileDir, p.dockerfileName = filepath.Split(df)

	if !o.allowCredentialArgs {
		if err := CheckBuildArgs(o.BuildArgs); err != nil {
			return nil, err
		}
	}
	if p.secrets, err = resolveSecrets(o.Secrets, o.RequiredSecrets); err != nil {
		return nil, err
	}
	for _, s := range o.SSH {
		id, paths, _ := strings.Cut(s, "=")
		if id == "" {
			return nil, fmt.Errorf("--ssh %q: want default or ID=PATH[,PATH]", s)
		}
		ac := sshprovider.AgentConfig{ID: id}
		if paths != "" {
			ac.Paths = strings.Split(paths, ",")
		}
		p.ssh = append(p.ssh, ac)
	}
	for _, out := range o.Outputs {
		switch out.Type {
		case OutputOCI, OutputDocker, OutputTar, OutputLocal:
			if out.Dest == "" {
				return nil, fmt.Errorf("output type=%s needs a dest", out.Type)
			}
		case OutputImage:
		default:
			return nil, fmt.Errorf("output type %q: want oci, docker, tar, local or image", out.Type)
		}
	}
	if o.Push && len(o.Tags) == 0 && !slices.ContainsFunc(o.Outputs, func(x Output) bool { return x.Attrs["name"] != "" }) {
		return nil, errors.New("--push needs an image name: give --tag REGISTRY/REPO:TAG")
	}

	if o.SourceDateEpoch != nil {
		p.epoch = *o.SourceDateEpoch
	} else {
		p.epoch = gitCommitTime(p.contextDir)
	}

	a := map[string]string{"filename": p.dockerfileName}
	for k, v := range o.BuildArgs {
		a["build-arg:"+k] = v
	}
	for k, v := range o.Labels {
		a["label:"+k] = v
	}
	if len(o.Platforms) > 0 {
		a["platform"] = strings.Join(o.Platforms, ",")
	}
	if o.Target != "" {
		a["target"] = o.Target
	}
	if o.NoCache {
		a["no-cache"] = ""
	}
	switch o.Provenance {
	case "":
	case "min", "max":
		a["attest:provenance"] = "mode=" + o.Provenance
	default:
		return nil, fmt.Errorf("provenance %q: want min or max", o.Provenance)
	}
	if p.epoch >= 0 {
		a["build-arg:SOURCE_DATE_EPOCH"] = strconv.FormatInt(p.epoch, 10)
	}
	if o.Checks {
		a["build-arg:BUILDKIT_DOCKERFILE_CHECK"] = "error=true"
	}
	p.attrs = a
	return p, nil
}

// resolveSecrets checks that every required id is given and that each
// source exists. Values are not read: BuildKit's provider reads them when
// a step mounts the secret.
func resolveSecrets(given []Secret, required []string) ([]secretsprovider.Source, error) {
	have := map[string]bool{}
	var out []secretsprovider.Source
	for _, s := range given {
		if s.ID == "" {
			return nil, errors.New("secret without an id")
		}
		if have[s.ID] {
			return nil, fmt.Errorf("secret %s given twice", s.ID)
		}
		have[s.ID] = true
		src := secretsprovider.Source{ID: s.ID, FilePath: s.Src, Env: s.Env}
		if src.Env == "" && src.FilePath == "" {
			// BuildKit's rule for a bare id: $ID when set, else the file ID.
			if _, ok := os.LookupEnv(s.ID); ok {
				src.Env = s.ID
			} else {
				src.FilePath = s.ID
			}
		}
		switch {
		case src.Env != "":
			if _, ok := os.LookupEnv(src.Env); !ok {
				return nil, fmt.Errorf("secret %s: environment variable %s is not set", s.ID, src.Env)
			}
		default:
			fi, err := os.Stat(src.FilePath)
			if err != nil {
				return nil, fmt.Errorf("secret %s: %w", s.ID, err)
			}
			if fi.IsDir() {
				return nil, fmt.Errorf("secret %s: %s is a directory, want a file", s.ID, src.FilePath)
			}
		}
		out = append(out, src)
	}
	var missing []string
	for _, id := range required {
		if !have[id] && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, &MissingSecretsError{IDs: missing}
	}
	return out, nil
}

// MissingSecretsError means slipway.toml declares secrets the build was
// not given.
type MissingSecretsError struct{ IDs []string }

func (e *MissingSecretsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "missing build secret %s (declared in slipway.toml); give ", strings.Join(e.IDs, ", "))
	for i, id := range e.IDs {
		if i > 0 {
			b.WriteString(" and ")
		}
		fmt.Fprintf(&b, "--secret id=%s,src=FILE (or env=VAR)", id)
	}
	b.WriteString(", or mark it optional = true in slipway.toml")
	return b.String()
}

// gitCommitTime is the time of the last commit (reachable from HEAD) that
// touched dir, or 0 when there is none: dir outside a git work tree, never
// committed, or git missing. Using dir's own last commit rather than HEAD's
// keeps a service's digest stable across commits that touch other services
// of the same repository.
func gitCommitTime(dir string) int64 {
	out, err := exec.Command("git", "-C", dir, "log", "-1", "--format=%ct", "--", ".").Output()
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// contextFS is the build context: dir with .dockerignore applied on this
// side too, so an excluded file (.env, keys) is never sent even if a
// frontend forgot to ask for the exclusion.
func contextFS(dir, dockerfileDir, dockerfileName string) (fsutil.FS, error) {
	base, err := fsutil.NewFS(dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	excludes, err := readIgnore(dir, dockerfileDir, dockerfileName)
	if err != nil {
		return nil, err
	}
	if len(excludes) == 0 {
		return base, nil
	}
	// The frontend reads .dockerignore from the context itself.
	excludes = append(excludes, "!.dockerignore")
	return fsutil.NewFilterFS(base, &fsutil.FilterOpt{ExcludePatterns: excludes})
}

// readIgnore reads the exclusions the dockerfile frontend uses: NAME.dockerignore
// beside the Dockerfile, else .dockerignore at the context root.
func readIgnore(dir, dockerfileDir, dockerfileName string) ([]string, error) {
	for _, f := range []string{filepath.Join(dockerfileDir, dockerfileName+".dockerignore"), filepath.Join(dir, ".dockerignore")} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
		pats, err := ignorefile.ReadAll(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
		return pats, nil
	}
	return nil, nil
}

// dockerfileFS serves only the Dockerfile and its own .dockerignore, even
// when it lives in the context directory.
func dockerfileFS(dir, name string) (fsutil.FS, error) {
	base, err := fsutil.NewFS(dir)
	if err != nil {
		return nil, fmt.Errorf("dockerfile directory %s: %w", dir, err)
	}
	return fsutil.NewFilterFS(base, &fsutil.FilterOpt{IncludePatterns: []string{name, name + ".dockerignore"}})
}

// parseCache parses buildx's --cache-from/--cache-to syntax. A value with
// no '=' is a registry reference.
func parseCache(s string) (bkclient.CacheOptionsEntry, error) {
	if !strings.Contains(s, "=") {
		return bkclient.CacheOptionsEntry{Type: "registry", Attrs: map[string]string{"ref": s}}, nil
	}
	fields, err := csvFields(s)
	if err != nil {
		return bkclient.CacheOptionsEntry{}, fmt.Errorf("cache %q: %w", s, err)
	}
	e := bkclient.CacheOptionsEntry{Attrs: map[string]string{}}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return e, fmt.Errorf("cache %q: field %q is not key=value", s, f)
		}
		if strings.ToLower(k) == "type" {
			e.Type = v
		} else {
			e.Attrs[strings.ToLower(k)] = v
		}
	}
	if e.Type == "" {
		return e, fmt.Errorf("cache %q: missing type= (local, registry, inline, gha, s3)", s)
	}
	return e, nil
}

// fileOutput is an output written beside its destination and moved into
// place only when the build succeeded.
type fileOutput interface {
	commit() error
	abort()
}

// tarOutput writes an exporter's tarball to a temporary file beside dest;
// commit renames it into place once the build succeeded, abort removes it.
type tarOutput struct {
	dest string
	mu   sync.Mutex
	f    *os.File
}

func (t *tarOutput) open(map[string]string) (io.WriteCloser, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f != nil {
		return nil, fmt.Errorf("output %s opened twice", t.dest)
	}
	if err := os.MkdirAll(filepath.Dir(t.dest), 0o755); err != nil {
		return nil, fmt.Errorf("creating output directory: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(t.dest), "."+filepath.Base(t.dest)+".partial-*")
	if err != nil {
		return nil, fmt.Errorf("creating output %s: %w", t.dest, err)
	}
	t.f = f
	return &syncCloser{f}, nil
}

type syncCloser struct{ *os.File }

func (s *syncCloser) Close() error {
	if err := s.Sync(); err != nil {
		s.File.Close()
		return err
	}
	return s.File.Close()
}

func (t *tarOutput) commit() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil {
		return fmt.Errorf("output %s: the exporter wrote nothing", t.dest)
	}
	t.f.Close() // normally closed already by the session
	if err := os.Chmod(t.f.Name(), 0o644); err != nil {
		return fmt.Errorf("writing output %s: %w", t.dest, err)
	}
	if err := os.Rename(t.f.Name(), t.dest); err != nil {
		return fmt.Errorf("writing output %s: %w", t.dest, err)
	}
	t.f = nil
	return nil
}

func (t *tarOutput) abort() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f != nil {
		t.f.Close()
		os.Remove(t.f.Name())
		t.f = nil
	}
}

func (c *Client) build(ctx context.Context, o Options, hook fsHook) (*Result, error) {
	p, err := prepare(o)
	if err != nil {
		return nil, &InvalidError{Err: err}
	}
	ctxFS, err := contextFS(p.contextDir, p.dockerfileDir, p.dockerfileName)
	if err != nil {
		return nil, err
	}
	warnOut := o.ProgressOut
	if warnOut == nil {
		warnOut = os.Stderr
	}
	creds, n, err := contextCredentials(ctx, ctxFS, maxContextFiles)
	if err != nil {
		return nil, err
	}
	warnContext(warnOut, p.contextDir, creds, n)
	dfFS, err := dockerfileFS(p.dockerfileDir, p.dockerfileName)
	if err != nil {
		return nil, err
	}
	if hook != nil {
		ctxFS = hook("context", ctxFS)
		dfFS = hook("dockerfile", dfFS)
	}

	store, err := secretsprovider.NewStore(p.secrets)
	if err != nil {
		return nil, fmt.Errorf("build secrets: %w", err)
	}
	attachables := []session.Attachable{
		secretsprovider.NewSecretProvider(store),
		authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
			AuthConfigProvider: authprovider.LoadAuthConfig(config.LoadDefaultConfigFile(io.Discard)),
		}),
	}
	if len(p.ssh) > 0 {
		sp, err := sshprovider.NewSSHAgentProvider(p.ssh)
		if err != nil {
			return nil, fmt.Errorf("--ssh: %w", err)
		}
		attachables = append(attachables, sp)
	}

	var tars []fileOutput
	defer func() {
		for _, t := range tars {
			t.abort()
		}
	}()
	exports, err := exportEntries(o, p, &tars)
	if err != nil {
		return nil, err
	}

	opt := bkclient.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: p.attrs,
		LocalMounts:   map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		Session:       attachables,
		Exports:       exports,
	}
	for _, s := range o.CacheFrom {
		e, err := parseCache(s)
		if err != nil {
			return nil, fmt.Errorf("--cache-from: %w", err)
		}
		opt.CacheImports = append(opt.CacheImports, e)
	}
	for _, s := range o.CacheTo {
		e, err := parseCache(s)
		if err != nil {
			return nil, fmt.Errorf("--cache-to: %w", err)
		}
		opt.CacheExports = append(opt.CacheExports, e)
	}

	mode := o.Progress
	if mode == "" {
		mode = "auto"
	}
	out := o.ProgressOut
	if out == nil {
		out = os.Stderr
	}
	display, err := progressui.NewDisplay(out, progressui.DisplayMode(mode))
	if err != nil {
		return nil, fmt.Errorf("--progress %s: %w", mode, err)
	}

	ch := make(chan *bkclient.SolveStatus)
	eg, ectx := errgroup.WithContext(ctx)
	var resp *bkclient.SolveResponse
	eg.Go(func() error {
		var err error
		resp, err = c.bk.Solve(ectx, nil, opt, ch)
		return err
	})
	var warnings []bkclient.VertexWarning
	eg.Go(func() error {
		// Drain until Solve closes the channel, even when canceled, so the
		// display shows where the build stopped.
		var err error
		warnings, err = display.UpdateFrom(context.WithoutCancel(ctx), ch)
		return err
	})
	err = eg.Wait()
	res := &Result{Warnings: toWarnings(warnings)}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("build canceled: %w", context.Cause(ctx))
		}
		if c.connectionLost(err) {
			return nil, &ConnectionLostError{Addr: c.addr, Err: err}
		}
		return nil, translate(err, res.Warnings)
	}
	for _, t := range tars {
		if err := t.commit(); err != nil {
			return nil, err
		}
	}
	res.Exporter = resp.ExporterResponse
	res.ImageDigest = resp.ExporterResponse[exptypes.ExporterImageDigestKey]
	res.ConfigDigest = resp.ExporterResponse[exptypes.ExporterImageConfigDigestKey]
	return res, nil
}

// exportEntries turns Outputs, Tags and Push into BuildKit exporters.
func exportEntries(o Options, p *prepared, tars *[]fileOutput) ([]bkclient.ExportEntry, error) {
	name := strings.Join(o.Tags, ",")
	var out []bkclient.ExportEntry
	pushed := false
	for _, x := range o.Outputs {
		attrs := maps.Clone(x.Attrs)
		if attrs == nil {
			attrs = map[string]string{}
		}
		e := bkclient.ExportEntry{Type: x.Type, Attrs: attrs}
		switch x.Type {
		case OutputOCI, OutputDocker, OutputImage:
			if attrs["name"] == "" && name != "" {
				attrs["name"] = name
			}
			if p.epoch >= 0 {
				if _, ok := attrs["rewrite-timestamp"]; !ok {
					attrs["rewrite-timestamp"] = "true"
				}
			}
		}
		switch x.Type {
		case OutputOCI, OutputDocker, OutputTar:
			dest, err := filepath.Abs(x.Dest)
			if err != nil {
				return nil, fmt.Errorf("output %s: %w", x.Dest, err)
			}
			t := &tarOutput{dest: dest}
			*tars = append(*tars, t)
			e.Output = t.open
		case OutputLocal:
			d, err := newDirOutput(x.Dest)
			if err != nil {
				return nil, err
			}
			*tars = append(*tars, d)
			e.OutputDir = d.tmp
		case OutputImage:
			if o.Push {
				attrs["push"] = "true"
			}
			if attrs["push"] == "true" {
				pushed = true
			}
		}
		out = append(out, e)
	}
	if (o.Push && !pushed) || (len(o.Outputs) == 0 && name != "") {
		attrs := map[string]string{"name": name}
		if o.Push {
			attrs["push"] = "true"
		}
		if p.epoch >= 0 {
			attrs["rewrite-timestamp"] = "true"
		}
		out = append(out, bkclient.ExportEntry{Type: OutputImage, Attrs: attrs})
	}
	if len(out) == 0 {
		// No output asked for: keep the image in the daemon (unnamed) so the
		// build still yields a digest.
		attrs := map[string]string{}
		if p.epoch >= 0 {
			attrs["rewrite-timestamp"] = "true"
		}
		out = append(out, bkclient.ExportEntry{Type: OutputImage, Attrs: attrs})
	}
	return out, nil
}

func toWarnings(ws []bkclient.VertexWarning) []Warning {
	var out []Warning
	for _, w := range ws {
		x := Warning{Rule: string(w.Short), URL: w.URL}
		var d []string
		for _, b := range w.Detail {
			d = append(d, string(b))
		}
		x.Detail = strings.Join(d, " ")
		if w.SourceInfo != nil {
			x.File = w.SourceInfo.Filename
		}
		if len(w.Range) > 0 && w.Range[0].Start != nil {
			x.Line = int(w.Range[0].Start.Line)
		}
		out = append(out, x)
	}
	return out
}

// dirOutput has the local exporter write into a temporary directory beside
// dest; commit swaps it into place (an existing dest is replaced whole, not
// merged), abort removes it.
type dirOutput struct {
	dest, tmp string
}

func newDirOutput(dest string) (*dirOutput, error) {
	dest, err := filepath.Abs(dest)
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", dest, err)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return nil, fmt.Errorf("creating output directory: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".partial-*")
	if err != nil {
		return nil, fmt.Errorf("creating output %s: %w", dest, err)
	}
	return &dirOutput{dest: dest, tmp: tmp}, nil
}

func (d *dirOutput) commit() error {
	if err := os.Chmod(d.tmp, 0o755); err != nil {
		return fmt.Errorf("writing output %s: %w", d.dest, err)
	}
	old := ""
	if _, err := os.Lstat(d.dest); err == nil {
		old = d.tmp + ".old"
		if err := os.Rename(d.dest, old); err != nil {
			return fmt.Errorf("replacing output %s: %w", d.dest, err)
		}
	}
	if err := os.Rename(d.tmp, d.dest); err != nil {
		if old != "" {
			os.Rename(old, d.dest)
		}
		return fmt.Errorf("writing output %s: %w", d.dest, err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

func (d *dirOutput) abort() { os.RemoveAll(d.tmp) }
