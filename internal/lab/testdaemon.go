package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Daemon is a buildkitd that a test starts beside the lab's own, on a root
// of its own, so that it can be killed or pruned without touching the
// daemons others build on. It mirrors the same registries through the
// lab's registry.
type Daemon struct {
	Addr string
	Dir  string
	cmd  *exec.Cmd
	done <-chan struct{}
}

// StartDaemon starts a buildkitd with its config, root and socket in dir
// (which must exist and be short enough for a unix socket path), with the
// lab's binary and registry mirrors, and waits until it answers.
func (l *Lab) StartDaemon(ctx context.Context, dir string) (*Daemon, error) {
	p := paths{l.Dir}
	bin := p.bin("buildkitd")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("the lab's buildkitd is not built (run slipway-lab up): %w", err)
	}
	d := paths{dir}
	sock := d.join("buildkitd.sock")
	conf := buildkitdConfig(d, l.Registry)
	conf = strings.Replace(conf, `gckeepstorage = "20GB"`, `gckeepstorage = "`+extraGCKeep+`"`, 1)
	conf += fmt.Sprintf("[otel]\n  socketPath = %q\n", d.join("otel-grpc.sock"))
	confPath := d.join("buildkitd.toml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(d.join("buildkitd.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	closeInheritedFds()
	cmd := exec.Command(bin, "--config", confPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting buildkitd: %w", err)
	}
	dm := &Daemon{Addr: "unix://" + sock, Dir: dir, cmd: cmd}
	var alive func() bool
	dm.done, alive = watchExit(cmd)
	ready := func(ctx context.Context) bool { _, err := buildkitInfo(ctx, dm.Addr); return err == nil }
	if err := waitFor(ctx, 60*time.Second, alive, ready); err != nil {
		dm.Kill()
		return nil, fmt.Errorf("buildkitd in %s: %w; log:\n%s", dir, err, tail(filepath.Join(dir, "buildkitd.log"), 20))
	}
	return dm, nil
}

// Kill kills the daemon and the build containers it started, as a crash
// would, and waits for it to exit.
func (d *Daemon) Kill() {
	_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	<-d.done
}

// Stop asks the daemon to exit (SIGTERM) and waits up to 30 s before
// killing it.
func (d *Daemon) Stop() {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		d.Kill()
	}
}

// Alive reports whether the daemon's process is still running.
func (d *Daemon) Alive() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// Remove stops the daemon if it still runs, unmounts what a killed daemon
// left mounted under its folder (build containers' root filesystems, cache
// mounts), deepest first, and removes the folder.
func (d *Daemon) Remove() error {
	if d.Alive() {
		d.Stop()
	}
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	var mounts []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == d.Dir || strings.HasPrefix(f[4], d.Dir+"/")) {
			mounts = append(mounts, f[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(mounts)))
	for _, m := range mounts {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	return os.RemoveAll(d.Dir)
}
