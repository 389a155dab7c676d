package verify

// The runtime checks: the rows that need the running container (user,
// port, HEALTHCHECK, exec probes) and the volumes it runs with.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/userspec"
)

// runtimeChecks are the rows that need a running container, in order.
var runtimeChecks = []struct{ id, name string }{
	{CheckNonRoot, "runs as non-root"},
	{CheckPort, "port answers"},
	{CheckHealthcheck, "HEALTHCHECK passes"},
	{CheckReadOnly, "read-only root enforced"},
}

func failRuntime(rep *Report, o Options, why string) {
	for _, c := range runtimeChecks {
		rep.add(c.id, c.name, Fail, "%s", why)
	}
	for _, p := range execProbes(o) {
		rep.add(p.id, p.name(), Fail, "%s", why)
	}
}

func checkRuntime(ctx context.Context, rep *Report, c *container, u User, resolved userspec.Resolved, cf *v1.ConfigFile, exp expectations, o Options) {
	timeout, hostNet := o.Timeout, o.HostNetwork
	name := func(id string) string {
		for _, r := range runtimeChecks {
			if r.id == id {
				return r.name
			}
		}
		return id
	}
	exited := func() string { return "the container's process exited" + c.logTail(8) }

	// Non-root: the uids of the container's init process, from the host.
	if ids, err := procUIDs(c.pid); err != nil || !c.running() {
		rep.add(CheckNonRoot, name(CheckNonRoot), Fail, "%s", exited())
	} else if root := containsZero(ids); root {
		rep.add(CheckNonRoot, name(CheckNonRoot), Fail, "process %d runs as uid %v (real, effective, saved, fs): root; image USER is %q", c.pid, ids, cf.Config.User)
	} else if resolved.Ambiguous() && resolved.AnyRoot() {
		// runc ran the first passwd line; a runtime reading another line,
		// or a later edit of the file, runs the same image as root.
		rep.add(CheckNonRoot, name(CheckNonRoot), Fail, "image USER %q is defined on /etc/passwd lines %v with uids %v, one of them 0: it ran as uid %d here, but which line wins is the runtime's choice", cf.Config.User, resolved.Lines, resolved.UIDs, ids[1])
	} else {
		rep.add(CheckNonRoot, name(CheckNonRoot), Pass, "uid %d (image USER %q, run as %s)", ids[1], cf.Config.User, u)
	}

	// The port.
	if exp.port == 0 {
		rep.add(CheckPort, name(CheckPort), Skip, "no port: pass --port or set port in slipway.toml")
	} else {
		dial := netnsDialer(fmt.Sprintf("/proc/%d/ns/net", c.pid))
		if hostNet {
			dial = (&net.Dialer{}).DialContext
		}
		if exp.tcp {
			checkTCP(ctx, rep, c, dial, exp, timeout, name(CheckPort))
		} else {
			checkHTTP(ctx, rep, c, dial, exp, timeout, name(CheckPort))
		}
	}

	// The image's own HEALTHCHECK, run inside the container as its user.
	checkHealth(ctx, rep, c, u, cf, timeout, name(CheckHealthcheck))

	// The caller's exec probes, once the service is up.
	for _, p := range execProbes(o) {
		runProbe(ctx, rep, c, u, p, timeout)
	}

	// Read-only root: try to create a file through /proc/PID/root, as host
	// root, so the answer does not depend on the image having a touch or on
	// the user's permissions: only the read-only mount can refuse it.
	if !c.running() {
		rep.add(CheckReadOnly, name(CheckReadOnly), Fail, "%s", exited())
		return
	}
	probe := fmt.Sprintf("/proc/%d/root/.slipway-verify-%s", c.pid, c.id)
	f, err := os.OpenFile(probe, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	switch {
	case err == nil:
		f.Close()
		os.Remove(probe)
		rep.add(CheckReadOnly, name(CheckReadOnly), Fail, "creating a file in / succeeded: the root filesystem is writable")
	case errors.Is(err, syscall.EROFS):
		rep.add(CheckReadOnly, name(CheckReadOnly), Pass, "creating a file in / fails with EROFS, even for root")
	default:
		rep.add(CheckReadOnly, name(CheckReadOnly), Fail, "creating a file in /: %v (want EROFS)", err)
	}
}

func containsZero(ids []int) bool {
	if len(ids) < 2 {
		return true
	}
	for _, id := range ids {
		if id == 0 {
			return true
		}
	}
	return false
}

// checkHealth runs the image's HEALTHCHECK like Docker would: exec form
// directly, CMD-SHELL through /bin/sh -c, as the container's user, until it
// exits 0 or timeout passes.
func checkHealth(ctx context.Context, rep *Report, c *container, u User, cf *v1.ConfigFile, timeout time.Duration, name string) {
	hc := cf.Config.Healthcheck
	if hc == nil || len(hc.Test) == 0 {
		rep.add(CheckHealthcheck, name, Skip, "the image has no HEALTHCHECK")
		return
	}
	var args []string
	switch hc.Test[0] {
	case "NONE":
		rep.add(CheckHealthcheck, name, Skip, "HEALTHCHECK NONE")
		return
	case "CMD":
		args = hc.Test[1:]
	case "CMD-SHELL":
		if ok, _ := present(filepath.Join(c.bundle, "rootfs"), "/bin/sh"); !ok {
			rep.add(CheckHealthcheck, name, Fail, "HEALTHCHECK CMD-SHELL %q needs /bin/sh, which the image does not have: use the exec form", strings.Join(hc.Test[1:], " "))
			return
		}
		args = append([]string{"/bin/sh", "-c"}, hc.Test[1:]...)
	default:
		rep.add(CheckHealthcheck, name, Fail, "unknown HEALTHCHECK test type %q", hc.Test[0])
		return
	}
	if len(args) == 0 {
		rep.add(CheckHealthcheck, name, Fail, "HEALTHCHECK has an empty command")
		return
	}
	each := hc.Timeout
	if each <= 0 || each > timeout {
		each = timeout
	}
	shown := strings.Join(args, " ")
	deadline := time.Now().Add(timeout)
	var out []byte
	code, attempts := -1, 0
	var err error
	for {
		attempts++
		out, code, err = c.exec(ctx, u, each, args...)
		if err == nil && code == 0 {
			rep.add(CheckHealthcheck, name, Pass, "`%s` exited 0 (attempt %d)", shown, attempts)
			return
		}
		if ctx.Err() != nil || !c.running() || time.Now().Add(time.Second).After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	msg := strings.TrimSpace(string(out))
	if len(msg) > 300 {
		msg = "…" + msg[len(msg)-300:]
	}
	switch {
	case !c.running():
		rep.add(CheckHealthcheck, name, Fail, "`%s`: %s", shown, "the container's process exited"+c.logTail(8))
	case err != nil:
		rep.add(CheckHealthcheck, name, Fail, "`%s`: %v %s", shown, err, msg)
	default:
		rep.add(CheckHealthcheck, name, Fail, "`%s` exited %d after %d attempt(s) in %s: %s", shown, code, attempts, timeout, msg)
	}
}

// checkHTTP is the port check for an HTTP service: GET the health path
// until it answers 2xx.
func checkHTTP(ctx context.Context, rep *Report, c *container, dial dialFunc, exp expectations, timeout time.Duration, name string) {
	exited := func() string { return "the container's process exited" + c.logTail(8) }
	url := fmt.Sprintf("http://127.0.0.1:%d%s", exp.port, exp.healthPath)
	res := probeHTTP(ctx, dial, url, timeout, c.running)
	switch {
	case res.OK:
		rep.add(CheckPort, name, Pass, "GET %s → %d after %s (port from %s)", url, res.Status, res.Elapsed.Round(time.Millisecond), exp.portFrom)
	case !c.running():
		rep.add(CheckPort, name, Fail, "GET %s: %s", url, exited())
	case res.Status != 0:
		rep.add(CheckPort, name, Fail, "GET %s → %d, not 2xx, for %s", url, res.Status, timeout)
	default:
		rep.add(CheckPort, name, Fail, "GET %s: no answer within %s (%v)%s", url, timeout, res.Err, c.logTail(8))
	}
}

// checkTCP is the port check for a service that does not speak HTTP: a TCP
// connection to the port is accepted.
func checkTCP(ctx context.Context, rep *Report, c *container, dial dialFunc, exp expectations, timeout time.Duration, name string) {
	addr := fmt.Sprintf("127.0.0.1:%d", exp.port)
	res := probeTCP(ctx, dial, addr, timeout, c.running)
	switch {
	case res.OK:
		rep.add(CheckPort, name, Pass, "TCP connect to %s accepted after %s (port from %s)", addr, res.Elapsed.Round(time.Millisecond), exp.portFrom)
	case !c.running():
		rep.add(CheckPort, name, Fail, "TCP connect to %s: the container's process exited%s", addr, c.logTail(8))
	default:
		rep.add(CheckPort, name, Fail, "TCP connect to %s: no connection within %s (%v)%s", addr, timeout, res.Err, c.logTail(8))
	}
}

// probe is one exec probe of Options.Exec or Options.ExecFail.
type probe struct {
	id       string
	args     []string
	mustFail bool
}

func (p probe) name() string {
	cmd := strings.Join(p.args, " ")
	if r := []rune(cmd); len(r) > 48 {
		cmd = string(r[:47]) + "…"
	}
	if p.mustFail {
		return "exec (must fail): " + cmd
	}
	return "exec: " + cmd
}

// execProbes numbers the probes: Options.Exec first, then ExecFail.
func execProbes(o Options) []probe {
	var out []probe
	for _, a := range o.Exec {
		out = append(out, probe{id: fmt.Sprintf("%s%d", CheckExec, len(out)+1), args: a})
	}
	for _, a := range o.ExecFail {
		out = append(out, probe{id: fmt.Sprintf("%s%d", CheckExec, len(out)+1), args: a, mustFail: true})
	}
	return out
}

// runProbe runs p once inside the container as u and adds its row and its
// result.
func runProbe(ctx context.Context, rep *Report, c *container, u User, p probe, timeout time.Duration) {
	shown := strings.Join(p.args, " ")
	res := ExecResult{ID: p.id, Args: p.args, MustFail: p.mustFail, ExitCode: -1}
	if !c.running() {
		rep.Execs = append(rep.Execs, res)
		rep.add(p.id, p.name(), Fail, "`%s`: the container's process exited%s", shown, c.logTail(8))
		return
	}
	out, code, err := c.exec(ctx, u, timeout, p.args...)
	res.Output = strings.TrimSpace(string(out))
	if len(res.Output) > 4096 {
		res.Output = res.Output[len(res.Output)-4096:]
	}
	tail := ""
	if lines := textsafe.Tail(res.Output, 6); lines != "" {
		tail = "\n  output:\n    " + strings.ReplaceAll(lines, "\n", "\n    ")
	}
	if err == nil {
		res.ExitCode = code
	}
	rep.Execs = append(rep.Execs, res)
	switch {
	case err != nil:
		rep.add(p.id, p.name(), Fail, "`%s`: %v%s", shown, err, tail)
	case !p.mustFail && code == 0:
		rep.add(p.id, p.name(), Pass, "`%s` exited 0", shown)
	case !p.mustFail:
		rep.add(p.id, p.name(), Fail, "`%s` exited %d%s", shown, code, tail)
	case code != 0 && execFailedToStart(res.Output):
		// runc's own failure (no such binary) is not the refusal the
		// probe expects.
		rep.add(p.id, p.name(), Fail, "`%s` could not run%s", shown, tail)
	case code != 0:
		rep.add(p.id, p.name(), Pass, "`%s` exited %d, as it must: %s", shown, code, textsafe.Tail(res.Output, 1))
	default:
		rep.add(p.id, p.name(), Fail, "`%s` exited 0, but it must fail%s", shown, tail)
	}
}

// execFailedToStart reports whether runc exec's output says the command
// itself could not be started (not found, not executable).
func execFailedToStart(out string) bool {
	return strings.Contains(out, "exec failed: unable to start container process") ||
		strings.Contains(out, "executable file not found")
}

// makeVolumes creates, under dir, an empty directory for each VOLUME of
// cfg, owned by u and with the mode of the image's own directory there
// (0755 when the image has none).
func makeVolumes(cfg v1.Config, rootfs, dir string, u User) ([]volumeMount, error) {
	paths, err := imageVolumes(cfg)
	if err != nil || len(paths) == 0 {
		return nil, err
	}
	var out []volumeMount
	for i, p := range paths {
		src := filepath.Join(dir, strconv.Itoa(i))
		if err := os.MkdirAll(src, 0o700); err != nil {
			return nil, fmt.Errorf("creating a directory for VOLUME %s: %w", p, err)
		}
		mode := os.FileMode(0o755)
		if in, err := ResolveIn(rootfs, p); err == nil {
			if fi, err := os.Stat(in); err == nil && fi.IsDir() {
				mode = fi.Mode().Perm()
			}
		}
		if err := os.Chown(src, int(u.UID), int(u.GID)); err != nil {
			return nil, fmt.Errorf("creating a directory for VOLUME %s: %w", p, err)
		}
		if err := os.Chmod(src, mode); err != nil {
			return nil, fmt.Errorf("creating a directory for VOLUME %s: %w", p, err)
		}
		out = append(out, volumeMount{Path: p, Source: src})
	}
	return out, nil
}

// usage counts the regular files under dir and their bytes.
func usage(dir string) (files int, bytes int64) {
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			files++
			bytes += fi.Size()
		}
		return nil
	})
	return files, bytes
}
