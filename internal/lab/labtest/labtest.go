// Package labtest lets a test require the slipway lab.
package labtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab"
)

// Require returns the lab named by BUILDKIT_HOST and SLIPWAY_LAB_REGISTRY once
// its registry and BuildKit (client.Info) answer. When they do not, the test
// is skipped, or fails when CI=true: CI always runs the lab tests.
func Require(t testing.TB) *lab.Lab {
	t.Helper()
	l, err := lab.FromEnv()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = l.Ping(ctx)
	}
	if err == nil {
		return l
	}
	const how = "start it with `make lab` (or `eval \"$(go run ./cmd/slipway-lab up)\"`) and export what it prints"
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and the slipway lab is not reachable: %v; %s", err, how)
	}
	t.Skipf("skipping: needs the slipway lab, which is not reachable: %v; %s", err, how)
	return nil
}

// Unavailable ends a test that cannot run here (no root, no runc, no git):
// outside CI it is skipped with the reason; with CI=true it fails, because
// CI provides everything the tests need and a skip would hide that.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, but "+format, args...)
	}
	t.Skipf("skipping: "+format, args...)
}

// NeedRootAndRunc ends the test through Unavailable unless it runs as root
// with runc on PATH (running containers, keeping owners and setuid bits).
func NeedRootAndRunc(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "this test needs root")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		Unavailable(t, "this test needs runc (apt-get install runc)")
	}
}

// PeakRSS returns the process's peak resident set size in bytes (VmHWM),
// after resetting it first when reset is set (clear_refs 5), for tests that
// bound the memory a hostile input costs. A kernel that refuses the reset
// ends the test through Unavailable.
func PeakRSS(t testing.TB, reset bool) int64 {
	t.Helper()
	if reset {
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			Unavailable(t, "cannot reset the peak RSS: %v", err)
		}
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb); err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
