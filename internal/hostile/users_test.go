package hostile

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/scan"
	"github.com/slipway/slipway/internal/verify"
)

// TestUserCasesScan builds every user case and scans it: each must report
// one of its ScanRules (and so exit 1), none is clean.
func TestUserCasesScan(t *testing.T) {
	cases := classCases("user")
	if len(cases) < 7 {
		t.Fatalf("%d user cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			p, err := c.Build(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			res, err := scan.Run(context.Background(), scan.RunOptions{Image: p, Dir: t.TempDir(), Out: io.Discard, Err: io.Discard})
			if err != nil {
				t.Fatalf("scan refused the image: %v", err)
			}
			var ids []string
			for _, f := range res.Findings {
				ids = append(ids, f.RuleID)
			}
			if !slices.ContainsFunc(c.Want.ScanRules, func(id string) bool { return slices.Contains(ids, id) }) || !res.Failed {
				t.Errorf("scan reported %v (failed=%v), want one of %v", ids, res.Failed, c.Want.ScanRules)
			}
		})
	}
}

// TestUserCasesVerify runs every user case under runc: each must fail one
// of its VerifyFails checks.
func TestUserCasesVerify(t *testing.T) {
	labtest.NeedRootAndRunc(t)
	for _, c := range classCases("user") {
		t.Run(c.Name, func(t *testing.T) {
			p, err := c.Build(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			rep, err := verify.Run(context.Background(), verify.Options{Image: p, WorkDir: t.TempDir(), Timeout: 10 * time.Second, Log: io.Discard})
			if err != nil {
				t.Fatalf("verify refused the image: %v", err)
			}
			failed := false
			for _, id := range c.Want.VerifyFails {
				row := rep.Row(id)
				t.Logf("%s: %s %s (run as %s)", id, row.Status, row.Detail, rep.RunAs)
				failed = failed || row.Status == verify.Fail
			}
			if !failed || !rep.Failed() {
				t.Errorf("verify did not fail any of %v", c.Want.VerifyFails)
			}
		})
	}
}

// TestWaitELF: the cases' entrypoint is a real program that stays up.
func TestWaitELF(t *testing.T) {
	p := filepath.Join(t.TempDir(), "wait")
	if err := os.WriteFile(p, waitELF(), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(p)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("exited early: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	cmd.Process.Kill()
	<-done
}

func classCases(class string) []Case {
	var out []Case
	for _, c := range All() {
		if c.Class == class {
			out = append(out, c)
		}
	}
	return out
}
