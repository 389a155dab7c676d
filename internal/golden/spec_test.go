package golden

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/testkit"
)

// writeSpecs writes name -> content files into a new directory.
func writeSpecs(t *testing.T, files map[string]string) string {
	t.Helper()
	return testkit.WriteTree(t, files)
}

func fieldErrors(t *testing.T, err error) []*config.FieldError {
	t.Helper()
	var ie *config.InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("want an *InvalidError, got %T: %v", err, err)
	}
	var out []*config.FieldError
	for _, e := range ie.Errs {
		var fe *config.FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("want FieldErrors, got %T: %v", e, e)
		}
		out = append(out, fe)
	}
	return out
}

const minimalSpec = `name = "base"
from = "docker.io/library/debian:bookworm-slim"

[user]
name = "app"
uid = 10001
`

func TestDefaultsAreHardened(t *testing.T) {
	dir := writeSpecs(t, map[string]string{"base.toml": minimalSpec})
	s, err := Load(filepath.Join(dir, "base.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Hardening != DefaultHardening() {
		t.Errorf("hardening = %+v, want every switch on", s.Hardening)
	}
	h := s.Hardening
	for name, on := range map[string]bool{"strip_setuid": h.StripSetuid, "remove_package_manager": h.RemovePackageManager, "remove_shells": h.RemoveShells, "remove_docs": h.RemoveDocs, "timezone": h.Timezone, "ca_certificates": h.CACertificates, "lock_root": h.LockRoot} {
		if !on {
			t.Errorf("%s is off by default", name)
		}
	}
	if s.Repo() != "golden/base" || s.TagList()[0] != "latest" {
		t.Errorf("repo/tags defaults: %s %v", s.Repo(), s.TagList())
	}
}

func TestWeakeningNeedsAnExplicitLine(t *testing.T) {
	dir := writeSpecs(t, map[string]string{"base.toml": minimalSpec + "\n[hardening]\nremove_shells = false\n"})
	s, err := Load(filepath.Join(dir, "base.toml"))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultHardening()
	want.RemoveShells = false
	if s.Hardening != want {
		t.Errorf("hardening = %+v, want only remove_shells off", s.Hardening)
	}
}

func TestUnknownKeysNameFileAndLine(t *testing.T) {
	src := minimalSpec + "\n[hardening]\nstrip_suid = true\n"
	dir := writeSpecs(t, map[string]string{"base.toml": src})
	_, err := Load(filepath.Join(dir, "base.toml"))
	fes := fieldErrors(t, err)
	if len(fes) != 1 {
		t.Fatalf("want 1 error, got %v", err)
	}
	fe := fes[0]
	if fe.Key != "hardening.strip_suid" || fe.Line != 9 || !strings.HasSuffix(fe.File, "base.toml") {
		t.Errorf("error = %+v, want hardening.strip_suid at base.toml:9", fe)
	}
	if !strings.Contains(fe.Msg, "strip_setuid") {
		t.Errorf("message does not list the allowed keys: %s", fe.Msg)
	}
}

func TestValidationReportsEveryProblemWithLines(t *testing.T) {
	src := `name = "other"
from = "scratch"
ports = [0]
volumes = ["relative/path"]

[packages]
apt = ["Bad Package", "curl"]
apk = ["curl"]

[[file]]
src = "../etc/passwd"
dst = "/etc/x"
mode = "4755"

[user]
name = "root"
uid = 0
shell = "/bin/bash"

[env]
API_TOKEN = "x"
`
	dir := writeSpecs(t, map[string]string{"base.toml": src})
	_, err := Load(filepath.Join(dir, "base.toml"))
	fes := fieldErrors(t, err)
	got := map[string]int{}
	for _, fe := range fes {
		got[fe.Key] = fe.Line
	}
	want := map[string]int{
		"name": 1, "from": 2, "ports[0]": 3, "volumes[0]": 4,
		"packages": 6, "packages.apt[0]": 7,
		"file[0].src": 11, "file[0].mode": 13,
		"user.name": 16, "user.uid": 17, "user.shell": 18,
		"env.API_TOKEN": 21,
	}
	for k, line := range want {
		if l, ok := got[k]; !ok {
			t.Errorf("no error for %s; got %v", k, err)
		} else if l != line {
			t.Errorf("%s reported at line %d, want %d", k, l, line)
		}
	}
}

// TestEnvValuesHeldToSlipwayToml: a golden spec's env is checked by
// slipway.toml's rules (config.ValidateEnv): a value that looks like a
// credential is refused without being shown, and so is one over 16 KiB.
func TestEnvValuesHeldToSlipwayToml(t *testing.T) {
	token := "ghp_" + strings.Repeat("a1B2", 9)
	src := minimalSpec + "\n[env]\nGREETING = \"" + token + "\"\nBANNER = \"" + strings.Repeat("x", 16<<10+1) + "\"\n"
	dir := writeSpecs(t, map[string]string{"base.toml": src})
	_, err := Load(filepath.Join(dir, "base.toml"))
	got := map[string]string{}
	for _, fe := range fieldErrors(t, err) {
		got[fe.Key] = fe.Msg
	}
	if !strings.Contains(got["env.GREETING"], "looks like a GitHub token (not shown)") {
		t.Errorf("env.GREETING: %q, want the credential refused", got["env.GREETING"])
	}
	if !strings.Contains(got["env.BANNER"], "at most 16384") {
		t.Errorf("env.BANNER: %q, want the length refused", got["env.BANNER"])
	}
	if strings.Contains(err.Error(), token[4:]) {
		t.Errorf("the error shows the credential: %v", err)
	}
}

func TestFilesMustExistInTheSpecFolder(t *testing.T) {
	src := minimalSpec + "\n[[file]]\nsrc = \"missing.conf\"\ndst = \"/etc/missing.conf\"\n"
	dir := writeSpecs(t, map[string]string{"base.toml": src})
	_, err := Load(filepath.Join(dir, "base.toml"))
	fes := fieldErrors(t, err)
	if len(fes) != 1 || fes[0].Key != "file[0].src" || fes[0].Line != 9 {
		t.Fatalf("want file[0].src at line 9, got %v", err)
	}
}

func TestDistrolessRefusesShellEntrypoint(t *testing.T) {
	src := `name = "app"
from = "golden:base"
entrypoint = ["/bin/sh", "-c", "run"]
`
	dir := writeSpecs(t, map[string]string{"app.toml": src})
	_, err := Load(filepath.Join(dir, "app.toml"))
	fes := fieldErrors(t, err)
	if len(fes) != 1 || fes[0].Key != "entrypoint" {
		t.Fatalf("want an entrypoint error, got %v", err)
	}
}

func TestHashCoversAddedFiles(t *testing.T) {
	dir := writeSpecs(t, map[string]string{
		"base.toml":   minimalSpec + "\n[[file]]\nsrc = \"conf/a.conf\"\ndst = \"/etc/a.conf\"\n",
		"conf/a.conf": "one\n",
	})
	s, err := Load(filepath.Join(dir, "base.toml"))
	if err != nil {
		t.Fatal(err)
	}
	h1, err := s.Hash()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "a.conf"), []byte("two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h2, _ := s.Hash()
	if h1 == h2 {
		t.Error("changing an added file did not change the spec hash")
	}
}

func TestRepoSpecsLoad(t *testing.T) {
	p := loadRepoPlan(t)
	var names []string
	for _, s := range p.Order {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "base postgres python static" {
		t.Errorf("order = %s", got)
	}
	pg := p.Spec("postgres")
	if pg.Hardening.RemoveShells {
		t.Error("postgres must keep its shell for the entrypoint script")
	}
	if u := p.User(p.Spec("python")); u == nil || u.UID != 10001 {
		t.Errorf("python should inherit base's user 10001, got %+v", u)
	}
	if u := p.User(p.Spec("static")); u == nil || u.UID != 65532 {
		t.Errorf("static runs as %+v, want 65532", u)
	}
}
