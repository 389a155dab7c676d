package generate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/testkit"
)

// pythonShapesDir holds the golden Dockerfile of each shape of Python
// service: what `slipway init --yes` renders from detection alone.
const pythonShapesDir = "testdata/golden-python"

// pythonShape is a service tree: a folder of the e2e corpus, or files.
type pythonShape struct {
	corpus string
	files  map[string]string
}

var pythonShapes = map[string]pythonShape{
	"fastapi-uvicorn":  {corpus: "py-fastapi"},
	"flask-gunicorn":   {corpus: "py-flask-gunicorn"},
	"flask-dev-server": {corpus: "py-flask-redis"},
	"django-gunicorn":  {corpus: "py-django"},
	"console-script":   {corpus: "py-project-scripts"},
	"main-module":      {corpus: "py-emailservice"},
	"native-psycopg2": {files: map[string]string{
		"requirements.txt": "Flask==2.2.2\ngunicorn==20.1.0\npsycopg2==2.9.5\n",
		"app.py":           "from flask import Flask\napp = Flask(__name__)\n\n@app.get(\"/healthz\")\ndef healthz():\n    return \"ok\"\n",
	}},
	"private-index-secret": {files: map[string]string{
		"requirements.txt": "--extra-index-url https://ci:${PRIVATE_INDEX_TOKEN}@pkgs.example.com/simple\nfastapi\nuvicorn\nacme-internal==1.4\n",
		"api/__init__.py":  "",
		"api/main.py":      "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get(\"/health\")\ndef health():\n    return {}\n",
	}},
}

// projectFromDetection is the project `init --yes` writes from a detection
// (the wizard's fromDetection and its HTTP healthcheck default).
func projectFromDetection(r *detect.Result) config.Project {
	p := config.Project{
		Name: r.Name, Language: r.Language, Version: r.Version, PackageManager: r.PackageManager,
		Main: r.Main, Port: r.Port, Entrypoint: r.Entrypoint, Cmd: r.Cmd, BuildPackages: r.NativePackages,
		Healthcheck: config.Healthcheck{HTTPPath: r.HealthPath},
	}
	for _, s := range r.BuildSecrets {
		p.Secrets = append(p.Secrets, config.Secret{ID: s.ID, Env: s.Env})
	}
	return p
}

func TestPythonShapes(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for name, sh := range pythonShapes {
		want[name+".Dockerfile"] = true
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "e2e", "testdata", "services", sh.corpus)
			if sh.corpus == "" {
				dir = testkit.WriteTree(t, sh.files)
			}
			r, err := detect.Detect(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Unresolved) > 0 {
				t.Fatalf("detection left %q open: %q", r.Unresolved, r.Ambiguities)
			}
			p := projectFromDetection(r)
			p.Name = "svc-" + name // a temporary folder's name is random
			out, err := generate.Render(set, &p, nil)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			compareGolden(t, filepath.Join("..", "golden-python", name+".Dockerfile"), out.Dockerfile)
			checkDockerfile(t, out.Dockerfile, &p, set)
			warnings, err := generate.BuildKitLint(out.Dockerfile)
			if err != nil {
				t.Fatalf("BuildKit lint: %v", err)
			}
			for _, w := range warnings {
				t.Errorf("BuildKit lint: %s", w)
			}
			df := string(out.Dockerfile)
			// The final stage runs the detected command, never a console
			// script of the build stage's Python.
			final := df[strings.LastIndex(df, "\nFROM "):]
			switch {
			case len(r.Entrypoint) > 0:
				if !strings.Contains(final, `ENTRYPOINT ["`+r.Entrypoint[0]+`"]`) || !strings.Contains(df, "sed -i '1s|^#!.*python.*$|#!/usr/bin/python3|'") {
					t.Errorf("console script not run, or its first line not pointed at the base's Python:\n%s", final)
				}
			case len(r.Cmd) > 0:
				if !strings.Contains(final, `ENTRYPOINT ["/usr/bin/python3", "-m", "`+r.Main+`"]`) || !strings.Contains(final, "CMD [\""+strings.Join(r.Cmd, `", "`)+"\"]") {
					t.Errorf("server not run as python -m %s %q:\n%s", r.Main, r.Cmd, final)
				}
			}
			for _, pkg := range r.NativePackages {
				if strings.Contains(final, pkg) || !strings.Contains(df[:len(df)-len(final)], pkg) {
					t.Errorf("build package %s not in the build stage alone", pkg)
				}
			}
			for _, s := range r.BuildSecrets {
				if strings.Count(df, "--mount=type=secret,id="+s.ID+",env="+s.Env) < 2 {
					t.Errorf("secret %s not mounted in the install steps", s.ID)
				}
			}
			if strings.Contains(df, "pkgs.example.com") {
				t.Errorf("the private index URL reached the Dockerfile")
			}
		})
	}
	entries, err := os.ReadDir(pythonShapesDir)
	if err != nil && !*update {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !want[e.Name()] {
			if *update {
				_ = os.Remove(filepath.Join(pythonShapesDir, e.Name()))
				continue
			}
			t.Errorf("%s/%s is produced by no shape; rerun with -update to remove it", pythonShapesDir, e.Name())
		}
	}
}
