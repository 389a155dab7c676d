package lab

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EnvBuilders lists every daemon of the lab's pool, comma-separated, the
// first being BUILDKIT_HOST ("unix://.../buildkitd.sock,unix://...").
const EnvBuilders = "SLIPWAY_LAB_BUILDERS"

// MaxDaemons bounds --daemons: each daemon is a buildkitd with its own
// root on this machine's disk.
const MaxDaemons = 8

// extraGCKeep is the cache an extra daemon keeps: the pool's daemons share
// nothing but the registry, so each one keeps little and takes the rest
// from the registry cache.
const extraGCKeep = "2GB"

// daemonName is the process name of the pool's i-th daemon (1-based): the
// first is the lab's original buildkitd, the others buildkitd-2, ...
func daemonName(i int) string {
	if i == 1 {
		return "buildkitd"
	}
	return "buildkitd-" + strconv.Itoa(i)
}

// daemonPaths are the files of the i-th daemon (i >= 2): its own config,
// root and socket under daemons/<i>/, so that it shares no state with the
// first daemon or the others.
func (p paths) daemon(i int) paths { return paths{p.join("daemons", strconv.Itoa(i))} }

// daemonSocket is the i-th daemon's socket.
func (p paths) daemonSocket(i int) string {
	if i == 1 {
		return p.socket()
	}
	return p.daemon(i).join("buildkitd.sock")
}

// extraDaemonConfig is buildkitd.toml of the i-th daemon: the first
// daemon's registry mirrors, its own root, socket and OpenTelemetry socket
// (buildkitd's default, /run/buildkit/otel-grpc.sock, is the first
// daemon's), and a small gc limit.
func extraDaemonConfig(p paths, i int, registry string) string {
	d := p.daemon(i)
	conf := buildkitdConfig(p, registry)
	conf = strings.Replace(conf, fmt.Sprintf("root = %q", p.join("buildkit")), fmt.Sprintf("root = %q", d.join("buildkit")), 1)
	conf = strings.Replace(conf, fmt.Sprintf("address = [%q]", "unix://"+p.socket()), fmt.Sprintf("address = [%q]", "unix://"+d.join("buildkitd.sock")), 1)
	conf = strings.Replace(conf, `gckeepstorage = "20GB"`, fmt.Sprintf("gckeepstorage = %q", extraGCKeep), 1)
	conf += fmt.Sprintf("[otel]\n  socketPath = %q\n", d.join("otel-grpc.sock"))
	return conf
}

// ensureExtraDaemons starts daemons 2..n that do not answer. A running
// daemon with an unchanged config is left alone, and so is the first
// daemon and any daemon above n: up never stops a daemon someone may be
// building on.
func ensureExtraDaemons(ctx context.Context, p paths, lab *Lab, n int, log io.Writer) error {
	for i := 2; i <= n; i++ {
		d := p.daemon(i)
		if err := os.MkdirAll(d.root, 0o755); err != nil {
			return err
		}
		name := daemonName(i)
		addr := "unix://" + p.daemonSocket(i)
		conf := extraDaemonConfig(p, i, lab.Registry)
		confPath := d.join("buildkitd.toml")
		old, _ := os.ReadFile(confPath)
		if bytes.Equal(old, []byte(conf)) {
			if _, err := buildkitInfo(ctx, addr); err == nil {
				continue
			}
		}
		if err := stopProcess(ctx, p, name, log); err != nil {
			return err
		}
		if err := writeFileAtomic(confPath, []byte(conf), 0o644); err != nil {
			return err
		}
		_ = os.Remove(p.daemonSocket(i))
		logf(log, "starting %s (log %s)", name, p.logs(name))
		alive, err := startProcess(p, name, p.bin("buildkitd"), "--config", confPath)
		if err != nil {
			return err
		}
		ready := func(ctx context.Context) bool { _, err := buildkitInfo(ctx, addr); return err == nil }
		if err := waitFor(ctx, 60*time.Second, alive, ready); err != nil {
			return fmt.Errorf("%s: %w; log %s:\n%s", name, err, p.logs(name), tail(p.logs(name), 20))
		}
	}
	return nil
}

// extraDaemons lists the numbers (>= 2) of the daemons recorded in run/,
// in order, whether or not they still answer.
func extraDaemons(p paths) []int {
	ents, _ := os.ReadDir(p.join("run"))
	var out []int
	for _, e := range ents {
		s, ok := strings.CutPrefix(e.Name(), "buildkitd-")
		if !ok {
			continue
		}
		if i, err := strconv.Atoi(strings.TrimSuffix(s, ".pid")); err == nil && i >= 2 {
			out = append(out, i)
		}
	}
	sort.Ints(out)
	return out
}

// builders lists the addresses of the pool: the first daemon, then every
// extra daemon whose process is alive, in order.
func builders(p paths) []string {
	out := []string{"unix://" + p.socket()}
	for _, i := range extraDaemons(p) {
		if recordedPid(p, daemonName(i), "buildkitd") == 0 {
			continue
		}
		out = append(out, "unix://"+p.daemonSocket(i))
	}
	return out
}

// stopExtraDaemons stops every extra daemon recorded in run/.
func stopExtraDaemons(ctx context.Context, p paths, log io.Writer) []error {
	var errs []error
	for _, i := range extraDaemons(p) {
		if err := stopProcess(ctx, p, daemonName(i), log); err != nil {
			errs = append(errs, err)
		}
		_ = os.Remove(p.daemonSocket(i))
	}
	return errs
}

// procBinaryOf is the binary a lab process runs (checked against
// /proc/PID/cmdline, since pids get reused).
func procBinaryOf(name string) string {
	if strings.HasPrefix(name, "buildkitd-") {
		return "buildkitd"
	}
	return procBinary[name]
}

// DaemonDir is where the i-th daemon of the pool keeps its config, root and
// socket; "" for the first daemon, whose files are the lab's own.
func (l *Lab) DaemonDir(i int) string {
	if i < 2 {
		return ""
	}
	return filepath.Join(l.Dir, "daemons", strconv.Itoa(i))
}

// Info returns the BuildKit version of the daemon at addr, or why it does
// not answer.
func Info(ctx context.Context, addr string) (string, error) { return buildkitInfo(ctx, addr) }
