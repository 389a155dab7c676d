package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/docker/cli/cli/config"
	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
)

// Build runs one build on the daemon. See Options for what it does; the
// returned error, when the Dockerfile is at fault, shows the failing lines.
func (c *Client) Build(ctx context.Context, o Options) (*Result, error) {
	return c.build(ctx, o, nil)
}

// fsHook lets tests observe what the context mount serves.
type fsHook func(name string, fs fsutil.FS) fsutil.FS

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
