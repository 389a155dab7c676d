package golden

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/testkit"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/verify"
)

// labEnv is one test's view of the lab: a BuildKit client, the registry,
// a private copy of golden/ whose external bases are test-only copies of
// the lab's stand-ins (so republishing one disturbs no other test), and a
// private push prefix.
type labEnv struct {
	lab      *lab.Lab
	client   *build.Client
	dir      string // copy of golden/
	registry string // push prefix
	baseRef  string // the test-only copy of debian:bookworm-slim
	images   *image.Remote
	log      *bytes.Buffer
}

func randomSuffix(t testing.TB) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func newLabEnv(t *testing.T) *labEnv { return newLabEnvTB(t) }

// newLabEnvB is newLabEnv for benchmarks.
func newLabEnvB(b *testing.B) *labEnv { return newLabEnvTB(b) }

func newLabEnvTB(t testing.TB) *labEnv {
	t.Helper()
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := build.Connect(ctx, build.ConnectOptions{Addr: l.BuildkitHost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	suffix := randomSuffix(t)
	e := &labEnv{
		lab:      l,
		client:   c,
		dir:      t.TempDir(),
		registry: l.Registry + "/golden-test-" + suffix,
		// A docker.io name, so that it goes through the mirror like the real one.
		baseRef: "docker.io/slipwaytest/debian-" + suffix + ":bookworm-slim",
		images:  &image.Remote{Mirror: l.Registry},
		log:     &bytes.Buffer{},
	}
	// Publish the test-only copy of the Debian stand-in.
	src, err := e.images.Reference("docker.io/library/debian:bookworm-slim")
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(src)
	if err != nil {
		t.Fatalf("reading the lab's debian stand-in: %v", err)
	}
	e.publishBase(t, img)
	copyTree(t, filepath.Join("..", "..", "golden"), e.dir)
	for _, f := range []string{"base.toml", "static.toml"} {
		replaceInFile(t, filepath.Join(e.dir, f), `from = "docker.io/library/debian:bookworm-slim"`, `from = "`+e.baseRef+`"`)
	}
	os.Remove(filepath.Join(e.dir, LockFileName))
	return e
}

func (e *labEnv) publishBase(t testing.TB, img v1.Image) {
	t.Helper()
	dst, err := e.images.Reference(e.baseRef)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(dst, img); err != nil {
		t.Fatalf("publishing %s: %v", dst, err)
	}
}

func (e *labEnv) build(t *testing.T, mod func(*BuildOptions)) (*Summary, error) {
	t.Helper()
	o := BuildOptions{Dir: e.dir, Registry: e.registry, Builder: e.client, Images: e.images, Log: e.log}
	if mod != nil {
		mod(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	return Build(ctx, o)
}

// buildB builds every spec for a benchmark.
func (e *labEnv) buildB(b *testing.B, jobs int, noCache bool) (*Summary, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	e.log.Reset()
	return Build(ctx, BuildOptions{Dir: e.dir, Registry: e.registry, Builder: e.client, Images: e.images, Log: e.log, Jobs: jobs, NoCache: noCache})
}

func copyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		return os.WriteFile(dst, b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func replaceInFile(t testing.TB, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pulled is an image read back from the registry with go-containerregistry,
// independently of the audit in Build.
type pulled struct {
	cfg   *v1.ConfigFile
	files map[string]*tar.Header // flattened filesystem, no leading slash
}

func pull(t *testing.T, e *labEnv, ref string) *pulled {
	t.Helper()
	n, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(n)
	if err != nil {
		t.Fatalf("pulling %s: %v", ref, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	p := &pulled{cfg: cfg, files: map[string]*tar.Header{}}
	if err := image.WalkFlattened(img, func(name string, h *tar.Header, _ *tar.Reader) error {
		p.files[strings.TrimPrefix(name, "/")] = h
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

// exists follows the merged-/usr symlinks (bin -> usr/bin) of Debian.
func (p *pulled) exists(name string) bool {
	name = strings.TrimPrefix(name, "/")
	if _, ok := p.files[name]; ok {
		return true
	}
	for _, d := range []string{"bin", "sbin", "lib"} {
		if h, ok := p.files[d]; ok && h.Typeflag == tar.TypeSymlink && strings.HasPrefix(name, d+"/") {
			_, ok := p.files["usr/"+name]
			return ok
		}
	}
	return false
}

func TestGoldenImagesInTheLab(t *testing.T) {
	e := newLabEnv(t)
	sum, err := e.build(t, nil)
	if err != nil {
		t.Fatalf("%v\n%s\nlog tail:\n%s", err, sum, textsafe.Tail(e.log.String(), 60))
	}
	t.Logf("first build:\n%s", sum)
	lock, err := ReadLock(filepath.Join(e.dir, LockFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"base", "static", "python", "postgres"} {
		if lock.Entry(n) == nil {
			t.Fatalf("%s is not in the lock", n)
		}
	}
	// Parents before children: a child was built FROM its parent's new digest.
	for _, child := range []string{"python", "postgres"} {
		if got, want := lock.Entry(child).BaseDigest, lock.Entry("base").Digest; got != want {
			t.Errorf("%s was built FROM %s, base is %s", child, got, want)
		}
	}

	t.Run("images hold what the specs ask", func(t *testing.T) {
		imgs := map[string]*pulled{}
		for n, le := range lock.Images {
			imgs[n] = pull(t, e, le.Ref())
		}
		wantUser := map[string]string{"base": "10001:10001", "python": "10001:10001", "static": "65532:65532", "postgres": "999:999"}
		for n, p := range imgs {
			if p.cfg.Config.User != wantUser[n] {
				t.Errorf("%s runs as %q, want %s", n, p.cfg.Config.User, wantUser[n])
			}
			for f, h := range p.files {
				if h.Typeflag == tar.TypeReg && h.Mode&0o6000 != 0 {
					t.Errorf("%s: setuid/setgid file /%s (mode %o)", n, f, h.Mode)
				}
			}
			labels := p.cfg.Config.Labels
			if labels["org.opencontainers.image.title"] != n || labels["org.opencontainers.image.vendor"] != "slipway golden images" || labels["org.opencontainers.image.base.digest"] != lock.Entry(n).BaseDigest {
				t.Errorf("%s: labels %v", n, labels)
			}
			if p.exists("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease") || len(filesUnder(p, "var/lib/apt/lists/")) > 1 {
				t.Errorf("%s: apt lists left: %v", n, filesUnder(p, "var/lib/apt/lists/"))
			}
			if len(filesUnder(p, "usr/share/man/")) > 0 {
				t.Errorf("%s: man pages left: %v", n, filesUnder(p, "usr/share/man/")[:1])
			}
		}
		for _, n := range []string{"static", "python"} {
			for _, sh := range []string{"bin/sh", "bin/bash", "bin/dash", "usr/bin/sh", "usr/bin/dash", "usr/bin/bash"} {
				if imgs[n].exists(sh) {
					t.Errorf("%s has a shell: /%s", n, sh)
				}
			}
		}
		for _, n := range []string{"static", "python", "postgres"} {
			for _, f := range []string{"usr/bin/dpkg", "usr/bin/apt-get", "var/lib/dpkg/status", "var/lib/dpkg/info", "var/lib/apt", "etc/apt"} {
				if imgs[n].exists(f) {
					t.Errorf("%s keeps package manager state: /%s", n, f)
				}
			}
		}
		for _, f := range []string{"usr/bin/apt-get", "usr/bin/dpkg", "bin/sh", "etc/ssl/certs/ca-certificates.crt", "usr/share/zoneinfo/Etc/UTC"} {
			if !imgs["base"].exists(f) {
				t.Errorf("base lacks /%s", f)
			}
		}
		// static holds only what keep lists, plus passwd, group and the home.
		for f := range imgs["static"].files {
			ok := false
			for _, k := range []string{"etc", "etc/passwd", "etc/group", "etc/ssl", "etc/ssl/certs", "etc/ssl/certs/ca-certificates.crt", "usr", "usr/share", "usr/share/zoneinfo", "usr/lib", "usr/lib/os-release", "etc/localtime", "etc/timezone", "etc/nsswitch.conf", "etc/os-release", "tmp", "home", "home/nonroot"} {
				if f == k || strings.HasPrefix(f, "usr/share/zoneinfo/") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("static holds /%s, which its keep list does not name", f)
			}
		}
		if !strings.Contains(fileContent(t, e, lock.Entry("static").Ref(), "etc/passwd"), "nonroot:x:65532:65532:") {
			t.Error("static's /etc/passwd has no nonroot user 65532")
		}
		if !imgs["python"].exists("usr/bin/python3") {
			t.Error("python has no /usr/bin/python3")
		}
		pg := imgs["postgres"]
		if _, ok := pg.cfg.Config.Volumes["/var/lib/postgresql/data"]; !ok {
			t.Errorf("postgres volumes: %v", pg.cfg.Config.Volumes)
		}
		if hc := pg.cfg.Config.Healthcheck; hc == nil || len(hc.Test) < 2 || hc.Test[0] != "CMD" || !strings.HasSuffix(hc.Test[1], "pg_isready") {
			t.Errorf("postgres healthcheck: %+v", pg.cfg.Config.Healthcheck)
		}
		if !pg.exists("usr/bin/sh") && !pg.exists("bin/sh") {
			t.Error("postgres lost the shell its entrypoint needs")
		}
		for f, mode := range map[string]int64{"etc/slipway/postgres": 0o755, "etc/slipway/postgres/pg_hba.conf": 0o644, "etc/slipway/postgres/postgresql.conf": 0o644, "usr/local/bin/postgres-entrypoint": 0o755, "etc/postgresql-common": 0o755} {
			if h := pg.files[f]; h == nil || h.Mode&0o7777 != mode || h.Uid != 0 {
				t.Errorf("postgres /%s: %+v, want mode %o owned by root", f, h, mode)
			}
		}
		if pg.exists("etc/ssl/private/ssl-cert-snakeoil.key") {
			t.Error("postgres ships the private key ssl-cert generated at build time")
		}
		if pg.exists("var/lib/postgresql/15/main") || pg.exists("etc/postgresql/15/main") {
			t.Error("postgres created a cluster at build time despite createcluster.conf")
		}
	})

	t.Run("rebuild gives the same digests", func(t *testing.T) {
		before, _ := os.ReadFile(filepath.Join(e.dir, LockFileName))
		sum, err := e.build(t, nil)
		if err != nil {
			t.Fatalf("%v\n%s", err, sum)
		}
		for _, r := range sum.Results {
			if r.Changed {
				t.Errorf("%s rebuilt to a new digest %s", r.Name, r.Digest)
			}
		}
		after, _ := os.ReadFile(filepath.Join(e.dir, LockFileName))
		if !bytes.Equal(before, after) {
			t.Errorf("an unchanged rebuild changed golden.lock:\n%s\n---\n%s", before, after)
		}
	})

	t.Run("check is clean after a build", func(t *testing.T) {
		st, err := Check(context.Background(), e.dir, e.images)
		if err != nil {
			t.Fatal(err)
		}
		if AnyStale(st) {
			t.Fatalf("stale right after a build: %+v", st)
		}
	})

	t.Run("check reports a spec edit", func(t *testing.T) {
		file := filepath.Join(e.dir, "static.toml")
		orig, _ := os.ReadFile(file)
		defer os.WriteFile(file, orig, 0o644)
		replaceInFile(t, file, `SSL_CERT_FILE`, "TZ = \"UTC\"\nSSL_CERT_FILE")
		st, err := Check(context.Background(), e.dir, e.images)
		if err != nil {
			t.Fatal(err)
		}
		assertStale(t, st, map[string]string{"static": "spec changed"})
	})

	t.Run("postgres answers SELECT 1 as non-root with its data in the volume", func(t *testing.T) {
		runPostgres(t, e, lock.Entry("postgres").Ref())
	})

	t.Run("a failing image stops only its dependants", func(t *testing.T) {
		// python (FROM base) fails; app (FROM python) is skipped; base,
		// static and postgres still build.
		os.WriteFile(filepath.Join(e.dir, "app.toml"), []byte("name = \"app\"\nfrom = \"golden:python\"\n[hardening]\nremove_shells = false\nremove_package_manager = false\nstrip_setuid = false\nremove_docs = false\ntimezone = false\nca_certificates = false\nlock_root = false\n"), 0o644)
		defer os.Remove(filepath.Join(e.dir, "app.toml"))
		file := filepath.Join(e.dir, "python.toml")
		orig, _ := os.ReadFile(file)
		defer os.WriteFile(file, orig, 0o644)
		replaceInFile(t, file, `apt = ["python3-minimal"]`, `apt = ["python3-minimal", "slipway-no-such-package"]`)
		before, _ := ReadLock(filepath.Join(e.dir, LockFileName))
		sum, err := e.build(t, nil)
		var be *BuildError
		if !errors.As(err, &be) {
			t.Fatalf("want a *BuildError, got %v\n%s", err, sum)
		}
		t.Logf("summary:\n%s", sum)
		got := map[string]Result{}
		for _, r := range sum.Results {
			got[r.Name] = r
		}
		if got["python"].Outcome != Failed || !strings.Contains(got["python"].Reason, "did not complete successfully") {
			t.Errorf("python: %+v", got["python"])
		}
		if got["app"].Outcome != Skipped || !strings.Contains(got["app"].Reason, "golden:python failed") {
			t.Errorf("app: %+v", got["app"])
		}
		for _, n := range []string{"base", "static", "postgres"} {
			if got[n].Outcome != Built {
				t.Errorf("%s: %+v", n, got[n])
			}
		}
		after, _ := ReadLock(filepath.Join(e.dir, LockFileName))
		if after.Entry("app") != nil {
			t.Error("the skipped app got a lock entry")
		}
		if a, b := after.Entry("python"), before.Entry("python"); a.Digest != b.Digest || a.SpecHash != b.SpecHash || !a.BuiltAt.Equal(b.BuiltAt) {
			t.Errorf("python's lock entry changed though it failed: %+v -> %+v", b, a)
		}
	})

	t.Run("check reports a republished base", func(t *testing.T) {
		src, _ := e.images.Reference(e.baseRef)
		img, err := remote.Image(src)
		if err != nil {
			t.Fatal(err)
		}
		layer, err := tarLayer(map[string]string{"etc/slipway-republished": "new content\n"})
		if err != nil {
			t.Fatal(err)
		}
		img, err = mutate.AppendLayers(img, layer)
		if err != nil {
			t.Fatal(err)
		}
		e.publishBase(t, img)
		st, err := Check(context.Background(), e.dir, e.images)
		if err != nil {
			t.Fatal(err)
		}
		assertStale(t, st, map[string]string{"base": "moved upstream", "static": "moved upstream"})
	})
}

func filesUnder(p *pulled, prefix string) []string {
	var out []string
	for f, h := range p.files {
		if strings.HasPrefix(f, prefix) && h.Typeflag == tar.TypeReg {
			out = append(out, f)
		}
	}
	return out
}

func fileContent(t *testing.T, e *labEnv, ref, file string) string {
	t.Helper()
	n, _ := name.ParseReference(ref, name.Insecure)
	img, err := remote.Image(n)
	if err != nil {
		t.Fatal(err)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			return ""
		}
		if strings.TrimPrefix(path.Clean("/"+h.Name), "/") == file {
			b, _ := io.ReadAll(tr)
			return string(b)
		}
	}
}

func tarLayer(files map[string]string) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for n, c := range files {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		tw.Write([]byte(c))
	}
	tw.Close()
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}

// runPostgres verifies the postgres golden image with verify.Run, the way
// `slipway verify` runs any image (read-only root, no capabilities,
// no-new-privileges, its own loopback-only network), with the superuser
// password in its env, its declared VOLUMEs as empty writable directories,
// a TCP check of port 5432, its own pg_isready HEALTHCHECK, and psql probes
// inside the container: SELECT 1 over TCP with the password; refused
// without it or with a wrong one; peer authentication on the socket.
func runPostgres(t *testing.T, e *labEnv, ref string) {
	labtest.NeedRootAndRunc(t)
	n, _ := name.ParseReference(ref, name.Insecure)
	img, err := remote.Image(n)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	dir := testkit.WriteLayout(t, filepath.Join(t.TempDir(), "layout"), img)
	const password = "golden-test-password"
	const psqlBin = "/usr/lib/postgresql/15/bin/psql"
	psql := []string{psqlBin, "--host=127.0.0.1", "--port=5432", "--username=postgres", "--dbname=postgres", "--no-password", "--tuples-only", "--no-align", "--command=SELECT 1"}
	probes := []struct {
		args     []string
		mustFail bool
		output   string // the output must be this (must pass) or contain it (must fail)
	}{
		// SELECT 1 over TCP on loopback, with the password from PGPASSWORD.
		{args: psql, output: "1"},
		// The server runs as 999, not root, and its cluster is in the data
		// volume (the root is read-only: it could be nowhere else), owned
		// by 999.
		{args: []string{"/usr/bin/id", "-u"}, output: "999"},
		{args: []string{"/usr/bin/test", "-s", "/var/lib/postgresql/data/pgdata/PG_VERSION"}},
		{args: []string{"/usr/bin/test", "-O", "/var/lib/postgresql/data/pgdata"}},
		// The socket admits the postgres OS user as the postgres role (peer).
		{args: []string{"/usr/bin/env", "-u", "PGPASSWORD", psqlBin, "--host=/run/postgresql", "--username=postgres", "--dbname=postgres", "--tuples-only", "--no-align", "--command=SELECT current_user"}, output: "postgres"},
		// The same over TCP without a password is refused: no trust for hosts.
		{args: append([]string{"/usr/bin/env", "-u", "PGPASSWORD"}, psql...), mustFail: true, output: "password"},
		// A wrong password is refused too.
		{args: append([]string{"/usr/bin/env", "PGPASSWORD=wrong"}, psql...), mustFail: true, output: "authentication failed"},
		// The socket admits only the postgres role by peer: not another role.
		{args: []string{"/usr/bin/env", "-u", "PGPASSWORD", psqlBin, "--host=/run/postgresql", "--username=app", "--dbname=postgres", "--no-password", "--command=SELECT 1"}, mustFail: true},
	}
	o := verify.Options{
		Image:   dir,
		Port:    5432,
		TCPOnly: true,
		Timeout: 90 * time.Second,
		Env:     []string{"POSTGRES_PASSWORD=" + password, "PGPASSWORD=" + password},
		Log:     e.log,
	}
	for _, p := range probes {
		if p.mustFail {
			o.ExecFail = append(o.ExecFail, p.args)
		} else {
			o.Exec = append(o.Exec, p.args)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := verify.Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	rep.WriteTable(&table)
	t.Logf("verify:\n%s", table.String())
	if strings.Contains(table.String(), password) {
		t.Error("the report shows the password")
	}
	if uid := strings.SplitN(cfg.Config.User, ":", 2)[0]; uid == "0" || uid == "" || uid == "root" {
		t.Fatalf("image user %q is root", cfg.Config.User)
	}
	// Every row passes but those that cannot apply: a shell is expected
	// (the entrypoint is a script) and there is no size budget.
	for _, c := range rep.Rows {
		want := verify.Pass
		if c.ID == verify.CheckNoShell || c.ID == verify.CheckSize {
			want = verify.Skip
		}
		if c.Status != want {
			t.Errorf("%s (%s): %s, want %s: %s", c.ID, c.Name, c.Status, want, c.Detail)
		}
	}
	if t.Failed() {
		t.Logf("container log:\n%s", strings.Join(rep.ContainerLog, "\n"))
	}
	if d := rep.Row(verify.CheckHealthcheck).Detail; !strings.Contains(d, "pg_isready") {
		t.Errorf("the HEALTHCHECK row did not run the image's pg_isready: %s", d)
	}
	if rep.RunAs != "999:999" {
		t.Errorf("ran as %q, want 999:999", rep.RunAs)
	}
	if len(rep.Execs) != len(probes) {
		t.Fatalf("%d exec results for %d probes", len(rep.Execs), len(probes))
	}
	// Results follow Exec, then ExecFail.
	i := 0
	for _, pass := range []bool{true, false} {
		for _, p := range probes {
			if p.mustFail == pass {
				continue
			}
			r := rep.Execs[i]
			i++
			switch {
			case strings.Join(r.Args, " ") != strings.Join(p.args, " "):
				t.Errorf("result %d is for %v, want %v", i, r.Args, p.args)
			case !p.mustFail && p.output != "" && r.Output != p.output:
				t.Errorf("`%s` printed %q, want %q", strings.Join(p.args, " "), r.Output, p.output)
			case p.mustFail && !strings.Contains(r.Output, p.output):
				t.Errorf("`%s` was refused, but not for the right reason: %q does not mention %q", strings.Join(p.args, " "), r.Output, p.output)
			}
		}
	}
	// The cluster was written to the host directory behind the VOLUME.
	var data *verify.Volume
	for j := range rep.Volumes {
		if rep.Volumes[j].Path == "/var/lib/postgresql/data" {
			data = &rep.Volumes[j]
		}
	}
	if data == nil || data.Files < 100 {
		t.Errorf("the data volume holds no cluster: %+v", rep.Volumes)
	}
}
