package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/pool"
	"github.com/slipway/slipway/internal/textsafe"
)

// addBuilderFlag adds the repeatable --builder of build and golden build.
func addBuilderFlag(fl *pflag.FlagSet, v *[]string) {
	fl.StringArrayVar(v, "builder", nil, "a BuildKit daemon of the pool to spread builds over: tcp://, unix://, docker-container://, kube-pod:// (repeatable; replaces builders of slipway-team.toml; --addr picks one daemon instead)")
}

// poolAddrs is the pool to build on: --builder, else the team file's
// builders; nil when neither names one, or when --addr picks one daemon
// (--addr with --builder is a usage error). Every address is checked
// before anything dials: a malformed one is exit 2, naming where it came
// from.
func poolAddrs(conn build.ConnectOptions, flags []string, team *config.Team, teamFile string) ([]string, error) {
	if conn.Addr != "" {
		if len(flags) > 0 {
			return nil, errdefs.Invalid(fmt.Errorf("--addr and --builder: give one daemon with --addr or a pool with --builder, not both"))
		}
		return nil, nil
	}
	addrs, from := flags, "--builder"
	if len(addrs) == 0 && team != nil {
		addrs, from = team.Builders, teamFile+": builders"
	}
	tcp := false
	for _, a := range addrs {
		if _, err := build.ParseAddr(a); err != nil {
			return nil, errdefs.Invalid(fmt.Errorf("%s: %w", from, err))
		}
		tcp = tcp || strings.HasPrefix(a, "tcp://")
	}
	if len(addrs) > 0 && !tcp && (conn.CACert != "" || conn.Cert != "" || conn.Key != "" || conn.ServerName != "") {
		// They would apply to no daemon of the pool: say so rather than ignore them.
		return nil, errdefs.Invalid(fmt.Errorf("--tlscacert, --tlscert, --tlskey and --tlsservername apply to tcp:// daemons, and the pool (%s) has none", from))
	}
	return addrs, nil
}

// poolDialer connects to one daemon of the pool. The TLS flags apply to
// its tcp:// daemons only (the others are reached through a socket or a
// connection helper).
func poolDialer(conn build.ConnectOptions) pool.Dialer {
	return func(ctx context.Context, addr string) (pool.Daemon, error) {
		c := build.ConnectOptions{Addr: addr}
		if strings.HasPrefix(addr, "tcp://") {
			c.CACert, c.Cert, c.Key, c.ServerName = conn.CACert, conn.Cert, conn.Key, conn.ServerName
		}
		return build.Connect(ctx, c)
	}
}

// poolBuilder builds each build.Options on the pool, placed by the key
// keyOf gives, and tells w where it ran, and which daemon failed it
// first and why.
type poolBuilder struct {
	p     *pool.Pool
	keyOf func(build.Options) pool.Key
	w     io.Writer
}

func (b *poolBuilder) Build(ctx context.Context, o build.Options) (*build.Result, error) {
	k := b.keyOf(o)
	if res, split, err := b.buildSplit(ctx, k, o); split { // platforms on their native daemons (pool_index.go)
		return res, err
	}
	out := b.p.Build(ctx, pool.Job{Name: k.Label(), Key: k, Options: o})
	reportOutcome(b.w, &out)
	return out.Result, out.Err
}

func (b *poolBuilder) Close() { _ = b.p.Close() }

// reportOutcome says on w what the pool did with one build, when it did
// more than run it at its home.
func reportOutcome(w io.Writer, o *pool.Outcome) {
	for _, a := range o.Attempts {
		what := "was down or refused; failed over"
		if a.Lost {
			what = "died mid-build; retried"
		}
		fmt.Fprintf(w, "builder: %s: %s %s (%s)\n", textsafe.String(o.Name), textsafe.String(a.Builder), what, textsafe.String(a.Reason))
	}
	if o.Builder != "" {
		fmt.Fprintf(w, "builder: %s built on %s\n", textsafe.String(o.Name), textsafe.String(o.Builder))
	}
}

// serviceBuilder is the builder of `slipway build DIR`: the pool (with DIR's
// key) when --builder or the team file names one, else the one daemon of
// --addr / BUILDKIT_HOST. It also gives o the team's registry cache when
// the team file names a cache_registry and no --cache-from or --cache-to
// was given (those replace it).
func serviceBuilder(cmd *cobra.Command, f *buildFlags, dir string, o *build.Options) (interface {
	build.Builder
	Close()
}, error) {
	team, teamFile, err := config.FindTeam(dir, f.team)
	if err != nil {
		return nil, err
	}
	addrs, err := poolAddrs(f.conn, f.builders, team, teamFile)
	if err != nil {
		return nil, err
	}
	var key pool.Key
	if len(addrs) > 0 || team.CacheRegistry != "" {
		if key, err = pool.ServiceKey(dir, o.Target, o.Platforms); err != nil {
			return nil, err
		}
	}
	if team.CacheRegistry != "" && len(f.cacheFrom) == 0 && len(f.cacheTo) == 0 {
		c := pool.ServiceCache(team.CacheRegistry, key, goldenBaseOf(dir, f.configPath))
		o.CacheFrom, o.CacheTo = c.From, c.To
	}
	if len(addrs) == 0 {
		cl, err := build.Connect(cmd.Context(), f.conn)
		if build.IsInvalid(err) {
			return nil, errdefs.Invalid(err) // a malformed address or TLS flags
		}
		if err != nil {
			return nil, err
		}
		return closer{cl}, nil
	}
	p, err := pool.New(addrs, poolDialer(f.conn), pool.Options{})
	if err != nil {
		return nil, errdefs.Invalid(err)
	}
	return &poolBuilder{p: p, keyOf: func(build.Options) pool.Key { return key }, w: cmd.ErrOrStderr()}, nil
}

type closer struct{ *build.Client }

func (c closer) Close() { _ = c.Client.Close() }

// goldenBaseOf is the golden image the service in dir is built FROM
// (slipway.toml's base = "golden:<name>"), or "".
func goldenBaseOf(dir, configPath string) string {
	if configPath == "" {
		configPath = filepath.Join(dir, config.FileName)
	}
	if _, err := os.Stat(configPath); err != nil {
		return ""
	}
	p, err := config.Load(configPath)
	if err != nil {
		return ""
	}
	name, _ := strings.CutPrefix(p.Base, "golden:")
	if name == p.Base {
		return ""
	}
	return name
}

// goldenKey places a golden image by the repository it is pushed to (its
// first tag without the tag), the same from every checkout.
func goldenKey(o build.Options) pool.Key {
	repo := ""
	if len(o.Tags) > 0 {
		repo = o.Tags[0]
		if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
			repo = repo[:i]
		}
	}
	return pool.Key{Repo: "golden", Path: repo, Target: o.Target, Platform: pool.PlatformKey(o.Platforms)}
}
