package lab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxSocketPath is the longest unix socket path Linux accepts (sun_path is
// 108 bytes, one of them the terminating NUL).
const maxSocketPath = 107

// PrivateDaemon is a buildkitd of a test's own: the lab's binary and
// registry mirrors, its own root, socket and log in Dir. Fault tests kill it
// without disturbing the shared lab daemon that other tests build on.
type PrivateDaemon struct {
	// Addr is its address, unix://DIR/buildkitd.sock.
	Addr string
	// Dir holds its root (DIR/buildkit), socket, config and log.
	Dir string
	// Pid is buildkitd's process id.
	Pid  int
	cmd  *exec.Cmd
	done <-chan struct{} // closed once buildkitd exited and was reaped
}

// StartPrivateDaemon starts a buildkitd in dir (which should be empty and
// short: the socket path must fit in 107 bytes) configured like the lab's
// (overlayfs, host network, the lab registry as mirror of docker.io and the
// others) and waits until it answers. Call Stop when done (t.Cleanup).
func (l *Lab) StartPrivateDaemon(ctx context.Context, dir string) (*PrivateDaemon, error) {
	if l.Dir == "" {
		return nil, errors.New("private buildkitd: the lab's directory is unknown (set " + EnvDir + ")")
	}
	bin := paths{l.Dir}.bin("buildkitd")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("private buildkitd: %w (start the lab first: `make lab`)", err)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	p := paths{dir}
	if n := len(p.socket()); n > maxSocketPath {
		return nil, fmt.Errorf("private buildkitd: socket path %s is %d bytes, longer than the %d a unix socket allows: use a shorter dir", p.socket(), n, maxSocketPath)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	confPath := p.join("buildkitd.toml")
	if err := os.WriteFile(confPath, []byte(buildkitdConfig(p, l.Registry)), 0o644); err != nil {
		return nil, err
	}
	logPath := p.join("buildkitd.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	// Its own trace socket: the default, /run/buildkit/otel-grpc.sock, is
	// the shared daemon's.
	cmd := exec.Command(bin, "--config", confPath, "--otel-socket-path", p.join("otel.sock"))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so a terminal's ^C reaches only the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting private buildkitd: %w", err)
	}
	d := &PrivateDaemon{Addr: "unix://" + p.socket(), Dir: dir, Pid: cmd.Process.Pid, cmd: cmd}
	var alive func() bool
	d.done, alive = watchExit(cmd)
	ready := func(ctx context.Context) bool { _, err := buildkitInfo(ctx, d.Addr); return err == nil }
	if err := waitFor(ctx, 60*time.Second, alive, ready); err != nil {
		serr := d.Stop()
		return nil, errors.Join(fmt.Errorf("private buildkitd: %w; log %s:\n%s", err, logPath, tail(logPath, 20)), serr)
	}
	return d, nil
}

// Kill SIGKILLs buildkitd alone, as a crash would, and waits (at most 10 s)
// until it is gone. The runc containers of its running steps survive it;
// Stop removes them.
func (d *PrivateDaemon) Kill() error {
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing private buildkitd: %w", err)
	}
	select {
	case <-d.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("private buildkitd (pid %d) survived SIGKILL for 10s", d.Pid)
	}
}

// Exited reports whether buildkitd has exited.
func (d *PrivateDaemon) Exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Log returns the end of buildkitd's log.
func (d *PrivateDaemon) Log() string { return tail(paths{d.Dir}.join("buildkitd.log"), 30) }

// Stop kills buildkitd if it still runs, kills and deletes the runc
// containers whose bundle is in Dir, and unmounts everything under Dir, so
// that Dir can be removed. It returns what it could not clean up.
func (d *PrivateDaemon) Stop() error {
	var errs []error
	if !d.Exited() {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(10 * time.Second):
			if err := d.Kill(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := d.removeContainers(); err != nil {
		errs = append(errs, err)
	}
	if err := unmountUnder(d.Dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// runcState is one entry of `runc list --format json`.
type runcState struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Status string `json:"status"`
	Bundle string `json:"bundle"`
}

// Containers returns the ids of runc containers whose bundle is in Dir.
// BuildKit runs runc with its default state root (/run/runc), shared with
// the lab daemon; the bundle path tells them apart.
func (d *PrivateDaemon) Containers() ([]string, error) {
	out, err := exec.Command("runc", "list", "--format", "json").Output()
	if err != nil {
		return nil, fmt.Errorf("runc list: %w", err)
	}
	var states []runcState
	if s := bytes.TrimSpace(out); len(s) > 0 && !bytes.Equal(s, []byte("null")) {
		if err := json.Unmarshal(s, &states); err != nil {
			return nil, fmt.Errorf("runc list: %w", err)
		}
	}
	var ids []string
	for _, s := range states {
		if s.Bundle == d.Dir || strings.HasPrefix(s.Bundle, d.Dir+"/") {
			ids = append(ids, s.ID)
		}
	}
	return ids, nil
}

func (d *PrivateDaemon) removeContainers() error {
	ids, err := d.Containers()
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		// delete --force SIGKILLs the container's processes and waits for them.
		if out, err := exec.Command("runc", "delete", "--force", id).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("runc delete --force %s: %w: %s", id, err, bytes.TrimSpace(out)))
		}
	}
	return errors.Join(errs...)
}

// unmountUnder lazily unmounts every mount point under dir, deepest first.
func unmountUnder(dir string) error {
	var errs []error
	for range 3 { // a stacked mount reappears once the top one is gone
		mounts, err := mountsUnder(dir)
		if err != nil {
			return err
		}
		if len(mounts) == 0 {
			return nil
		}
		errs = errs[:0]
		for _, m := range mounts {
			if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
				errs = append(errs, fmt.Errorf("unmounting %s: %w", m, err))
			}
		}
	}
	if mounts, _ := mountsUnder(dir); len(mounts) > 0 {
		errs = append(errs, fmt.Errorf("still mounted under %s: %s", dir, strings.Join(mounts, ", ")))
	}
	return errors.Join(errs...)
}

// mountsUnder lists the mount points at or under dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountinfo(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	return out, nil
}

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ProcessesWithCmdline returns the pids of live processes whose command
// line (arguments joined by spaces) contains s. Tests use it to find a
// build step's process by a unique marker.
func ProcessesWithCmdline(s string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue // gone, or a kernel thread or zombie
		}
		if strings.Contains(string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '})), s) {
			pids = append(pids, pid)
		}
	}
	return pids
}
