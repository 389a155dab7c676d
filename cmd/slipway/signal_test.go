package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/testkit"
)

// These tests run the real slipway binary, built once into the test's temp
// dir: exit codes, signals and stderr as a user or a CI job sees them.
func TestBinaryFaults(t *testing.T) {
	bin := buildBinary(t)
	t.Run("unreachable addr", func(t *testing.T) { testBinaryUnreachable(t, bin) })
	t.Run("SIGINT mid-build exits 130", func(t *testing.T) { testBinarySIGINT(t, bin) })
	t.Run("daemon killed mid-build exits 1", func(t *testing.T) { testBinaryDaemonKilled(t, bin) })
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "slipway")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %v", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// binRun is one running `slipway` process whose stderr is scanned line by
// line.
type binRun struct {
	cmd    *exec.Cmd
	stdout strings.Builder
	mu     sync.Mutex
	stderr strings.Builder
	seen   chan struct{} // closed when a stderr line contains the awaited text
	done   chan struct{} // closed when the process exited (err then set)
	err    error
	ended  time.Time
}

// startBin starts bin with args, watching stderr for await.
func startBin(t *testing.T, bin, await string, args ...string) *binRun {
	t.Helper()
	r := &binRun{cmd: exec.Command(bin, args...), seen: make(chan struct{}), done: make(chan struct{})}
	r.cmd.Stdout = &r.stdout
	r.cmd.Env = append(os.Environ(), "NO_COLOR=1")
	errPipe, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			r.cmd.Process.Kill()
			<-r.done
		}
	})
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		var once sync.Once
		sc := bufio.NewScanner(errPipe)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.stderr.WriteString(line + "\n")
			r.mu.Unlock()
			if await != "" && strings.Contains(line, await) {
				once.Do(func() { close(r.seen) })
			}
		}
		io.Copy(io.Discard, errPipe)
	}()
	go func() {
		<-scanned // Wait closes the pipe: read it all first
		r.err = r.cmd.Wait()
		r.ended = time.Now()
		close(r.done)
	}()
	return r
}

func (r *binRun) Stderr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.String()
}

// exitCode is the process's exit code; -1 if a signal ended it.
func (r *binRun) exitCode() int {
	var ee *exec.ExitError
	if r.err == nil {
		return 0
	}
	if errors.As(r.err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// waitExit waits at most d for the process to exit.
func (r *binRun) waitExit(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(d):
		t.Fatalf("slipway still runs %v later; stderr:\n%s", d, r.Stderr())
	}
}

// waitStep waits until the RUN step shows on stderr and its process runs.
func (r *binRun) waitStep(t *testing.T, marker string) {
	t.Helper()
	select {
	case <-r.seen:
	case <-r.done:
		t.Fatalf("slipway exited (%v) before the RUN step started; stderr:\n%s", r.err, r.Stderr())
	case <-time.After(2 * time.Minute):
		t.Fatalf("the RUN step did not start within 2 minutes; stderr:\n%s", r.Stderr())
	}
	if !pollUntil(30*time.Second, func() bool { return len(lab.ProcessesWithCmdline(marker)) > 0 }) {
		t.Fatalf("no %q process within 30s of the step starting; stderr:\n%s", marker, r.Stderr())
	}
}

func pollUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// sleepStep returns a `sleep` command unique to this run (GNU sleep takes
// fractional seconds), so its process can be found in /proc.
func sleepStep(t *testing.T) string {
	t.Helper()
	return testkit.SleepMarker(t)
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	testkit.AssertEmptyDir(t, dir)
}

func testBinaryUnreachable(t *testing.T, bin string) {
	dir := writeFiles(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	addr := "unix://" + filepath.Join(t.TempDir(), "none.sock")
	start := time.Now()
	r := startBin(t, bin, "", "build", dir, "--addr", addr, "--progress", "plain")
	r.waitExit(t, 10*time.Second)
	took := r.ended.Sub(start)
	t.Logf("exit %d after %v", r.exitCode(), took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("took %v, want < 5s", took.Round(time.Millisecond))
	}
	if r.exitCode() != exitFailure {
		t.Errorf("exit %d, want %d", r.exitCode(), exitFailure)
	}
	msg := r.Stderr()
	for _, want := range []string{"slipway: no BuildKit daemon answers at " + addr, "--addr or BUILDKIT_HOST", "docker buildx create", "a remote daemon is reached with"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr lacks %q:\n%s", want, msg)
		}
	}
	if r.stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", r.stdout.String())
	}
}

func testBinarySIGINT(t *testing.T, bin string) {
	l := labtest.Require(t)
	r, step, outDir := startSleepBuild(t, bin, l.BuildkitHost)
	sent := r.exitsAfter(t, "SIGINT", func() error { return r.cmd.Process.Signal(os.Interrupt) })
	if r.exitCode() != exitCanceled {
		t.Errorf("exit %d, want %d", r.exitCode(), exitCanceled)
	}
	msg := r.Stderr()
	if !strings.Contains(msg, "slipway: canceled") {
		t.Errorf("stderr does not say the build was canceled:\n%s", msg)
	}
	if strings.Contains(msg, "rpc error") {
		t.Errorf("stderr shows a raw gRPC error:\n%s", msg)
	}
	assertEmptyDir(t, outDir)
	// The daemon stopped the step: its container is gone.
	if !pollUntil(10*time.Second, func() bool { return len(lab.ProcessesWithCmdline(step)) == 0 }) {
		t.Errorf("%q still runs in the daemon 10s after slipway exited (pids %v)", step, lab.ProcessesWithCmdline(step))
	} else {
		t.Logf("the step's process was gone %v after SIGINT", time.Since(sent).Round(100*time.Millisecond))
	}
}

func testBinaryDaemonKilled(t *testing.T, bin string) {
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	d, err := l.StartPrivateDaemon(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Errorf("stopping the private buildkitd: %v", err)
		}
	})
	r, step, outDir := startSleepBuild(t, bin, d.Addr)
	r.exitsAfter(t, "buildkitd was killed", d.Kill)
	if r.exitCode() != exitFailure {
		t.Errorf("exit %d, want %d", r.exitCode(), exitFailure)
	}
	msg := r.Stderr()
	t.Logf("last line of stderr: %s", lastLine(msg))
	if want := "slipway: lost the connection to BuildKit at " + d.Addr; !strings.Contains(msg, want) {
		t.Errorf("stderr lacks %q:\n%s", want, msg)
	}
	if strings.Contains(msg, "rpc error") || strings.Contains(msg, "Unavailable") || strings.Contains(msg, "slipway: canceled") {
		t.Errorf("stderr shows a raw gRPC error or a cancel:\n%s", msg)
	}
	assertEmptyDir(t, outDir)

	if err := d.Stop(); err != nil {
		t.Fatalf("cleaning up the private daemon: %v", err)
	}
	if !pollUntil(5*time.Second, func() bool { return len(lab.ProcessesWithCmdline(step)) == 0 }) {
		t.Errorf("%q still runs after cleanup (pids %v)", step, lab.ProcessesWithCmdline(step))
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", d.Pid)); err == nil {
		t.Errorf("the private buildkitd (pid %d) is still there", d.Pid)
	}
}

// startSleepBuild starts `slipway build` of a one-step Dockerfile whose
// step sleeps, against the daemon at addr, and returns once the step runs:
// the run, the step's marker and the output folder.
func startSleepBuild(t *testing.T, bin, addr string) (*binRun, string, string) {
	t.Helper()
	step := sleepStep(t)
	dir := writeFiles(t, map[string]string{"Dockerfile": "FROM docker.io/library/debian:bookworm-slim\nRUN " + step + "\n"})
	outDir := t.TempDir()
	r := startBin(t, bin, "RUN "+step, "build", dir, "--addr", addr, "--progress", "plain", "--no-cache",
		"-o", "type=oci,dest="+filepath.Join(outDir, "image.tar"))
	r.waitStep(t, step)
	return r, step, outDir
}

// exitsAfter does what (the event), waits for slipway to exit, and wants
// it to within 5 seconds; it returns when the event was.
func (r *binRun) exitsAfter(t *testing.T, event string, what func() error) time.Time {
	t.Helper()
	at := time.Now()
	if err := what(); err != nil {
		t.Fatal(err)
	}
	r.waitExit(t, 30*time.Second)
	took := r.ended.Sub(at)
	t.Logf("exit %d %v after %s", r.exitCode(), took.Round(time.Millisecond), event)
	if took > 5*time.Second {
		t.Errorf("slipway exited %v after %s, want < 5s", took.Round(time.Millisecond), event)
	}
	return at
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}
