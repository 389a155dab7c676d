package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/slipway/slipway/internal/testkit"
)

var scanFakeToken = "ghp_" + strings.Repeat("Q7wE", 9)

// scanImage makes a small image: files are name → mode and content.
func scanImage(t *testing.T, cfg v1.Config, files map[string]struct {
	mode int64
	body string
}) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for n, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: f.mode, Size: int64(len(f.body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f.body))
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Config = "linux", "amd64", cfg
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

type scanFile = struct {
	mode int64
	body string
}

func scanFixtures(t *testing.T) (clean, dirty, warnOnly v1.Image) {
	files := map[string]scanFile{
		"etc/passwd": {0o644, "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n"},
		"app/server": {0o755, "\x7fELF"},
	}
	good := v1.Config{User: "65532:65532", Entrypoint: []string{"/app/server"},
		Healthcheck: &v1.HealthConfig{Test: []string{"CMD", "/app/server", "-healthcheck"}}}
	clean = scanImage(t, good, files)

	bad := good
	bad.User = ""
	bad.Env = []string{"GITHUB_TOKEN=" + scanFakeToken}
	dirtyFiles := map[string]scanFile{"usr/bin/su": {0o4755, "\x7fELF"}}
	for k, v := range files {
		dirtyFiles[k] = v
	}
	dirty = scanImage(t, bad, dirtyFiles)

	warn := good
	warn.Healthcheck = nil
	warnOnly = scanImage(t, warn, files)
	return clean, dirty, warnOnly
}

func writeLayout(t *testing.T, img v1.Image, dir string) string {
	t.Helper()
	return testkit.WriteLayout(t, dir, img)
}

func TestScanExitCodes(t *testing.T) {
	clean, dirty, warnOnly := scanFixtures(t)
	dir := t.TempDir()
	cleanDir := writeLayout(t, clean, filepath.Join(dir, "clean"))
	warnDir := writeLayout(t, warnOnly, filepath.Join(dir, "warn"))
	dirtyTar := filepath.Join(dir, "dirty.tar")
	tag, _ := name.NewTag("example.com/dirty:1")
	if err := tarball.WriteToFile(dirtyTar, tag, dirty); err != nil {
		t.Fatal(err)
	}

	code, out, _ := runLint(t, "", "scan", cleanDir)
	if code != 0 || !strings.Contains(out, "1 file checked: 0 error, 0 warning, 0 info") {
		t.Errorf("clean: exit %d\n%s", code, out)
	}
	code, out, _ = runLint(t, "", "scan", dirtyTar)
	if code != 1 {
		t.Errorf("dirty: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"SW200", "SW210", "/usr/bin/su (setuid 0)", "SW220", "GITHUB_TOKEN=ghp_****", "fix: "} {
		if !strings.Contains(out, want) {
			t.Errorf("dirty output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, scanFakeToken) {
		t.Errorf("the token is shown unmasked:\n%s", out)
	}
	// Only a warning: --severity error passes, the default fails.
	if code, out, _ = runLint(t, "", "scan", warnDir); code != 1 || !strings.Contains(out, "SW202") {
		t.Errorf("warning only: exit %d\n%s", code, out)
	}
	if code, out, _ = runLint(t, "", "scan", "--severity", "error", warnDir); code != 0 {
		t.Errorf("--severity error: exit %d\n%s", code, out)
	}
	// A team file turns a rule off.
	team := writeFile(t, dir, "slipway-team.toml", "[rules]\nSW202 = \"off\"\n")
	if code, out, _ = runLint(t, "", "scan", "--team", team, warnDir); code != 0 || strings.Contains(out, "SW202") {
		t.Errorf("--team with SW202 off: exit %d\n%s", code, out)
	}
	// Usage and input errors exit 2.
	for _, args := range [][]string{
		{"scan"},
		{"scan", filepath.Join(dir, "missing.tar")},
		{"scan", writeFile(t, dir, "notes.txt", "not an image")},
		{"scan", "--format", "xml", cleanDir},
		{"scan", "--severity", "fatal", cleanDir},
		{"scan", "--golden-lock", filepath.Join(dir, "golden.lock"), cleanDir},
	} {
		if code, _, errOut := runLint(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
}

func TestScanJSONAndSARIF(t *testing.T) {
	_, dirty, _ := scanFixtures(t)
	p := writeLayout(t, dirty, filepath.Join(t.TempDir(), "dirty"))

	code, out, errOut := runLint(t, "", "scan", "--format", "json", p)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var rep struct {
		Files    []string `json:"files"`
		Findings []struct {
			Rule, Severity, Message, File, Fix string
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	rulesSeen := map[string]bool{}
	for _, f := range rep.Findings {
		rulesSeen[f.Rule] = true
		if f.File != p || f.Fix == "" {
			t.Errorf("finding %+v: want the image as file and a fix", f)
		}
	}
	if !rulesSeen["SW200"] || !rulesSeen["SW210"] || !rulesSeen["SW220"] || strings.Contains(out, scanFakeToken) {
		t.Errorf("JSON findings %+v", rep.Findings)
	}
	if !strings.Contains(errOut, "scanned in") {
		t.Errorf("the summary line should go to stderr with --format json: %q", errOut)
	}

	code, out, _ = runLint(t, "", "scan", "--format", "sarif", p)
	if code != 1 {
		t.Fatalf("sarif: exit %d", code)
	}
	validateSARIF(t, out)
	if !strings.Contains(out, `"ruleId": "SW220"`) || strings.Contains(out, scanFakeToken) {
		t.Errorf("SARIF lacks SW220 or shows the token")
	}
}

func TestScanRegistryReference(t *testing.T) {
	host := testkit.Registry(t)
	_, dirty, _ := scanFixtures(t)
	ref, _ := name.ParseReference(host+"/team/api:1", name.Insecure)
	if err := remote.Write(ref, dirty); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runLint(t, "", "scan", host+"/team/api:1")
	if code != 1 || !strings.Contains(out, "SW210") || !strings.Contains(out, host+"/team/api:1\n") {
		t.Errorf("registry reference: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut = runLint(t, "", "scan", host+"/team/absent:1"); code != 2 {
		t.Errorf("an absent image: exit %d, want 2\n%s", code, errOut)
	}
}
