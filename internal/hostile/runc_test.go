package hostile

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/layer"
	"github.com/slipway/slipway/internal/testkit"
	"github.com/slipway/slipway/internal/userspec"
	"github.com/slipway/slipway/internal/verify"
)

// TestRuncReadsUserSpellings asks runc itself how it reads each spelling
// of a user: `runc exec --user SPELLING` in a running container of a user
// case, the uid read from /proc. userspec (what lint, scan, verify and the
// min_uid floor judge with) must give the same uid, and call it root
// exactly when runc runs it as 0. Spellings runc refuses are listed too:
// they must not be ones userspec calls root.
func TestRuncReadsUserSpellings(t *testing.T) {
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	p, err := userImage(dir, "65532", "root:x:0:0::/:/sbin/nologin\n")
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "bundle")
	rootfs := filepath.Join(bundle, "rootfs")
	if err := os.MkdirAll(rootfs, 0o755); err != nil {
		t.Fatal(err)
	}
	idx, im := testkit.LayoutIndex(t, p)
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify.Unpack(ctx, img, rootfs, layer.Limits{}); err != nil {
		t.Fatal(err)
	}
	runc := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "runc", append([]string{"--root", filepath.Join(dir, "state")}, args...)...)
		out, err := os.Create(filepath.Join(dir, "runc.out")) // a file, not a pipe: detached processes keep it
		if err != nil {
			return nil, err
		}
		defer out.Close()
		cmd.Stdout, cmd.Stderr = out, out
		err = cmd.Run()
		b, _ := os.ReadFile(out.Name())
		return b, err
	}
	if out, err := runc("spec", "--bundle", bundle); err != nil {
		t.Fatalf("runc spec: %v %s", err, out)
	}
	var spec map[string]any
	cfgPath := filepath.Join(bundle, "config.json")
	b, _ := os.ReadFile(cfgPath)
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	proc := spec["process"].(map[string]any)
	proc["args"], proc["terminal"] = []string{"/wait"}, false
	proc["user"] = map[string]any{"uid": 65532, "gid": 65532}
	b, _ = json.Marshal(spec)
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("slipway-userspec-%d", os.Getpid())
	if out, err := runc("run", "--detach", "--bundle", bundle, id); err != nil {
		t.Fatalf("runc run: %v %s", err, out)
	}
	defer func() {
		runc("kill", id, "KILL")
		time.Sleep(200 * time.Millisecond)
		runc("delete", "--force", id)
	}()

	for _, s := range []string{"0", "00", "+0", "-0", "0000", "4294967296", "8589934592", "0:0", "+0:65532",
		"65532", "065532", "4294967297", "4295032828", "-1", "2147483648", "99999999999999999999", "abc", "0x0"} {
		pidFile := filepath.Join(dir, "exec.pid")
		os.Remove(pidFile)
		out, err := runc("exec", "--detach", "--pid-file", pidFile, "--user", s, id, "/wait")
		sp, perr := userspec.Parse(s)
		if perr != nil {
			t.Fatal(perr)
		}
		if err != nil {
			t.Logf("runc --user %-22q refused: %s", s, strings.TrimSpace(string(out)))
			if sp.Root() {
				t.Errorf("runc refuses %q, which userspec calls root: the judges and runc disagree", s)
			}
			continue
		}
		raw, _ := os.ReadFile(pidFile)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		var uid int64 = -1
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) > 2 && f[0] == "Uid:" {
				uid, _ = strconv.ParseInt(f[2], 10, 64) // effective
			}
		}
		if p, err := os.FindProcess(pid); err == nil {
			p.Kill()
		}
		t.Logf("runc --user %-22q runs as uid %d; userspec: uid %d root=%v", s, uid, sp.User.ID, sp.Root())
		if !sp.User.Numeric || int64(sp.User.ID) != uid || sp.Root() != (uid == 0) {
			t.Errorf("runc runs %q as uid %d; userspec reads numeric=%v uid %d root=%v", s, uid, sp.User.Numeric, sp.User.ID, sp.Root())
		}
	}
}
