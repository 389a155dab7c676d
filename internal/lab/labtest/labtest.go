// Package labtest lets a test require the slipway lab.
package labtest

import (
	"context"
	"os"
	"os/exec"
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
