package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/slipway/slipway/internal/textsafe"
)

// startProcess starts a detached background process (its own session, so it
// outlives the caller and a terminal's signals), logging to logs/<name>.log,
// and records its pid in run/<name>.pid. alive is true until the process
// exits: while this process runs, it is the process's parent, and the
// child's exit is the one sure sign (a pid file and /proc/PID/cmdline say
// whether a daemon some earlier run started still runs).
func startProcess(p paths, name, bin string, args ...string) (alive func() bool, err error) {
	logf, err := os.OpenFile(p.logs(name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n--- %s %s %s\n", time.Now().UTC().Format(time.RFC3339), bin, strings.Join(args, " "))
	closeInheritedFds()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = p.root
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	_, alive = watchExit(cmd)
	if err := os.WriteFile(p.pid(name), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	return alive, nil
}

// watchExit reaps the started cmd when it exits, so that it does not
// linger as a zombie, and returns done, closed then, and alive, true until
// then.
func watchExit(cmd *exec.Cmd) (done <-chan struct{}, alive func() bool) {
	ch := make(chan struct{})
	go func() { _ = cmd.Wait(); close(ch) }()
	return ch, func() bool {
		select {
		case <-ch:
			return false
		default:
			return true
		}
	}
}

// closeInheritedFds marks close-on-exec every descriptor above stderr that
// this process inherited: a daemon outlives us, and must not keep open a
// file a parent gave us, such as the lock of `flock LOCK slipway-lab up`
// (which would then stay held for the daemon's life).
func closeInheritedFds() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}

// recordedPid returns the pid in run/<name>.pid if that process is alive and
// still runs the lab binary (pids get reused); 0 otherwise.
func recordedPid(p paths, name, binBase string) int {
	b, err := os.ReadFile(p.pid(name))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0
	}
	argv := bytes.Split(cmdline, []byte{0})
	if len(argv) == 0 || filepath.Base(string(argv[0])) != binBase {
		return 0
	}
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// A zombie is dead for our purposes.
		if f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(f) > 0 && f[0] == "Z" {
			return 0
		}
	}
	return pid
}

var procBinary = map[string]string{"buildkitd": "buildkitd", "registry": labBinaryName}

// stopProcess terminates the recorded process: SIGTERM, then SIGKILL after
// 30 s (buildkitd waits for running builds to cancel).
func stopProcess(ctx context.Context, p paths, name string, log io.Writer) error {
	defer os.Remove(p.pid(name))
	pid := recordedPid(p, name, procBinaryOf(name))
	if pid == 0 {
		return nil
	}
	logf(log, "stopping %s (pid %d)", name, pid)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stopping %s: %w", name, err)
	}
	gone := func(timeout time.Duration) (bool, error) {
		deadline := time.Now().Add(timeout)
		for time.Now().Before(deadline) {
			if recordedPid(p, name, procBinaryOf(name)) == 0 {
				return true, nil
			}
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		return false, nil
	}
	if ok, err := gone(30 * time.Second); ok || err != nil {
		reaped(ctx, pid)
		return err
	}
	logf(log, "%s did not exit after SIGTERM; killing it", name)
	_ = syscall.Kill(-pid, syscall.SIGKILL) // its process group: runc children too
	_ = syscall.Kill(pid, syscall.SIGKILL)
	if ok, err := gone(5 * time.Second); !ok && err == nil {
		return fmt.Errorf("%s (pid %d) survived SIGKILL", name, pid)
	}
	reaped(ctx, pid)
	return nil
}

// reaped waits a little for a dead daemon's zombie to be reaped by init (its
// parent, once `slipway-lab up` has exited), so that `pgrep` right after Stop
// shows nothing.
func reaped(ctx context.Context, pid int) {
	for range 100 {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitFor polls ok until it returns true, the process dies, or timeout.
func waitFor(ctx context.Context, timeout time.Duration, alive func() bool, ok func(context.Context) bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if ok(ctx) {
			return nil
		}
		if !alive() {
			return errors.New("the process exited")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s", timeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// tail returns the last n lines of a log file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return textsafe.Tail(string(b), n)
}

// checkPrereqs names the host tools the lab needs that are missing.
func checkPrereqs() error {
	if os.Geteuid() != 0 {
		return errors.New("the lab runs buildkitd, debootstrap and chroot as root: run it as root")
	}
	var missing []string
	for _, t := range []string{"runc", "debootstrap", "dpkg-deb", "unshare", "go"} {
		if _, err := exec.LookPath(t); err != nil {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s on PATH: run scripts/lab-deps.sh", strings.Join(missing, ", "))
	}
	return nil
}
