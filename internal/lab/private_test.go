package lab_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"

	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/internal/lab/labtest"
)

func TestPrivateDaemonRefusesALongSocketPath(t *testing.T) {
	labDir := t.TempDir()
	os.MkdirAll(filepath.Join(labDir, "bin"), 0o755)
	if err := os.WriteFile(filepath.Join(labDir, "bin", "buildkitd"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	l := &lab.Lab{Dir: labDir, Registry: "127.0.0.1:1"}
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 100))
	_, err := l.StartPrivateDaemon(context.Background(), long)
	if err == nil || !strings.Contains(err.Error(), "use a shorter dir") {
		t.Fatalf("err = %v, want the socket path refused", err)
	}
	if _, err := os.Stat(long); err == nil {
		t.Error("the refused dir was created")
	}
}

func TestPrivateDaemonStartKillStop(t *testing.T) {
	l := labtest.Require(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	d, err := l.StartPrivateDaemon(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	if d.Addr == l.BuildkitHost || !strings.HasPrefix(d.Addr, "unix://"+dir+"/") {
		t.Fatalf("Addr = %s, want a socket in %s", d.Addr, dir)
	}
	c, err := client.New(ctx, d.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ictx, icancel := context.WithTimeout(ctx, 5*time.Second)
	defer icancel()
	if _, err := c.Info(ictx); err != nil {
		t.Fatalf("the private daemon does not answer: %v\n%s", err, d.Log())
	}
	if err := d.Kill(); err != nil {
		t.Fatal(err)
	}
	if !d.Exited() {
		t.Error("Exited() = false after Kill")
	}
	if err := d.Stop(); err != nil {
		t.Errorf("Stop after Kill: %v", err)
	}
	if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(d.Pid))); err == nil {
		t.Errorf("buildkitd (pid %d) is still there", d.Pid)
	}
	// The shared daemon was not touched.
	if err := l.Ping(ctx); err != nil {
		t.Errorf("the shared lab stopped answering: %v", err)
	}
	b, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(b), dir) {
		t.Errorf("mounts left under %s", dir)
	}
}
