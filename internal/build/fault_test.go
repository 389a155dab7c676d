package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/testkit"
)

// privateDaemon starts a buildkitd of the test's own (the shared lab daemon
// must not be killed: other tests build on it). Its cleanup stops it,
// removes the runc containers it left and unmounts its snapshots.
func privateDaemon(t *testing.T) *lab.PrivateDaemon {
	t.Helper()
	l := labtest.Require(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	d, err := l.StartPrivateDaemon(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("private buildkitd %s ready in %v", d.Addr, time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Errorf("stopping the private buildkitd: %v", err)
		}
	})
	return d
}

// sleepMarker is a `sleep` argument unique to one test run (GNU sleep takes
// fractional seconds): the step's process is found by it in /proc.
func sleepMarker(t *testing.T) string {
	t.Helper()
	return testkit.SleepMarker(t)
}

// waitUntil polls cond every 100ms for at most d.
func waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDaemonKilledMidBuild SIGKILLs buildkitd while a RUN step runs: Build
// must return promptly with an error that says the connection to the
// daemon was lost, and leave nothing at or beside the output's dest.
func TestDaemonKilledMidBuild(t *testing.T) {
	d := privateDaemon(t)
	marker := sleepMarker(t)
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + "\nRUN " + marker + "\n",
	})
	outDir := t.TempDir()
	dest := filepath.Join(outDir, "image.tar")
	c := connectTo(t, d.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var progress syncBuffer
	stepShown := make(chan struct{})
	var once sync.Once
	pw := writerFunc(func(p []byte) (int, error) {
		if bytes.Contains(p, []byte("RUN "+marker)) {
			once.Do(func() { close(stepShown) })
		}
		return progress.Write(p)
	})
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		_, err := c.Build(ctx, Options{ContextDir: dir, NoCache: true, Progress: "plain", ProgressOut: pw,
			Outputs: []Output{{Type: OutputOCI, Dest: dest}}})
		done <- result{err, time.Now()}
	}()

	select {
	case <-stepShown:
	case r := <-done:
		t.Fatalf("the build ended before its RUN step started: %v\n%s", r.err, progress.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("the RUN step did not start within 2 minutes:\n%s", progress.String())
	}
	// The step's process runs: the daemon is killed mid-step, not before.
	if !waitUntil(30*time.Second, func() bool { return len(lab.ProcessesWithCmdline(marker)) > 0 }) {
		t.Fatalf("no %q process appeared within 30s of the step starting:\n%s", marker, progress.String())
	}
	killedAt, r := killAndWait(t, d, done, cancel, &progress)
	took := r.at.Sub(killedAt)
	t.Logf("killed buildkitd %v into the build; Build returned %v later: %v",
		killedAt.Sub(start).Round(time.Millisecond), took.Round(time.Millisecond), r.err)
	if took > 5*time.Second {
		t.Errorf("Build returned %v after buildkitd died, want < 5s", took.Round(time.Millisecond))
	}
	if r.err == nil {
		t.Fatal("Build succeeded although buildkitd was killed mid-build")
	}
	msg := r.err.Error()
	var lost *ConnectionLostError
	if !errors.As(r.err, &lost) || lost.Addr != d.Addr {
		t.Errorf("error is %T, want a *ConnectionLostError for %s: %v", r.err, d.Addr, r.err)
	}
	if want := "lost the connection to BuildKit at " + d.Addr; !strings.Contains(msg, want) {
		t.Errorf("error does not say %q:\n%s", want, msg)
	}
	if strings.Contains(msg, "rpc error") || strings.Contains(msg, "code = ") || strings.Contains(msg, "Unavailable") {
		t.Errorf("error keeps gRPC's wrapping:\n%s", msg)
	}
	if errors.Is(r.err, context.Canceled) {
		t.Errorf("a killed daemon reads as a cancel (exit 130): %v", r.err)
	}
	assertNothingIn(t, outDir)

	// The step's container outlives its daemon (runc runs in its own
	// process group); stopping the private daemon removes it.
	t.Logf("after the kill, %d process(es) of the step remain until cleanup", len(lab.ProcessesWithCmdline(marker)))
	if err := d.Stop(); err != nil {
		t.Fatalf("cleaning up the private daemon: %v", err)
	}
	if !waitUntil(5*time.Second, func() bool { return len(lab.ProcessesWithCmdline(marker)) == 0 }) {
		t.Errorf("%q still runs after cleanup: pids %v", marker, lab.ProcessesWithCmdline(marker))
	}
	if ids, err := d.Containers(); err != nil || len(ids) > 0 {
		t.Errorf("runc containers of the private daemon left: %v %v", ids, err)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", d.Pid)); err == nil {
		t.Errorf("the private buildkitd (pid %d) is still there", d.Pid)
	}
}

func TestConnectionLostNeedsUnavailable(t *testing.T) {
	c := &Client{addr: "unix:///x.sock"}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{status.Error(codes.Unavailable, "error reading from server: EOF"), true},
		{fmt.Errorf("failed to receive status: %w", status.Error(codes.Unavailable, "connection error: desc = \"transport: Error while dialing\"")), true},
		{status.Error(codes.Unknown, "error reading from server: EOF"), false},
		{errors.New("process \"/bin/sh -c exit 7\" did not complete successfully: exit code: 7"), false},
	} {
		if got := c.connectionLost(tc.err); got != tc.want {
			t.Errorf("connectionLost(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	// Both shapes seen when buildkitd was SIGKILLed mid-build.
	for _, cause := range []error{
		fmt.Errorf("failed to receive status: %w", status.Error(codes.Unavailable, "error reading from server: EOF")),
		fmt.Errorf("failed to solve: Unavailable: %w", errors.New("error reading from server: EOF")),
	} {
		err := &ConnectionLostError{Addr: c.addr, Err: cause}
		if got, want := err.Error(), "lost the connection to BuildKit at unix:///x.sock mid-build (error reading from server: EOF): "; !strings.HasPrefix(got, want) {
			t.Errorf("message %q, want it to start with %q", got, want)
		}
	}
}

// TestDaemonKilledDuringExport SIGKILLs buildkitd while it streams the OCI
// tarball: the partial file beside dest must be removed.
func TestDaemonKilledDuringExport(t *testing.T) {
	d := privateDaemon(t)
	// 256 MiB of random data, exported uncompressed: a stream that lasts
	// long enough to be cut.
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + "\nRUN head -c 268435456 /dev/urandom > /big && echo " + randomCanary(t) + "\n",
	})
	outDir := t.TempDir()
	dest := filepath.Join(outDir, "image.tar")
	c := connectTo(t, d.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var progress syncBuffer
	done := make(chan result, 1)
	go func() {
		_, err := c.Build(ctx, Options{ContextDir: dir, NoCache: true, Progress: "plain", ProgressOut: &progress,
			Outputs: []Output{{Type: OutputOCI, Dest: dest, Attrs: map[string]string{"compression": "uncompressed"}}}})
		done <- result{err, time.Now()}
	}()

	// Kill once the partial file beside dest has its first MiB.
	var partial string
	deadline := time.After(2 * time.Minute)
poll:
	for {
		select {
		case r := <-done:
			t.Fatalf("the build ended (%v) before a partial output was seen:\n%s", r.err, progress.String())
		case <-deadline:
			t.Fatalf("no partial output within 2 minutes:\n%s", progress.String())
		case <-time.After(5 * time.Millisecond):
		}
		matches, _ := filepath.Glob(filepath.Join(outDir, ".image.tar.partial-*"))
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && fi.Size() > 1<<20 {
				partial = m
				break poll
			}
		}
	}
	fi, _ := os.Stat(partial)
	killedAt, r := killAndWait(t, d, done, cancel, &progress)
	t.Logf("killed buildkitd with %d bytes in %s; Build returned %v later: %v",
		fi.Size(), filepath.Base(partial), r.at.Sub(killedAt).Round(time.Millisecond), r.err)
	if r.err == nil {
		if _, err := os.Stat(dest); err == nil {
			labtest.Unavailable(t, "the export finished before the kill landed: nothing to check")
		}
		t.Fatal("Build succeeded although buildkitd was killed and wrote no output")
	}
	if took := r.at.Sub(killedAt); took > 5*time.Second {
		t.Errorf("Build returned %v after buildkitd died, want < 5s", took.Round(time.Millisecond))
	}
	if want := "lost the connection to BuildKit at " + d.Addr; !strings.Contains(r.err.Error(), want) {
		t.Errorf("error does not say %q:\n%v", want, r.err)
	}
	assertNothingIn(t, outDir)
}

func assertNothingIn(t *testing.T, dir string) {
	t.Helper()
	testkit.AssertEmptyDir(t, dir)
}

// result is what a Build run in a goroutine returned, and when.
type result struct {
	err error
	at  time.Time
}

// killAndWait kills the daemon and waits up to 30s for the build to
// return on done (else cancels it and fails the test, showing progress).
func killAndWait(t *testing.T, d *lab.PrivateDaemon, done <-chan result, cancel context.CancelFunc, progress *syncBuffer) (time.Time, result) {
	t.Helper()
	killedAt := time.Now()
	if err := d.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		return killedAt, r
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("Build still had not returned 30s after buildkitd was killed:\n%s", progress.String())
		return killedAt, result{}
	}
}
