package lab_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"

	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/testkit"
)

func TestStartIsIdempotent(t *testing.T) {
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := range 2 {
		start := time.Now()
		got, err := lab.Start(ctx, lab.Options{Dir: l.Dir})
		if err != nil {
			t.Fatalf("Start #%d: %v", i+1, err)
		}
		if got.BuildkitHost != l.BuildkitHost || got.Registry != l.Registry {
			t.Errorf("Start #%d = %+v, want the running lab %+v", i+1, got, l)
		}
		// The first Start may rebuild stand-ins whose recipe changed; the
		// second finds everything up and cached.
		if d := time.Since(start); i > 0 && d > 5*time.Second {
			t.Errorf("warm Start took %s, want a few seconds at most", d)
		}
	}
	c, err := client.New(ctx, l.BuildkitHost)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatalf("BuildKit Info: %v", err)
	}
	t.Logf("BuildKit %s", info.BuildkitVersion.Version)
}

// build solves dockerfile with BuildKit's built-in Dockerfile frontend, in
// a context holding hello.txt.
func build(t *testing.T, l *lab.Lab, dockerfile string) {
	t.Helper()
	buildContext(t, l, map[string]string{"Dockerfile": dockerfile, "hello.txt": "hello\n"}, false)
}

// buildContext solves the Dockerfile of a context made of files; noCache
// runs every step again (what a step fetches may have changed since).
func buildContext(t *testing.T, l *lab.Lab, files map[string]string, noCache bool) {
	t.Helper()
	dir := testkit.WriteTree(t, files)
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := client.New(ctx, l.BuildkitHost)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ch := make(chan *client.SolveStatus)
	var logs strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range ch {
			for _, lg := range s.Logs {
				logs.Write(lg.Data)
			}
		}
	}()
	attrs := map[string]string{"build-arg:BUILDKIT_DOCKERFILE_CHECK": "error=true"}
	if noCache {
		attrs["no-cache"] = ""
	}
	_, err = c.Solve(ctx, nil, client.SolveOpt{
		Frontend:      "dockerfile.v0",
		LocalMounts:   map[string]fsutil.FS{"context": fs, "dockerfile": fs},
		FrontendAttrs: attrs,
	}, ch)
	<-done
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, logs.String())
	}
}

// The Dockerfile names the real image; buildkitd finds it on the lab registry
// through its mirror configuration.
func TestBuildFromDistrolessStandIn(t *testing.T) {
	l := labtest.Require(t)
	build(t, l, "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY hello.txt /hello.txt\n")
}

// RUN steps share the host's network: apt reaches the Debian mirror.
func TestBuildReachesNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("reaches the Debian mirror")
	}
	l := labtest.Require(t)
	build(t, l, "FROM docker.io/library/debian:bookworm-slim\nRUN apt-get update\n")
}

func TestStandInsAreNamedByRealRefs(t *testing.T) {
	l := &lab.Lab{Registry: "127.0.0.1:5000"}
	want := map[string]string{
		"docker.io/library/debian:bookworm-slim":    "127.0.0.1:5000/library/debian:bookworm-slim",
		"gcr.io/distroless/static-debian12:nonroot": "127.0.0.1:5000/distroless/static-debian12:nonroot",
	}
	refs := lab.StandIns()
	for ref, mirror := range want {
		found := false
		for _, r := range refs {
			found = found || r == ref
		}
		if !found {
			t.Errorf("StandIns() = %v, missing %s", refs, ref)
		}
		got, err := l.MirrorRef(ref)
		if err != nil || got != mirror {
			t.Errorf("MirrorRef(%q) = %q, %v; want %q", ref, got, err, mirror)
		}
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(lab.EnvBuildkitHost, "")
	t.Setenv(lab.EnvRegistry, "")
	if _, err := lab.FromEnv(); err == nil {
		t.Error("FromEnv with nothing set: want an error")
	}
	t.Setenv(lab.EnvBuildkitHost, "unix:///x/.lab/buildkitd.sock")
	t.Setenv(lab.EnvRegistry, "127.0.0.1:5000")
	t.Setenv(lab.EnvDir, "")
	l, err := lab.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if l.Dir != "/x/.lab" || l.Registry != "127.0.0.1:5000" {
		t.Errorf("FromEnv = %+v", l)
	}
}
