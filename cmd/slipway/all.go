package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/pool"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/workspace"
)

// The --all mode of build, generate, verify and lint: the command runs once
// per service of the slipway-workspace.toml found in DIR or above it, in
// process, exactly as `slipway CMD SERVICE_DIR` would, and one summary is
// printed. The per-service run is the single-service command itself (its
// flags, floors, checks and exit codes), so the two cannot drift apart.

// allKind is the command --all runs.
type allKind string

const (
	allBuild    allKind = "build"
	allGenerate allKind = "generate"
	allVerify   allKind = "verify"
	allLint     allKind = "lint"
)

// allFlags are the flags --all adds to a command.
type allFlags struct {
	all          bool
	changedSince string
	jobs         int
	services     []string
	// companions are the flags addAllFlags defined that mean nothing
	// without --all.
	companions []string
}

// allRefused are a command's flags that name one service's file or
// destination, so they have no meaning with --all.
var allRefused = map[allKind][]string{
	allBuild:    {"file", "config", "output", "tag", "push", "metadata-file", "iidfile"},
	allGenerate: {"config", "stdout"},
	allVerify:   {"config", "port", "health-path"},
	allLint:     {"context"},
}

// allOwn are the flags --all handles itself: never passed on.
var allOwn = map[string]bool{"service": true, "all": true, "changed-since": true, "jobs": true, "format": true, "json": true, "addr": true, "builder": true, "help": true}

// addAllFlags gives c --all, --changed-since, --jobs and (when c has none)
// --format text|json.
func addAllFlags(c *cobra.Command, a *allFlags) {
	f := c.Flags()
	f.BoolVar(&a.all, "all", false, "run for every service of the "+workspace.FileName+" in DIR or above it, and print one summary")
	f.StringVar(&a.changedSince, "changed-since", "", "with --all: only the services whose folder or shared inputs (shared paths, golden base spec and lock, team files) changed since this git revision")
	f.StringArrayVar(&a.services, "service", nil, "with --all: only this service, by name or path (repeatable)")
	a.companions = []string{"changed-since", "service"}
	if f.Lookup("jobs") == nil {
		f.IntVar(&a.jobs, "jobs", 2, "with --all: services run at once")
		a.companions = append(a.companions, "jobs")
	}
	if f.Lookup("format") == nil {
		var format string
		addFormatFlags(c, &format, "with --all: the summary, one object per service: service, builder, digest, status, key")
		a.companions = append(a.companions, "format", "json")
	}
}

// run runs --all when it is given and reports whether it did; a companion
// flag without --all is a usage error.
func (a *allFlags) run(cmd *cobra.Command, args []string, kind allKind) (bool, error) {
	if a.all {
		return true, runAll(cmd, args, a, kind)
	}
	for _, name := range a.companions {
		if cmd.Flags().Changed(name) {
			return true, &usageError{err: fmt.Errorf("--%s goes with --all", name), cmd: cmd}
		}
	}
	return false, nil
}

// allArgs is a command's argument rule, and at most one DIR with --all.
func allArgs(a *allFlags, single cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if a.all {
			return cobra.MaximumNArgs(1)(c, args)
		}
		return single(c, args)
	}
}

// newPicker chooses the daemon of each build from its key. One address
// today; a pool of daemons plugs in here.
var newPicker = func(addr string) workspace.Picker { return workspace.Single(addr) }

// ringPicker is a batch placed on a pool's ring: key → daemon.
type ringPicker map[string]string

// Pick returns the daemon the batch placement gave key.
func (r ringPicker) Pick(key string) string { return r[key] }

// runAll is `CMD --all [DIR]`.
func runAll(cmd *cobra.Command, args []string, a *allFlags, kind allKind) error {
	ctx := cmd.Context()
	fl := cmd.Flags()
	var bad []string
	for _, name := range allRefused[kind] {
		if fl.Changed(name) {
			bad = append(bad, "--"+name)
		}
	}
	if len(bad) > 0 {
		return &usageError{err: fmt.Errorf("%s: not with --all: each service's comes from its own folder", strings.Join(bad, ", ")), cmd: cmd}
	}
	format := formatText
	if ff := fl.Lookup("format"); ff != nil {
		format = ff.Value.String()
	}
	if format != formatText && format != formatJSON {
		return &usageError{err: fmt.Errorf("--format %s: with --all the summary is text or json", format), cmd: cmd}
	}
	jobs := a.jobs
	if jf := fl.Lookup("jobs"); jf != nil && jobs == 0 {
		fmt.Sscan(jf.Value.String(), &jobs)
	}
	if jobs < 1 {
		return &usageError{err: fmt.Errorf("--jobs %d: at least 1", jobs), cmd: cmd}
	}
	if len(args) > 1 {
		return &usageError{err: fmt.Errorf("with --all give at most one DIR (the workspace root or a folder below it), not %d arguments", len(args)), cmd: cmd}
	}
	dir := "."
	if len(args) == 1 {
		dir = args[0]
	}
	ws, err := workspace.Find(dir)
	if errors.Is(err, workspace.ErrNotFound) {
		return errdefs.Invalid(err)
	}
	if err != nil {
		return err // a workspace file that does not load: exit 2 through config.IsInvalid
	}

	var target string
	var platforms []string
	if kind == allBuild {
		target, _ = fl.GetString("target")
		platforms, _ = fl.GetStringSlice("platform")
	}
	var changes *workspace.Changes
	if a.changedSince != "" {
		changes, err = workspace.ChangedSince(ctx, ws.Root, a.changedSince)
		var ie *workspace.InputError
		if errors.As(err, &ie) {
			return errdefs.Invalid(err)
		}
		if err != nil {
			return err
		}
		changes.Without(absDir(ws.Images()))
	}
	selected, err := ws.Select(a.services)
	if err != nil {
		return errdefs.Invalid(err)
	}
	var tasks []workspace.Task
	for _, s := range selected {
		t := workspace.Task{Service: s, Key: ws.KeyOf(s, target, platforms)}
		if changes != nil {
			in, err := ws.Inputs(s)
			if err != nil {
				return err
			}
			if f, ok := changes.Touches(in); ok {
				t.Reason = "changed: " + relTo(ws.Root, f)
			} else {
				t.Skip = "no change since " + a.changedSince
			}
		}
		tasks = append(tasks, t)
	}

	var pick workspace.Picker
	if kind == allBuild {
		addr, _ := fl.GetString("addr")
		addr = build.ResolveAddr(addr)
		if _, err := build.ParseAddr(addr); err != nil {
			return errdefs.Invalid(err)
		}
		pick = newPicker(addr)
		// A pool (--builder, or the team file's builders): every service
		// of the batch is placed on the ring by its stable key with
		// bounded load, and built on that daemon.
		builders, _ := fl.GetStringArray("builder")
		teamFlag, _ := fl.GetString("team")
		team, teamFile, err := config.FindTeam(ws.Root, teamFlag)
		if err != nil {
			return err
		}
		flagAddr, _ := fl.GetString("addr")
		addrs, err := poolAddrs(build.ConnectOptions{Addr: flagAddr}, builders, team, teamFile)
		if err != nil {
			return err
		}
		if len(addrs) > 0 {
			keys := make([]string, 0, len(tasks))
			for _, t := range tasks {
				keys = append(keys, t.Key.String())
			}
			pick = ringPicker(pool.NewRing(addrs).Assign(keys, pool.DefaultBalance, nil))
		}
		if err := os.MkdirAll(ws.Images(), 0o755); err != nil {
			return err
		}
		for _, s := range ws.File.Services {
			if ctxDir, whole := buildContext(ws.Dir(s)); whole && within(ws.Images(), ctxDir) {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s: its build context %s holds the image folder %s, so every build sends the images before it; set image_dir in %s to a folder outside it, or shared_paths in its slipway.toml\n",
					textsafe.String(s.Name), textsafe.String(relTo(ws.Root, ctxDir)), textsafe.String(relTo(ws.Root, ws.Images())), workspace.FileName)
			}
		}
	}
	skip := map[string]bool{}
	for k := range allOwn {
		skip[k] = true
	}
	if kind != allBuild {
		delete(skip, "addr")
	}
	pass := forwardFlags(fl, skip)
	progressSet := fl.Changed("progress")
	step := func(ctx context.Context, t workspace.Task, builder string) workspace.Result {
		return runOne(ctx, kind, ws, t.Service, builder, pass, progressSet)
	}
	errw := cmd.ErrOrStderr()
	fmt.Fprintf(errw, "%s --all: %d service(s) in %s\n", kind, len(tasks), textsafe.String(ws.Path))
	results := workspace.Run(ctx, tasks, jobs, pick, step, func(r workspace.Result) { serviceBlock(errw, r) })
	out := cmd.OutOrStdout()
	if format == formatJSON {
		err = workspace.WriteJSON(out, results)
	} else {
		err = workspace.WriteTable(out, results)
	}
	if err != nil {
		return err
	}
	code := workspace.Worst(results)
	if code == exitOK {
		return nil
	}
	n := 0
	for _, r := range results {
		if r.Code != 0 {
			n++
		}
	}
	if code == exitCanceled {
		return context.Canceled
	}
	return withCode(code, fmt.Errorf("%s --all: %d of %d service(s) did not pass (table above)", kind, n, len(results)))
}

// runOne runs the single-service command for s.
func runOne(ctx context.Context, kind allKind, ws *workspace.Workspace, s workspace.Service, builder string, pass []string, progressSet bool) workspace.Result {
	dir := ws.Dir(s)
	var r workspace.Result
	var c *cobra.Command
	argv := append([]string(nil), pass...)
	img := ws.Image(s)
	switch kind {
	case allBuild:
		c = newBuildCmd()
		argv = append(argv, "--addr="+builder, "--output=type=oci,dest="+img)
		if !progressSet {
			argv = append(argv, "--progress=plain")
		}
		argv = append(argv, dir)
	case allGenerate:
		c = newGenerateCmd()
		argv = append(argv, dir)
	case allVerify:
		if _, err := os.Stat(img); err != nil {
			return workspace.Result{Status: workspace.StatusInvalid, Code: exitUsage,
				Detail: fmt.Sprintf("no image %s: run `slipway build --all` first", relTo(ws.Root, img))}
		}
		c = newVerifyCmd()
		argv = append(argv, "--config="+filepath.Join(dir, config.FileName), img)
	case allLint:
		c = newLintCmd()
		ctxDir := dir
		if p, err := config.Load(filepath.Join(dir, config.FileName)); err == nil {
			ctxDir = generate.ContextDir(dir, p)
		}
		argv = append(argv, "--format=text", "--context="+ctxDir, filepath.Join(dir, "Dockerfile"))
	}
	stdout, stderr, err := execSub(ctx, c, argv)
	r.Code = codeOf(ctx, err)
	r.Output = strings.TrimRight(stderr+stdout, "\n")
	switch {
	case r.Code == exitOK:
		r.Status = workspace.StatusOK
	case r.Code == exitUsage:
		r.Status = workspace.StatusInvalid
	case r.Code == exitCanceled:
		r.Status = workspace.StatusCanceled
	case kind == allGenerate:
		r.Status = workspace.StatusDrift
	case kind == allLint:
		r.Status = workspace.StatusFindings
	default:
		r.Status = workspace.StatusFailed
	}
	if err != nil && err.Error() != "" {
		r.Detail = err.Error()
	}
	switch kind {
	case allBuild:
		if r.Code == exitOK {
			r.Digest = lastDigest(stdout)
			if r.Detail == "" {
				r.Detail = "image " + relTo(ws.Root, img)
			}
		}
	case allVerify:
		if h, err := fileDigest(ctx, img); err == nil {
			r.Digest = h
		}
	}
	return r
}

// execSub runs a single-service command in process with its output kept.
func execSub(ctx context.Context, c *cobra.Command, argv []string) (string, string, error) {
	out, errb := &tailBuffer{max: 64 << 10}, &tailBuffer{max: 64 << 10}
	c.SetArgs(argv)
	c.SetOut(out)
	c.SetErr(errb)
	c.SetIn(strings.NewReader(""))
	c.SilenceErrors, c.SilenceUsage = true, true
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{err: err, cmd: c} })
	err := c.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

// codeOf is the exit code report gives err.
func codeOf(ctx context.Context, err error) int {
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return exitCanceled
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if config.IsInvalid(err) || isUsage(err) {
		return exitUsage
	}
	return exitFailure
}

// forwardFlags are the flags given on the command line, as arguments for
// the single-service command, except those in skip.
func forwardFlags(fl *pflag.FlagSet, skip map[string]bool) []string {
	var out []string
	fl.Visit(func(f *pflag.Flag) {
		if skip[f.Name] {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				out = append(out, "--"+f.Name+"="+v)
			}
			return
		}
		out = append(out, "--"+f.Name+"="+f.Value.String())
	})
	return out
}

// serviceBlock reports one finished service on stderr: a line, and for a
// service that did not pass the tail of what its command printed.
func serviceBlock(w io.Writer, r workspace.Result) {
	fmt.Fprintf(w, "--- %s (%s): %s\n", textsafe.String(r.Service), textsafe.String(r.Path), r.Status)
	if r.Code == exitOK || r.Output == "" {
		return
	}
	lines := strings.Split(textsafe.Lines(r.Output), "\n")
	if len(lines) > 40 {
		lines = append([]string{"..."}, lines[len(lines)-40:]...)
	}
	for _, l := range lines {
		fmt.Fprintf(w, "    %s\n", l)
	}
}

// lastDigest is the digest build printed on stdout.
func lastDigest(stdout string) string {
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "sha256:") {
			return l
		}
	}
	return ""
}

func relTo(root, p string) string {
	ar, err1 := filepath.Abs(root)
	ap, err2 := filepath.Abs(p)
	if err1 == nil && err2 == nil {
		if r, err := filepath.EvalSymlinks(ar); err == nil {
			ar = r
		}
		if r, err := filepath.Rel(ar, ap); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
	}
	return p
}

func absDir(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
	cut bool
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.buf.Len() > 2*b.max {
		keep := append([]byte(nil), b.buf.Bytes()[b.buf.Len()-b.max:]...)
		b.buf.Reset()
		b.buf.Write(keep)
		b.cut = true
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cut {
		return "...\n" + b.buf.String()
	}
	return b.buf.String()
}

// buildContext is the folder a service's build sends, and whether it sends
// all of it (no shared_paths narrow it).
func buildContext(dir string) (string, bool) {
	p, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		return dir, true
	}
	return generate.ContextDir(dir, p), p.ServiceDir == "" || len(p.SharedPaths) == 0
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	r, err := filepath.Rel(absDir(dir), absDir(p))
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}
