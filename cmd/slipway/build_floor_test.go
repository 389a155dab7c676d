package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// countingProxy forwards a unix socket to the BuildKit daemon at upstream
// (unix:// or tcp://) and counts the connections it forwards, so a test
// can tell a build that never reached the daemon from one that did.
func countingProxy(t *testing.T, upstream string) (addr string, conns *atomic.Int64) {
	t.Helper()
	network, target, ok := strings.Cut(upstream, "://")
	if !ok || (network != "unix" && network != "tcp") {
		labtest.Unavailable(t, "the lab's BUILDKIT_HOST %q is neither unix:// nor tcp://", upstream)
	}
	sock := filepath.Join(t.TempDir(), "bk.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	conns = &atomic.Int64{}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			up, err := net.Dial(network, target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(up, c); up.Close() }()
			go func() { defer wg.Done(); io.Copy(c, up); c.Close() }()
		}
	}()
	return "unix://" + sock, conns
}

// TestBuildRefusesBelowTheFloorLab: a service under a repository team
// file (with its own, looser one) whose Dockerfile was edited by hand to
// go below each floor is refused by `slipway build` with exit 1 and the
// findings, before anything reaches BuildKit: the daemon sees no
// connection and no output is written. The same service at the floors
// builds through the same proxy against the lab's daemon.
func TestBuildRefusesBelowTheFloorLab(t *testing.T) {
	l := labtest.Require(t)
	const good = `FROM docker.io/library/debian:bookworm-slim
LABEL org.opencontainers.image.source="https://example.com/api"
HEALTHCHECK CMD ["/bin/true"]
USER 10001:10001
ENTRYPOINT ["/bin/true"]
`
	repo := writeFiles(t, map[string]string{
		config.TeamFileName: `allowed_bases = ["debian-slim"]
min_uid = 10000
require_healthcheck = true
required_labels = ["org.opencontainers.image.source"]
`,
		"svc/" + config.TeamFileName: "min_uid = 0\nrequire_healthcheck = false\n",
		"svc/Dockerfile":             good,
	})
	svc := filepath.Join(repo, "svc")
	addr, conns := countingProxy(t, l.BuildkitHost)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	for _, tc := range []struct {
		name, old, new string
		args           []string
		want           []string
	}{
		{"hand-edited USER 0", "USER 10001:10001", "USER 0", nil, []string{"SW102", "team floor min_uid"}},
		{"USER 00", "USER 10001:10001", "USER 00", nil, []string{`"00" is uid 0`}},
		{"USER from a build arg set to root", "USER 10001:10001", "ARG UID=10001\nUSER ${UID}", []string{"--build-arg", "UID=+0"}, []string{"SW102", `"+0" is uid 0`}},
		{"base outside allowed_bases", "debian:bookworm-slim", "debian:bookworm", nil, []string{"SW113", "team floor allowed_bases"}},
		{"no HEALTHCHECK", "HEALTHCHECK CMD [\"/bin/true\"]\n", "", nil, []string{"SW160", "team floor require_healthcheck"}},
		{"no required label", "LABEL org.opencontainers.image.source=\"https://example.com/api\"\n", "", nil, []string{"SW161", "team floor required_labels"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(svc, "Dockerfile"), []byte(strings.Replace(good, tc.old, tc.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(t.TempDir(), "img.tar")
			before := conns.Load()
			args := append([]string{svc, "--addr", addr, "--progress", "quiet", "-o", "type=oci,dest=" + dest}, tc.args...)
			code, out, msg := runBuild(t, ctx, args...)
			if code != exitFailure {
				t.Fatalf("exit %d, want %d: %s", code, exitFailure, msg)
			}
			for _, w := range append(tc.want, "below the team's floors", "nothing was built") {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q:\n%s", w, msg)
				}
			}
			if !strings.Contains(msg, filepath.Join(svc, config.TeamFileName)+": min_uid") {
				t.Errorf("the nested file's attempt to loosen min_uid is not warned about:\n%s", msg)
			}
			if n := conns.Load() - before; n != 0 {
				t.Errorf("the daemon got %d connection(s): the build started", n)
			}
			if _, err := os.Stat(dest); !os.IsNotExist(err) || out != "" {
				t.Errorf("something was built: stat %v, stdout %q", err, out)
			}
		})
	}

	// At the floors, the same command builds through the same proxy.
	if err := os.WriteFile(filepath.Join(svc, "Dockerfile"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "img.tar")
	before := conns.Load()
	code, out, msg := runBuild(t, ctx, svc, "--addr", addr, "--progress", "quiet", "-o", "type=oci,dest="+dest)
	if code != exitOK || !strings.HasPrefix(strings.TrimSpace(out), "sha256:") {
		t.Fatalf("the Dockerfile at the floors: exit %d, stdout %q: %s", code, out, msg)
	}
	if conns.Load() == before {
		t.Error("the proxy saw no connection for a build that ran: it proves nothing")
	}
	if _, err := os.Stat(dest); err != nil {
		t.Errorf("no output: %v", err)
	}
}
