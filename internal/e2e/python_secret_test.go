package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// TestPythonPrivateIndexSecret: a requirements.txt whose extra index URL
// carries ${PIP_TOKEN} (pip expands it) makes `init --yes` declare the
// secret, the build mounts it in the install steps, the build fails
// without it, and its value is in no blob of the image nor in the build's
// output. The extra index is the lab's own (it accepts any credentials),
// written into the fixture only: the generated files never name it.
func TestPythonPrivateIndexSecret(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	dir := t.TempDir()
	files := map[string]string{
		"requirements.txt": "--extra-index-url http://ci:${PIP_TOKEN}@" + l.Registry + "/pypi/simple/\nFlask==2.2.2\ngunicorn==20.1.0\n",
		"main.py":          "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.route(\"/healthz\")\ndef healthz():\n    return \"ok\"\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r := runSlipway(ctx, t, env, "init", "--yes", dir); r.code != 0 {
		t.Fatalf("init --yes: %s", r)
	}
	proj, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(proj.Secrets) != 1 || proj.Secrets[0].ID != "pip_token" || proj.Secrets[0].Env != "PIP_TOKEN" {
		t.Fatalf("secrets %+v, want pip_token from $PIP_TOKEN", proj.Secrets)
	}
	for _, f := range []string{config.FileName, "Dockerfile", ".dockerignore"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), l.Registry) {
			t.Errorf("%s names the private index", f)
		}
	}

	img := filepath.Join(t.TempDir(), "image.tar")
	if r := runSlipway(ctx, t, env, "build", dir, "-o", "type=oci,dest="+img, "--progress", "plain"); r.code == 0 {
		t.Errorf("build without the pip_token secret succeeded, want a failure naming it")
	}
	canary := corpusCanary(t)
	r := runSlipway(ctx, t, append(env, "SLIPWAY_E2E_PIP_TOKEN="+canary), "build", dir, "--secret", "id=pip_token,env=SLIPWAY_E2E_PIP_TOKEN",
		"-o", "type=oci,dest="+img, "--progress", "plain")
	if r.code != 0 {
		t.Fatalf("build: %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, canary) {
		t.Errorf("the secret's value is in the build's output")
	}
	if leak, err := blobsContain(img, []string{canary}); err != nil {
		t.Fatal(err)
	} else if leak != "" {
		t.Errorf("the secret's value is in %s", leak)
	}
	if v := runSlipway(ctx, t, env, "verify", img, "--config", filepath.Join(dir, config.FileName)); v.code != 0 {
		t.Errorf("verify: %s", v)
	}
}
