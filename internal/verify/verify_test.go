package verify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
)

func writeFile(t *testing.T, root, name, body string) {
	t.Helper()
	p := filepath.Join(root, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResolveUser(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\napp:x:10001:10002::/:/sbin/nologin\n")
	writeFile(t, root, "etc/group", "root:x:0:\nnonroot:x:65532:\nstaff:x:50:\n")
	bare := t.TempDir() // scratch: no /etc at all
	for _, tc := range []struct {
		root, spec string
		want       User
		err        string
	}{
		{root, "", User{0, 0}, ""},
		{root, "nonroot", User{65532, 65532}, ""},
		{root, "65532", User{65532, 65532}, ""},
		{root, "app", User{10001, 10002}, ""},
		{root, "app:staff", User{10001, 50}, ""},
		{root, "10001:7", User{10001, 7}, ""},
		{root, "4242", User{4242, 0}, ""}, // not in passwd: group 0, like runc
		{root, "ghost", User{}, "not in the image's /etc/passwd"},
		{root, "app:ghosts", User{}, "not in the image's /etc/group"},
		{bare, "65532:65532", User{65532, 65532}, ""},
		{bare, "nonroot", User{}, "the image has no /etc/passwd"},
		// Spellings the runtime reads as numbers.
		{root, "00", User{0, 0}, ""},
		{root, "+0", User{0, 0}, ""},
		{root, "-0:65532", User{0, 65532}, ""},
		{root, "4294967296", User{0, 0}, ""},
		{root, "4294967297", User{1, 0}, ""},
		{root, "065532", User{65532, 65532}, ""},
		{root, ":50", User{0, 50}, ""},
		{root, "1:2:3", User{}, "more than one"},
	} {
		got, _, err := resolveUser(tc.root, tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("resolveUser(%q) error = %v, want %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("resolveUser(%q) = %v, %v; want %v", tc.spec, got, err, tc.want)
		}
	}
}

func TestRuntimeSpecHardening(t *testing.T) {
	cfg := v1.Config{Entrypoint: []string{"/app/hello"}, Cmd: []string{"-v"}, Env: []string{"A=1"}, WorkingDir: "/app"}
	s, err := runtimeSpec(cfg, User{65532, 65532}, false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := s.Process
	if strings.Join(p.Args, " ") != "/app/hello -v" || p.Cwd != "/app" || p.User.UID != 65532 || p.User.GID != 65532 {
		t.Errorf("process = %+v", p)
	}
	if !p.NoNewPrivileges || !s.Root.Readonly {
		t.Error("want noNewPrivileges and a read-only root")
	}
	c := p.Capabilities
	if c == nil || len(c.Bounding)+len(c.Effective)+len(c.Permitted)+len(c.Inheritable)+len(c.Ambient) != 0 {
		t.Errorf("capabilities = %+v, want every set empty", c)
	}
	if strings.Join(p.Env, " ") != "A=1 "+defaultPath {
		t.Errorf("env = %v: want the image's plus a default PATH", p.Env)
	}
	var netns, tmp bool
	for _, n := range s.Linux.Namespaces {
		netns = netns || n.Type == "network"
	}
	for _, m := range s.Mounts {
		tmp = tmp || (m.Destination == "/tmp" && m.Type == "tmpfs")
	}
	if !netns || !tmp {
		t.Errorf("want a network namespace (%v) and a tmpfs /tmp (%v)", netns, tmp)
	}
	hs, _ := runtimeSpec(cfg, User{1, 1}, true, nil, nil)
	for _, n := range hs.Linux.Namespaces {
		if n.Type == "network" {
			t.Error("host network: want no network namespace")
		}
	}
	if _, err := runtimeSpec(v1.Config{}, User{}, false, nil, nil); err == nil {
		t.Error("an image with no ENTRYPOINT or CMD: want an error")
	}
}

func TestExpectations(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(p config.Project) *generate.Resolved {
		r, err := generate.Resolve(set, &p, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	cf := &v1.ConfigFile{Config: v1.Config{ExposedPorts: map[string]struct{}{"9090/tcp": {}}}}

	// Nothing but the image: port from EXPOSE, default path, no shell claim.
	e, err := expect(Options{}, nil, nil, cf)
	if err != nil || e.port != 9090 || e.healthPath != "/healthz" || e.noShell || e.budget != 0 {
		t.Errorf("image only: %+v, %v", e, err)
	}
	// slipway.toml beats the image; flags beat slipway.toml.
	proj := resolve(config.Project{Name: "x", Language: "go", Port: 8081, SizeBudget: "25MB", Healthcheck: config.Healthcheck{HTTPPath: "/ready"}})
	e, _ = expect(Options{}, set, proj, cf)
	if e.port != 8081 || e.healthPath != "/ready" || e.budget != 25_000_000 || !e.noShell {
		t.Errorf("slipway.toml: %+v", e)
	}
	e, _ = expect(Options{Port: 7, HealthPath: "live", SizeBudget: 5}, set, proj, cf)
	if e.port != 7 || e.healthPath != "/live" || e.budget != 5 {
		t.Errorf("flags: %+v", e)
	}
	// A catalogue base with a shell makes no claim.
	var shellBase string
	for k, b := range set.Bases {
		if b.Shell && b.Fits("go") {
			shellBase = k
		}
	}
	if shellBase != "" {
		e, _ = expect(Options{}, set, resolve(config.Project{Name: "x", Language: "go", Base: shellBase}), cf)
		if e.noShell {
			t.Errorf("base %s has a shell: want no claim", shellBase)
		}
	}
	// The base-name label alone can claim distroless.
	lab := &v1.ConfigFile{Config: v1.Config{Labels: map[string]string{"org.opencontainers.image.base.name": "gcr.io/distroless/static-debian12:nonroot"}}}
	if e, _ := expect(Options{}, nil, nil, lab); !e.noShell {
		t.Error("a distroless base label: want a no-shell claim")
	}
}

func TestReportOutput(t *testing.T) {
	r := &Report{Image: "img.tar", Digest: "sha256:abc", CompressedBytes: 3_100_000, UnpackedBytes: 11_000_000}
	r.add(CheckNonRoot, "runs as non-root", Pass, "uid 65532")
	r.add(CheckPort, "port answers", Fail, "no answer\n  container output:\n    panic: boom")
	r.add(CheckSize, "image size within budget", Skip, "no budget")
	if !r.Failed() {
		t.Error("Failed() = false with a FAIL row")
	}
	var tbl bytes.Buffer
	if err := r.WriteTable(&tbl); err != nil {
		t.Fatal(err)
	}
	out := tbl.String()
	for _, want := range []string{"runs as non-root          PASS    uid 65532", "port answers              FAIL    no answer", "panic: boom", "1 passed, 1 failed, 1 skipped", "3.1MB compressed"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Passed bool `json:"passed"`
		Checks []struct {
			ID, Status string
		} `json:"checks"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Passed || len(got.Checks) != 3 || got.Checks[1].ID != "port" || got.Checks[1].Status != "FAIL" {
		t.Errorf("JSON = %s", js.String())
	}
	r.Rows[1].Status = Pass
	if r.Failed() {
		t.Error("Failed() = true with no FAIL row")
	}
}

func writeTar(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
