package verify

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/lab/labtest"
)

func TestRuntimeSpecEnvAndVolumes(t *testing.T) {
	cfg := v1.Config{
		Entrypoint: []string{"/app/svc"},
		Env:        []string{"PATH=/bin", "PORT=9999", "LANG=C"},
	}
	vols := []volumeMount{{Path: "/data", Source: "/work/v/0"}, {Path: "/run/app", Source: "/work/v/1"}}
	s, err := runtimeSpec(cfg, User{999, 999}, false, []string{"PORT=8080", "SECRET=a=b"}, vols)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(s.Process.Env, " "), "PATH=/bin PORT=8080 LANG=C SECRET=a=b"; got != want {
		t.Errorf("env = %q, want %q (replaced in place, new ones appended)", got, want)
	}
	for _, v := range vols {
		found := false
		for _, m := range s.Mounts {
			if m.Destination != v.Path {
				continue
			}
			found = true
			opts := strings.Join(m.Options, ",")
			if m.Type != "bind" || m.Source != v.Source || !strings.Contains(opts, "rbind") || !strings.Contains(opts, "rw") || !strings.Contains(opts, "nosuid") {
				t.Errorf("mount for %s = %+v, want a read-write nosuid bind of %s", v.Path, m, v.Source)
			}
		}
		if !found {
			t.Errorf("no mount for volume %s", v.Path)
		}
	}
	if !s.Root.Readonly {
		t.Error("volumes must not make the root writable")
	}
	// The image's own config is not modified.
	if cfg.Env[1] != "PORT=9999" {
		t.Errorf("runtimeSpec changed the image config: %v", cfg.Env)
	}
}

func TestImageVolumes(t *testing.T) {
	got, err := imageVolumes(v1.Config{Volumes: map[string]struct{}{
		"/var/lib/postgresql/data/": {}, "/run/postgresql": {}, "/var/lib/postgresql/data": {}, "/tmp": {}, "/tmp/x": {}, "/proc/x": {},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "/run/postgresql /var/lib/postgresql/data" {
		t.Errorf("volumes = %v: want cleaned, sorted, deduplicated, without paths verify mounts itself", got)
	}
	for _, bad := range []string{"data", "/", "/../"} {
		if _, err := imageVolumes(v1.Config{Volumes: map[string]struct{}{bad: {}}}); err == nil {
			t.Errorf("VOLUME %q: want an error", bad)
		}
	}
	if v, err := imageVolumes(v1.Config{}); err != nil || len(v) != 0 {
		t.Errorf("no VOLUME: %v, %v", v, err)
	}
}

func TestCheckEnvNamesKeysOnly(t *testing.T) {
	if err := checkEnv([]string{"A=1", "B=", "C=x=y"}); err != nil {
		t.Errorf("valid env: %v", err)
	}
	for _, tc := range []struct{ kv, want string }{
		{"NOVALUE", "not KEY=VALUE"},
		{"=secret-value", "no name"},
		{"BAD KEY=secret-value", "whitespace"},
		{"K=secret\x00value", "NUL"},
	} {
		err := checkEnv([]string{"OK=1", tc.kv})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("checkEnv(%q) = %v, want %q", tc.kv, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("checkEnv(%q) error shows the value: %v", tc.kv, err)
		}
	}
	if got := strings.Join(envKeys([]string{"A=1", "PASSWORD=hunter2"}), ","); got != "A,PASSWORD" {
		t.Errorf("envKeys = %q", got)
	}
}

func TestMakeVolumes(t *testing.T) {
	if os.Geteuid() != 0 {
		labtest.Unavailable(t, "chown needs root")
	}
	rootfs := t.TempDir()
	if err := os.MkdirAll(filepath.Join(rootfs, "var/lib/db"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(rootfs, "var/lib/db"), 0o700)
	dir := filepath.Join(t.TempDir(), "volumes")
	vols, err := makeVolumes(v1.Config{Volumes: map[string]struct{}{"/var/lib/db": {}, "/run/sock": {}}}, rootfs, dir, User{999, 998})
	if err != nil {
		t.Fatal(err)
	}
	if len(vols) != 2 || vols[0].Path != "/run/sock" || vols[1].Path != "/var/lib/db" {
		t.Fatalf("volumes = %+v", vols)
	}
	wantMode := map[string]os.FileMode{"/run/sock": 0o755, "/var/lib/db": 0o700}
	for _, v := range vols {
		fi, err := os.Stat(v.Source)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if !fi.IsDir() || st.Uid != 999 || st.Gid != 998 || fi.Mode().Perm() != wantMode[v.Path] {
			t.Errorf("%s backed by %s: dir=%v owner %d:%d mode %o; want a dir owned by 999:998 mode %o", v.Path, v.Source, fi.IsDir(), st.Uid, st.Gid, fi.Mode().Perm(), wantMode[v.Path])
		}
		if ents, _ := os.ReadDir(v.Source); len(ents) != 0 {
			t.Errorf("%s is not empty", v.Source)
		}
		if !strings.HasPrefix(v.Source, dir+string(filepath.Separator)) {
			t.Errorf("%s is not under %s", v.Source, dir)
		}
	}
	os.WriteFile(filepath.Join(vols[0].Source, "a"), []byte("12345"), 0o600)
	if files, bytes := usage(vols[0].Source); files != 1 || bytes != 5 {
		t.Errorf("usage = %d files, %d bytes; want 1, 5", files, bytes)
	}
}

func TestExecProbesNumbering(t *testing.T) {
	ps := execProbes(Options{
		Exec:     [][]string{{"psql", "-c", "SELECT 1"}, {"/usr/bin/id", "-u"}},
		ExecFail: [][]string{{"psql", "--no-password", "--command=SELECT 1 FROM a_very_long_table_name_indeed"}},
	})
	if len(ps) != 3 {
		t.Fatalf("%d probes", len(ps))
	}
	for i, want := range []struct {
		id, name string
		fail     bool
	}{
		{"exec-1", "exec: psql -c SELECT 1", false},
		{"exec-2", "exec: /usr/bin/id -u", false},
		{"exec-3", "exec (must fail): psql --no-password --command=SELECT 1 FROM a_ve…", true},
	} {
		if ps[i].id != want.id || ps[i].name() != want.name || ps[i].mustFail != want.fail {
			t.Errorf("probe %d = %s %q fail=%v; want %s %q fail=%v", i, ps[i].id, ps[i].name(), ps[i].mustFail, want.id, want.name, want.fail)
		}
	}
}
