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
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// needRunc skips a test that runs containers unless it runs as root with
// runc on PATH; under CI=true it fails instead, since CI has both.
func needRunc(t *testing.T) {
	t.Helper()
	_, err := exec.LookPath("runc")
	switch {
	case os.Geteuid() == 0 && err == nil:
		return
	case os.Getenv("CI") == "true":
		t.Fatal("CI=true: running containers needs root and runc (apt-get install runc)")
	default:
		t.Skip("running containers needs root and runc")
	}
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
	img, err := mutate.Config(imageOf(t, tarOf(t, entries...)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config = cfg
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func writeLayout(t *testing.T, img v1.Image) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "layout")
	lp, err := layout.Write(p, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return p
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
