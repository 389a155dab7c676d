package lab

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStartedProcessAliveUntilItExits: a process startProcess started is
// alive from the moment it returns, however it names itself, until it
// exits; waitFor then says it exited rather than waiting out its timeout.
func TestStartedProcessAliveUntilItExits(t *testing.T) {
	p := paths{t.TempDir()}
	for _, d := range []string{"logs", "run"} {
		if err := os.MkdirAll(filepath.Join(p.root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// sh is not the binary any pid-file check would look for.
	alive, err := startProcess(p, "quick", "/bin/sh", "-c", "sleep 0.3")
	if err != nil {
		t.Fatal(err)
	}
	if !alive() {
		t.Fatal("not alive right after it started")
	}
	start := time.Now()
	err = waitFor(context.Background(), 30*time.Second, alive, func(context.Context) bool { return false })
	if err == nil || !strings.Contains(err.Error(), "the process exited") {
		t.Fatalf("waitFor = %v, want the process exited", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("exit noticed after %s", el)
	}
	if b, err := os.ReadFile(p.pid("quick")); err != nil || len(strings.TrimSpace(string(b))) == 0 {
		t.Errorf("pid file: %q, %v", b, err)
	}
}
