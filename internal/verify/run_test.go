package verify

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/testkit"
)

// needRunc skips a test that runs containers unless it runs as root with
// runc on PATH; under CI=true it fails instead, since CI has both.
func needRunc(t *testing.T) {
	t.Helper()
	labtest.NeedRootAndRunc(t)
}

var svc struct {
	once sync.Once
	bin  []byte
	err  error
}

// svcBinary builds testdata/svc as a static binary, once per test run.
func svcBinary(t *testing.T) []byte {
	t.Helper()
	svc.once.Do(func() {
		dir, err := os.MkdirTemp("", "verify-svc-")
		if err != nil {
			svc.err = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "svc")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./testdata/svc")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			svc.err = err
			svc.bin = b
			return
		}
		svc.bin, svc.err = os.ReadFile(out)
	})
	if svc.err != nil {
		t.Fatalf("building testdata/svc: %v\n%s", svc.err, svc.bin)
	}
	return svc.bin
}

// svcImage is a distroless-like image holding the test service.
func svcImage(t *testing.T, cfg v1.Config, extra ...entry) v1.Image {
	t.Helper()
	bin := string(svcBinary(t))
	entries := append([]entry{
		dir("app/", 0o755),
		file("app/svc", 0o755, 0, 0, bin),
		dir("etc/", 0o755),
		file("etc/passwd", 0o644, 0, 0, "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"),
		file("etc/group", 0o644, 0, 0, "root:x:0:\nnonroot:x:65532:\n"),
	}, extra...)
	return withPlatform(t, imageOf(t, tarOf(t, entries...)), cfg)
}

func writeLayout(t *testing.T, img v1.Image) string {
	t.Helper()
	return testkit.WriteLayout(t, filepath.Join(t.TempDir(), "layout"), img)
}

func goodConfig() v1.Config {
	return v1.Config{
		User:         "nonroot",
		Entrypoint:   []string{"/app/svc"},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "/app/svc", "-healthcheck"}, Timeout: 5 * time.Second},
		Labels:       map[string]string{"org.opencontainers.image.base.name": "gcr.io/distroless/static-debian12:nonroot"},
	}
}

func statuses(r *Report) map[string]Status {
	m := map[string]Status{}
	for _, c := range r.Rows {
		m[c.ID] = c.Status
	}
	return m
}

func leftovers(t *testing.T, work string) {
	t.Helper()
	ents, _ := os.ReadDir(work)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "slipway-verify-") {
			t.Errorf("verify left %s behind", e.Name())
		}
	}
}

func TestRunGoodImage(t *testing.T) {
	needRunc(t)
	work := t.TempDir()
	rep, err := Run(context.Background(), Options{Image: writeLayout(t, svcImage(t, goodConfig())), SizeBudget: 25_000_000, WorkDir: work, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Rows {
		t.Logf("%-16s %s  %s", c.ID, c.Status, c.Detail)
		if c.Status != Pass {
			t.Errorf("%s: %s, want PASS", c.ID, c.Status)
		}
	}
	if len(rep.Rows) != 7 || rep.RunAs != "65532:65532" || rep.Port != 8080 {
		t.Errorf("report: %d rows, run as %q, port %d", len(rep.Rows), rep.RunAs, rep.Port)
	}
	if rep.UnpackedBytes < int64(len(svcBinary(t))) {
		t.Errorf("unpacked %d bytes, less than the binary", rep.UnpackedBytes)
	}
	leftovers(t, work)
}

func TestRunBadImage(t *testing.T) {
	needRunc(t)
	bin := string(svcBinary(t))
	cfg := goodConfig()
	cfg.User = "" // root
	img := svcImage(t, cfg,
		dir("bin/", 0o755),
		file("bin/sh", 0o755, 0, 0, bin), // a "shell" on a distroless claim
		dir("usr/bin/", 0o755),
		file("usr/bin/evil", 0o4755, 0, 0, "#!"),
	)
	work := t.TempDir()
	rep, err := Run(context.Background(), Options{Image: writeLayout(t, img), SizeBudget: 1000, WorkDir: work, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Rows {
		t.Logf("%-16s %s  %s", c.ID, c.Status, c.Detail)
	}
	want := map[string]Status{
		CheckNonRoot: Fail, CheckNoShell: Fail, CheckNoSetuid: Fail, CheckSize: Fail,
		CheckPort: Pass, CheckHealthcheck: Pass, CheckReadOnly: Pass,
	}
	got := statuses(rep)
	for id, s := range want {
		if got[id] != s {
			t.Errorf("%s: %s, want %s", id, got[id], s)
		}
	}
	if !rep.Failed() {
		t.Error("Failed() = false")
	}
	if d := rep.Row(CheckNoSetuid).Detail; !strings.Contains(d, "/usr/bin/evil (setuid)") {
		t.Errorf("setuid detail does not name the file: %s", d)
	}
	if d := rep.Row(CheckNoShell).Detail; !strings.Contains(d, "/bin/sh") {
		t.Errorf("shell detail does not name /bin/sh: %s", d)
	}
	leftovers(t, work)
}

func TestRunCrashingImage(t *testing.T) {
	needRunc(t)
	cfg := goodConfig()
	cfg.Cmd = []string{"-exit"}
	start := time.Now()
	rep, err := Run(context.Background(), Options{Image: writeLayout(t, svcImage(t, cfg)), WorkDir: t.TempDir(), Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d := rep.Row(CheckPort)
	if d.Status != Fail || !strings.Contains(d.Detail, "exited") || !strings.Contains(d.Detail, "crashing on purpose") {
		t.Errorf("port row for a crashing service: %+v", d)
	}
	if time.Since(start) > 15*time.Second {
		t.Error("a crashed service should fail fast, not wait for the timeout")
	}
}

func TestRunCanceledCleansUp(t *testing.T) {
	needRunc(t)
	cfg := goodConfig()
	cfg.Entrypoint = []string{"/app/svc"}
	cfg.Env = []string{"PORT=9999"} // the probe on 8080 never answers
	work := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(3*time.Second, cancel)
	_, err := Run(ctx, Options{Image: writeLayout(t, svcImage(t, cfg)), WorkDir: work, Timeout: time.Minute})
	if err == nil {
		t.Fatal("a canceled run returned no error")
	}
	leftovers(t, work)
	out, _ := exec.Command("sh", "-c", "ps -eo args | grep -c '[/]app/svc' || true").Output()
	if strings.TrimSpace(string(out)) != "0" {
		t.Errorf("the container's process survived cancellation (%s left)", out)
	}
}

// A service that needs configuration: a secret in its env, a data VOLUME it
// writes at start on a read-only root, a non-HTTP-style port check (TCP),
// and exec probes that must pass, must fail, or cannot run.
func TestRunConfiguredImage(t *testing.T) {
	needRunc(t)
	cfg := goodConfig()
	cfg.Env = []string{"PORT=9999", "DATA_DIR=/data"}
	cfg.Volumes = map[string]struct{}{"/data": {}}
	const secret = "hunter2-not-for-logs"
	var log strings.Builder
	work := t.TempDir()
	rep, err := Run(context.Background(), Options{
		Image:   writeLayout(t, svcImage(t, cfg)),
		WorkDir: work,
		Timeout: 20 * time.Second,
		TCPOnly: true,
		Env:     []string{"PORT=8080", "SECRET=" + secret},
		Exec: [][]string{
			{"/app/svc", "-getenv", "SECRET"},
			{"/app/svc", "-write", "/data/probe"},
			{"/app/svc", "-exit"},
		},
		ExecFail: [][]string{
			{"/app/svc", "-write", "/etc/probe"},
			{"/app/svc", "-write", "/data/again"},
			{"/no/such/binary"},
		},
		Log: &log,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Rows {
		t.Logf("%-16s %s  %s", c.ID, c.Status, c.Detail)
	}
	want := map[string]Status{
		CheckNonRoot: Pass, CheckPort: Pass, CheckHealthcheck: Pass, CheckReadOnly: Pass,
		"exec-1": Pass, // the env reached the container
		"exec-2": Pass, // the volume is writable
		"exec-3": Fail, // exits 3
		"exec-4": Pass, // the root is read-only: writing /etc fails, as it must
		"exec-5": Fail, // exits 0, but must fail
		"exec-6": Fail, // cannot run at all: not the refusal a must-fail probe wants
	}
	got := statuses(rep)
	for id, s := range want {
		if got[id] != s {
			t.Errorf("%s: %s, want %s", id, got[id], s)
		}
	}
	if d := rep.Row(CheckPort).Detail; !strings.Contains(d, "TCP connect to 127.0.0.1:8080 accepted") {
		t.Errorf("port row: %s (want a TCP connect to the port from Options.Env, which replaced the image's PORT)", d)
	}
	if r := rep.Exec("exec-1"); r == nil || r.Output != secret || r.ExitCode != 0 {
		t.Errorf("exec-1 result: %+v", r)
	}
	if r := rep.Exec("exec-3"); r == nil || r.ExitCode != 3 || !strings.Contains(rep.Row("exec-3").Detail, "crashing on purpose") {
		t.Errorf("exec-3: %+v, row %+v: want exit 3 and the output in the detail", r, rep.Row("exec-3"))
	}
	if r := rep.Exec("exec-4"); r == nil || !r.MustFail || !strings.Contains(r.Output, "read-only file system") {
		t.Errorf("exec-4: %+v", r)
	}
	if len(rep.Volumes) != 1 || rep.Volumes[0].Path != "/data" || rep.Volumes[0].Files != 3 {
		t.Errorf("volumes = %+v, want /data holding started, probe and again", rep.Volumes)
	}
	if strings.Join(rep.EnvKeys, ",") != "PORT,SECRET" {
		t.Errorf("env keys = %v", rep.EnvKeys)
	}
	// The secret's value is nowhere but in the output of the probe that
	// printed it on purpose.
	var table, js strings.Builder
	rep.WriteTable(&table)
	rep.Execs[0].Output = ""
	rep.WriteJSON(&js)
	for what, s := range map[string]string{"log": log.String(), "table": table.String(), "json": js.String()} {
		if strings.Contains(s, secret) {
			t.Errorf("the %s shows the secret value:\n%s", what, s)
		}
	}
	if !strings.Contains(table.String(), "volume   /data: 3 file(s)") || !strings.Contains(table.String(), "env      PORT, SECRET (values not shown)") {
		t.Errorf("table:\n%s", table.String())
	}
	if !strings.Contains(log.String(), "with env PORT, SECRET (values not shown)") || !strings.Contains(log.String(), "volume /data") {
		t.Errorf("log:\n%s", log.String())
	}
	leftovers(t, work)
}

// Without its required volume mounted writable the service cannot start;
// every exec probe then fails with the reason.
func TestRunExecProbesWhenTheContainerDied(t *testing.T) {
	needRunc(t)
	cfg := goodConfig()
	cfg.Env = []string{"DATA_DIR=/nowhere"} // not a VOLUME: read-only root
	rep, err := Run(context.Background(), Options{
		Image: writeLayout(t, svcImage(t, cfg)), WorkDir: t.TempDir(), Timeout: 10 * time.Second,
		Exec: [][]string{{"/app/svc", "-getenv", "PATH"}}, ExecFail: [][]string{{"/app/svc", "-exit"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"exec-1", "exec-2"} {
		if r := rep.Row(id); r == nil || r.Status != Fail || !strings.Contains(r.Detail, "exited") {
			t.Errorf("%s: %+v, want FAIL because the container exited", id, r)
		}
	}
}

// A non-root service listening on :80 runs under verify as it does under
// Docker, which makes every port unprivileged in the container's own
// network namespace: no capability is needed, none is granted.
func TestRunLowPortAsNonRoot(t *testing.T) {
	needRunc(t)
	cfg := goodConfig()
	cfg.Env = []string{"PORT=80"}
	cfg.ExposedPorts = map[string]struct{}{"80/tcp": {}}
	work := t.TempDir()
	rep, err := Run(context.Background(), Options{Image: writeLayout(t, svcImage(t, cfg)), SizeBudget: 25_000_000, WorkDir: work, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Rows {
		if c.Status != Pass {
			t.Errorf("%s: %s (%s), want PASS", c.ID, c.Status, c.Detail)
		}
	}
	if rep.Port != 80 || rep.RunAs != "65532:65532" {
		t.Errorf("port %d, run as %q; want 80 as 65532:65532", rep.Port, rep.RunAs)
	}
	leftovers(t, work)
}
