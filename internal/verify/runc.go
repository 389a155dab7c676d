package verify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// container is one detached runc container with its own state directory,
// so that verify never sees, or disturbs, containers of anyone else.
type container struct {
	runc   string // runc binary
	state  string // runc --root
	bundle string // holds config.json and rootfs
	id     string
	log    *tailBuffer // the end of the container's stdout and stderr
	pid    int         // the container's init process, as seen from the host
}

// logTailBytes is how much of the container's output verify keeps: the
// last 64 KiB, whatever the container writes (it is read from a pipe as it
// comes, never stored whole, in memory or on disk).
const logTailBytes = 64 << 10

// tailBuffer keeps the last max bytes written to it. It is safe for use
// by the goroutine that copies the container's output and the checks that
// read it.
type tailBuffer struct {
	mu      sync.Mutex
	max     int
	buf     []byte // up to 2*max bytes; the tail is its last max
	written int64
}

func newTail(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	t.written += int64(n)
	if len(p) > t.max {
		p = p[len(p)-t.max:]
	}
	if len(t.buf)+len(p) > 2*t.max {
		keep := max(0, t.max-len(p))
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-min(keep, len(t.buf)):]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// Bytes returns a copy of the last max bytes written.
func (t *tailBuffer) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > t.max {
		b = b[len(b)-t.max:]
	}
	return append([]byte(nil), b...)
}

// newID returns a container id that is unique per run.
func newID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "slipway-verify-" + hex.EncodeToString(b)
}

// start writes the bundle's config.json and runs the container detached.
// On error the caller still calls teardown: a half-created container is
// removed there.
func (c *container) start(ctx context.Context, spec *specs.Spec) error {
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.bundle, "config.json"), b, 0o600); err != nil {
		return fmt.Errorf("writing the runtime bundle: %w", err)
	}
	// The container inherits the write end of a pipe as its stdout and
	// stderr; a goroutine keeps the tail of what comes out. It must be an
	// *os.File, so that runc's exit does not wait for the container's.
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	go func() {
		_, _ = io.Copy(c.log, pr)
		pr.Close()
	}()
	defer pw.Close()
	pidFile := filepath.Join(c.state, c.id+".pid")
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.runc, "--root", c.state, "run", "--detach",
		"--pid-file", pidFile, "--bundle", c.bundle, c.id)
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Run(); err != nil {
		pw.Close()
		time.Sleep(50 * time.Millisecond) // let runc's last words reach the tail
		return fmt.Errorf("runc run: %w%s", err, c.logTail(8))
	}
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		return fmt.Errorf("reading runc's pid file: %w", err)
	}
	c.pid, err = strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return fmt.Errorf("runc's pid file holds %q", raw)
	}
	return nil
}

// exec runs args inside the container as u and returns its combined output
// and exit code. A non-zero exit is not an error.
func (c *container) exec(ctx context.Context, u User, timeout time.Duration, args ...string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	full := append([]string{"--root", c.state, "exec", "--user", u.String(), c.id}, args...)
	cmd := exec.CommandContext(ctx, c.runc, full...)
	out := newTail(logTailBytes)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return out.Bytes(), -1, fmt.Errorf("timed out after %s", timeout)
	case errors.As(err, &ee):
		return out.Bytes(), ee.ExitCode(), nil
	case err != nil:
		return out.Bytes(), -1, err
	}
	return out.Bytes(), 0, nil
}

// running reports whether the container's init process is alive (not gone
// and not a zombie waiting to be reaped).
func (c *container) running() bool {
	if c.pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	st := s[i+2]
	return st != 'Z' && st != 'X'
}

// teardown kills and deletes the container. It runs on its own short
// deadline, so it also works after ctx was canceled (SIGINT).
func (c *container) teardown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = exec.CommandContext(ctx, c.runc, "--root", c.state, "kill", c.id, "KILL").Run()
	out, err := exec.CommandContext(ctx, c.runc, "--root", c.state, "delete", "--force", c.id).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "does not exist") {
		return fmt.Errorf("runc delete %s: %v: %s", c.id, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// logTail returns the last n lines of the container's output, formatted to
// follow an error message, or "".
func (c *container) logTail(n int) string {
	lines := tailLines(c.log, n)
	if len(lines) == 0 {
		return ""
	}
	return "\n  container output:\n    " + strings.Join(lines, "\n    ")
}

func tailLines(t *tailBuffer, n int) []string {
	if t == nil {
		return nil
	}
	s := strings.TrimRight(string(t.Bytes()), "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// procUIDs reads the real, effective, saved and filesystem uids of pid.
func procUIDs(pid int) ([]int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "Uid:")
		if !ok {
			continue
		}
		var ids []int
		for _, f := range strings.Fields(rest) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, fmt.Errorf("bad Uid line %q", line)
			}
			ids = append(ids, n)
		}
		return ids, nil
	}
	return nil, errors.New("no Uid line in /proc/" + strconv.Itoa(pid) + "/status")
}
