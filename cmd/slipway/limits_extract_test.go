package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/hostile"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// execCtx runs slipway with args under ctx and returns the exit code and
// the error's text (what main prints after "slipway: ").
func execCtx(t *testing.T, ctx context.Context, args ...string) (int, string) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return report(ctx, err), msg
}

// TestLayerCasesExitTwo: scan refuses every refused layer case of the
// corpus (OCI layout and docker-save) with exit 2 and a message naming the
// layer; so does verify, where root and runc are at hand.
func TestLayerCasesExitTwo(t *testing.T) {
	canVerify := os.Geteuid() == 0
	if !canVerify {
		labtest.Unavailable(t, "verify needs root")
	}
	for _, c := range hostile.LayerCases() {
		if !c.Want.Refuse {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			p, err := c.Build(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			for _, cmd := range []string{"scan", "verify"} {
				if cmd == "verify" && !canVerify {
					continue
				}
				code, msg := execCtx(t, context.Background(), cmd, p)
				if code != exitUsage || !strings.Contains(msg, c.Want.ErrorHas) || !strings.Contains(msg, "layer ") {
					t.Errorf("%s: exit %d, %q; want exit 2 naming the layer and %q", cmd, code, msg, c.Want.ErrorHas)
				}
			}
		})
	}
}

func TestLimitFlags(t *testing.T) {
	dir := t.TempDir()
	img, err := hostile.ManyFilesImage(200)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hostile.WriteLayout(dir, "many", img)
	if err != nil {
		t.Fatal(err)
	}
	if code, msg := execCtx(t, context.Background(), "scan", p, "--max-files", "100"); code != exitUsage || !strings.Contains(msg, "--max-files") {
		t.Errorf("scan --max-files 100 of 201 entries: exit %d, %q", code, msg)
	}
	if code, msg := execCtx(t, context.Background(), "scan", p, "--max-files", "1000"); code == exitUsage {
		t.Errorf("scan --max-files 1000 of 201 entries: exit %d, %q", code, msg)
	}
	if code, msg := execCtx(t, context.Background(), "scan", p, "--max-unpacked-size", "1B", "--max-path-depth", "1"); code != exitUsage || !strings.Contains(msg, "--max-path-depth") {
		t.Errorf("scan --max-path-depth 1: exit %d, %q", code, msg)
	}
	for _, args := range [][]string{
		{"scan", p, "--max-files", "many"},
		{"scan", p, "--max-unpacked-size", "huge"},
		{"verify", p, "--max-path-depth", "-3"},
		{"verify", p, "--max-unpacked-size", "0"},
	} {
		if code, msg := execCtx(t, context.Background(), args...); code != exitUsage || !strings.Contains(msg, args[2]) {
			t.Errorf("%v: exit %d, %q; want a usage error", args, code, msg)
		}
	}
}

// TestVerifyLeavesNoTemporaryFolder: with TMPDIR a test folder, verify
// leaves nothing in it when an image is refused, when a limit stops it,
// and when it is canceled (SIGINT) in the middle of unpacking.
func TestVerifyLeavesNoTemporaryFolder(t *testing.T) {
	labtest.NeedRootAndRunc(t)
	images := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	empty := func(what string) {
		t.Helper()
		ents, _ := os.ReadDir(tmp)
		if len(ents) != 0 {
			t.Errorf("%s: %d entries left in TMPDIR: %v", what, len(ents), ents[0].Name())
		}
	}
	for _, name := range []string{"layer-dotdot-entry-docker", "layer-hardlink-missing"} {
		for _, c := range hostile.LayerCases() {
			if c.Name != name {
				continue
			}
			p, err := c.Build(images)
			if err != nil {
				t.Fatal(err)
			}
			if code, msg := execCtx(t, context.Background(), "verify", p); code != exitUsage {
				t.Errorf("%s: exit %d, %q", name, code, msg)
			}
			empty(name)
		}
	}
	bomb, err := hostile.GzipBombImage(256 << 20)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hostile.WriteDockerSave(images, "bomb.tar", bomb)
	if err != nil {
		t.Fatal(err)
	}
	if code, msg := execCtx(t, context.Background(), "verify", p, "--max-unpacked-size", "64MiB"); code != exitUsage || !strings.Contains(msg, "--max-unpacked-size") {
		t.Errorf("bomb under 64MiB: exit %d, %q", code, msg)
	}
	empty("the bomb over the limit")
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel once the unpacking has begun writing.
	go func() {
		defer cancel()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			m, _ := filepath.Glob(filepath.Join(tmp, "*", "bundle", "rootfs", "zeros"))
			if len(m) > 0 {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	if code, msg := execCtx(t, ctx, "verify", p); code != exitCanceled {
		t.Errorf("canceled verify: exit %d, %q; want %d", code, msg, exitCanceled)
	}
	empty("canceled")
}

// TestScanLeavesNoTemporaryFolder: scan of a refused docker-save tarball,
// of one over a limit, and a canceled scan leave nothing in TMPDIR.
func TestScanLeavesNoTemporaryFolder(t *testing.T) {
	images := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	empty := func(what string) {
		t.Helper()
		if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
			t.Errorf("%s: %d entries left in TMPDIR", what, len(ents))
		}
	}
	for _, c := range hostile.LayerCases() {
		if c.Name != "layer-through-lower-symlink-docker" {
			continue
		}
		p, err := c.Build(images)
		if err != nil {
			t.Fatal(err)
		}
		if code, msg := execCtx(t, context.Background(), "scan", p); code != exitUsage || !strings.Contains(msg, "symbolic link") {
			t.Errorf("%s: exit %d, %q", c.Name, code, msg)
		}
		empty(c.Name)
	}
	bomb, err := hostile.GzipBombImage(128 << 20)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hostile.WriteDockerSave(images, "bomb.tar", bomb)
	if err != nil {
		t.Fatal(err)
	}
	if code, msg := execCtx(t, context.Background(), "scan", p, "--max-unpacked-size", "32MiB"); code != exitUsage || !strings.Contains(msg, "--max-unpacked-size") {
		t.Errorf("bomb under 32MiB: exit %d, %q", code, msg)
	}
	empty("the bomb over the limit")
	// Canceled (SIGINT) before the walk reads a byte: the image is open,
	// its temporary folder made, and still removed.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code, msg := execCtx(t, ctx, "scan", p); code != exitCanceled {
		t.Errorf("canceled scan: exit %d, %q; want %d", code, msg, exitCanceled)
	}
	empty("canceled")
}
