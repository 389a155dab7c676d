package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/connhelper"
	// Registers the docker-container:// scheme (buildx's builders).
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer"
	"github.com/sirupsen/logrus"
)

// Client is a connection to buildkitd. It implements Builder.
type Client struct {
	bk   *bkclient.Client
	addr string
	// Version is the daemon's BuildKit version, from the preflight.
	Version string
}

var _ Builder = (*Client)(nil)

// preflightTimeout bounds the Info() call that Connect makes, so that an
// unreachable address fails fast instead of hanging the first build.
const preflightTimeout = 4 * time.Second

// ResolveAddr returns the address Connect dials for addr: addr itself, else
// $BUILDKIT_HOST, else DefaultAddr.
func ResolveAddr(addr string) string {
	if addr != "" {
		return addr
	}
	if env := os.Getenv("BUILDKIT_HOST"); env != "" {
		return env
	}
	return DefaultAddr
}

// Connect dials buildkitd and checks that it answers. The error, when it
// does not, explains how to get a daemon.
func Connect(ctx context.Context, c ConnectOptions) (*Client, error) {
	addr := ResolveAddr(c.Addr)
	u, err := ParseAddr(addr)
	if err != nil {
		return nil, err
	}
	var opts []bkclient.ClientOpt
	if c.CACert != "" || c.ServerName != "" {
		if u.Scheme != "tcp" {
			return nil, &InvalidError{Err: fmt.Errorf("buildkit address %q: --tlscacert and --tlsservername need a tcp:// address", addr)}
		}
		opts = append(opts, bkclient.WithServerConfig(c.ServerName, c.CACert))
	}
	if c.Cert != "" || c.Key != "" {
		if c.Cert == "" || c.Key == "" {
			return nil, &InvalidError{Err: errors.New("--tlscert and --tlskey go together: give both or neither")}
		}
		if u.Scheme != "tcp" {
			return nil, &InvalidError{Err: fmt.Errorf("buildkit address %q: --tlscert and --tlskey need a tcp:// address", addr)}
		}
		opts = append(opts, bkclient.WithCredentials(c.Cert, c.Key))
	}
	for _, f := range []string{c.CACert, c.Cert, c.Key} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return nil, &InvalidError{Err: fmt.Errorf("reading TLS file: %w", err)}
		}
	}
	quietOnce.Do(quietClientLogs)
	bk, err := bkclient.New(ctx, addr, opts...)
	if err != nil {
		return nil, &UnreachableError{Addr: addr, Err: err}
	}
	pctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	info, err := bk.Info(pctx)
	if err != nil {
		bk.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connecting to buildkitd at %s: %w", addr, ctx.Err())
		}
		return nil, &UnreachableError{Addr: addr, Err: err}
	}
	return &Client{bk: bk, addr: addr, Version: info.BuildkitVersion.Version}, nil
}

// knownScheme reports whether BuildKit's client can dial scheme.
func knownScheme(scheme string) bool {
	switch scheme {
	case "unix", "tcp":
		return true
	}
	h, err := connhelper.GetConnectionHelper(scheme + "://x")
	return err == nil && h != nil
}

var quietOnce sync.Once

// quietClientLogs keeps BuildKit's client-side logrus warnings (e.g.
// "failed check for fsverity support" on a local cache) out of the
// terminal, unless the process already chose a log level.
func quietClientLogs() {
	if logrus.GetLevel() == logrus.InfoLevel {
		logrus.SetLevel(logrus.ErrorLevel)
	}
}

// Addr is the daemon address the client is connected to.
func (c *Client) Addr() string { return c.addr }

// Close closes the connection.
func (c *Client) Close() error { return c.bk.Close() }

// UnreachableError means no buildkitd answered at Addr.
type UnreachableError struct {
	Addr string
	Err  error
}

func (e *UnreachableError) Unwrap() error { return e.Err }

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("no BuildKit daemon answers at %s (%s).\n%s", e.Addr, shortErr(e.Err), daemonHint)
}

// daemonHint tells how to get a daemon, in one paragraph.
const daemonHint = "slipway builds through BuildKit's daemon, buildkitd. Point it at one with --addr or " +
	"BUILDKIT_HOST: with Docker Desktop or Docker Engine, create a buildx builder (`docker buildx create --name " +
	"slipway --use && docker buildx inspect --bootstrap`) and set BUILDKIT_HOST=docker-container://buildx_buildkit_slipway0; " +
	"a remote daemon is reached with --addr tcp://HOST:1234 and --tlscacert, --tlscert and --tlskey; a local rootful buildkitd " +
	"listens on " + DefaultAddr + " by default."

// shortErr trims gRPC's long wrapping to its last useful part.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "desc = "); i >= 0 {
		s = s[i+len("desc = "):]
	}
	return strings.TrimSpace(s)
}
