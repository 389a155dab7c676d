package python_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/provider/providertest"
	"github.com/slipway/slipway/internal/testkit"
)

// corpus is the end-to-end test's folder of real-shaped services.
const corpus = "../../internal/e2e/testdata/services"

// TestDetectCorpus is the detection table over the py-* services of the
// corpus: how each starts, on which port, with which health endpoint.
func TestDetectCorpus(t *testing.T) {
	for _, c := range []struct {
		dir, framework, main string
		entrypoint, cmd      []string
		port                 int
		portEnv, health      string
	}{
		{"py-fastapi", "fastapi", "uvicorn", nil, []string{"app.main:app", "--host", "0.0.0.0", "--port", "8000"}, 8000, "", "/api/v1/utils/health-check"},
		{"py-flask-gunicorn", "flask", "gunicorn", nil, []string{"--bind", "0.0.0.0:8080", "main:app"}, 8080, "PORT", "/healthz"},
		{"py-flask-redis", "flask", "app", nil, nil, 8000, "", "/health"},
		{"py-django", "django", "gunicorn", nil, []string{"--bind", "0.0.0.0:8000", "mysite.wsgi:application"}, 8000, "", "/healthz"},
		{"py-project-scripts", "", "inventory.server", []string{"/opt/site-packages/bin/inventory-server"}, nil, 8090, "PORT", "/ready"},
		{"py-emailservice", "", "email_server", nil, nil, 8080, "PORT", "/_healthz"},
	} {
		t.Run(c.dir, func(t *testing.T) {
			r, err := detect.Detect(filepath.Join(corpus, c.dir))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Ambiguities) > 0 {
				t.Errorf("ambiguities: %q", r.Ambiguities)
			}
			if r.Language != "python" || r.Framework != c.framework || r.Main != c.main {
				t.Errorf("language %q framework %q main %q, want python %q %q", r.Language, r.Framework, r.Main, c.framework, c.main)
			}
			if !slices.Equal(r.Entrypoint, c.entrypoint) || !slices.Equal(r.Cmd, c.cmd) {
				t.Errorf("entrypoint %q cmd %q, want %q %q", r.Entrypoint, r.Cmd, c.entrypoint, c.cmd)
			}
			if r.Port != c.port || r.PortEnv != c.portEnv || r.HealthPath != c.health {
				t.Errorf("port %d port_env %q health %q, want %d %q %q", r.Port, r.PortEnv, r.HealthPath, c.port, c.portEnv, c.health)
			}
			if len(r.NativePackages) > 0 || len(r.BuildSecrets) > 0 {
				t.Errorf("native %q secrets %v, want none", r.NativePackages, r.BuildSecrets)
			}
			for _, want := range []string{"main = ", "port = "} {
				if !evidence(r.Evidence, want) {
					t.Errorf("no evidence line %q in %q", want, r.Evidence)
				}
			}
		})
	}
}

func evidence(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

const flaskApp = "from flask import Flask\napp = Flask(__name__)\n\n@app.route(\"/healthz\")\ndef h():\n    return \"ok\"\n"

// TestDetectChoices: what cannot be told is a choice on main (init --yes
// exits 2 naming --main), never a guess.
func TestDetectChoices(t *testing.T) {
	for name, c := range map[string]struct {
		files map[string]string
		says  string
	}{
		"fastapi without uvicorn":            {map[string]string{"requirements.txt": "fastapi\n", "api.py": "from fastapi import FastAPI\napp = FastAPI()\n"}, "no ASGI server"},
		"django without a server":            {map[string]string{"requirements.txt": "Django>=4\n", "manage.py": "os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"shop.settings\")\n", "shop/wsgi.py": ""}, "gunicorn"},
		"flask without server or main block": {map[string]string{"requirements.txt": "flask\n", "web.py": flaskApp}, "add gunicorn"},
		"two flask apps":                     {map[string]string{"requirements.txt": "flask\ngunicorn\n", "a.py": flaskApp, "b.py": flaskApp}, "two flask applications: a:app"},
		"two console scripts":                {map[string]string{"pyproject.toml": "[build-system]\nrequires = [\"setuptools\"]\n[project]\nname = \"tools\"\n[project.scripts]\nimport-data = \"tools.a:main\"\nexport-data = \"tools.b:main\"\n"}, "two console scripts"},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := detect.Detect(testkit.WriteTree(t, c.files))
			if err != nil {
				t.Fatal(err)
			}
			if !r.Ambiguous("main") || r.Main != "" {
				t.Fatalf("main %q unresolved %q, want an open choice on main", r.Main, r.Unresolved)
			}
			if len(r.Ambiguities) != 1 || !strings.HasPrefix(r.Ambiguities[0], "main: ") || !strings.Contains(r.Ambiguities[0], c.says) {
				t.Errorf("ambiguities %q, want one on main saying %q", r.Ambiguities, c.says)
			}
			if len(r.Cmd) > 0 || len(r.Entrypoint) > 0 {
				t.Errorf("cmd %q entrypoint %q set with main open", r.Cmd, r.Entrypoint)
			}
		})
	}
}

func TestDetectServers(t *testing.T) {
	for name, c := range map[string]struct {
		files      map[string]string
		main       string
		cmd        []string
		port       int
		portSource string
	}{
		"gunicorn.conf.py bind": {map[string]string{"requirements.txt": "flask==2.2\ngunicorn\n", "wsgi.py": flaskApp, "gunicorn.conf.py": "bind = \"0.0.0.0:5000\"\nworkers = 2\n"},
			"gunicorn", []string{"--bind", "0.0.0.0:5000", "wsgi:app"}, 5000, "gunicorn.conf.py:1"},
		"Procfile port, not the redis client's": {map[string]string{"requirements.txt": "fastapi\nuvicorn[standard]\nredis\n", "svc/__init__.py": "", "svc/main.py": "import redis, fastapi\nr = redis.Redis(port=6379)\napp = fastapi.FastAPI()\n", "Procfile": "web: uvicorn svc.main:app --host 0.0.0.0 --port 9000\n"},
			"uvicorn", []string{"svc.main:app", "--host", "0.0.0.0", "--port", "9000"}, 9000, "Procfile:1"},
		"uvicorn.run port": {map[string]string{"requirements.txt": "starlette\nuvicorn\n", "main.py": "from starlette.applications import Starlette\napp = Starlette()\nif __name__ == \"__main__\":\n    uvicorn.run(app, host=\"0.0.0.0\", port=7000)\n"},
			"uvicorn", []string{"main:app", "--host", "0.0.0.0", "--port", "7000"}, 7000, "main.py:4 (a listen call's port=)"},
		"src layout": {map[string]string{"requirements.txt": "fastapi\nuvicorn\n", "src/svc/__init__.py": "", "src/svc/api.py": "from fastapi import FastAPI\napp = FastAPI()\n"},
			"uvicorn", []string{"svc.api:app", "--host", "0.0.0.0", "--port", "8000", "--app-dir", "src"}, 8000, "uvicorn's default port"},
		"flask factory": {map[string]string{"requirements.txt": "Flask\ngunicorn\n", "shop/__init__.py": "def create_app():\n    return Flask(__name__)\n"},
			"gunicorn", []string{"--bind", "0.0.0.0:8000", "shop:create_app()"}, 8000, "gunicorn's default port"},
		"django asgi under uvicorn": {map[string]string{"requirements.txt": "django\nuvicorn\n", "manage.py": "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'core.settings')\n", "core/asgi.py": "application = get_asgi_application()\n"},
			"uvicorn", []string{"core.asgi:application", "--host", "0.0.0.0", "--port", "8000"}, 8000, "uvicorn's default port"},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := detect.Detect(testkit.WriteTree(t, c.files))
			if err != nil {
				t.Fatal(err)
			}
			if r.Main != c.main || !slices.Equal(r.Cmd, c.cmd) || r.Port != c.port || r.PortSource != c.portSource {
				t.Errorf("main %q cmd %q port %d from %q, want %q %q %d from %q\nevidence %q\nambiguities %q", r.Main, r.Cmd, r.Port, r.PortSource, c.main, c.cmd, c.port, c.portSource, r.Evidence, r.Ambiguities)
			}
			if len(r.Ambiguities) > 0 {
				t.Errorf("ambiguities %q", r.Ambiguities)
			}
		})
	}
}

func TestDetectNative(t *testing.T) {
	r, err := detect.Detect(testkit.WriteTree(t, map[string]string{
		"requirements.txt": "psycopg2==2.9.5  # the C one\nrequests\n-r more.txt\n",
		"more.txt":         "mysqlclient>=2\n",
		"app.py":           "print('x')\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"gcc", "libc6-dev", "pkg-config", "default-libmysqlclient-dev", "libpq-dev"}
	if !slices.Equal(r.NativePackages, want) {
		t.Errorf("native packages %q, want %q", r.NativePackages, want)
	}
	if !evidence(r.Evidence, "warning: at run time mysqlclient needs libmariadb3; psycopg2 needs libpq5") {
		t.Errorf("no warning that the base lacks the runtime libraries: %q", r.Evidence)
	}

	// The binary wheel needs nothing; a lock file's sdist-only package does.
	r, err = detect.Detect(testkit.WriteTree(t, map[string]string{
		"pyproject.toml": "[project]\nname = \"x\"\ndependencies = [\"psycopg2-binary\"]\n[tool.uv]\n",
		"uv.lock":        "version = 1\n[[package]]\nname = \"pure\"\nsdist = { url = \"https://x/pure-1.0.tar.gz\" }\n[[package]]\nname = \"fast\"\nsdist = { url = \"https://x/fast-1.0.tar.gz\" }\nwheels = [{ url = \"https://x/fast-1.0-py3-none-any.whl\" }]\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.NativePackages, []string{"gcc", "libc6-dev"}) || !evidence(r.Evidence, "native: pure has no wheel in the lock file (uv.lock)") {
		t.Errorf("native packages %q, evidence %q", r.NativePackages, r.Evidence)
	}
}

func TestDetectSecrets(t *testing.T) {
	const password = "hunter2-not-printed"
	r, err := detect.Detect(testkit.WriteTree(t, map[string]string{
		"requirements.txt": "--extra-index-url https://build:${ARTIFACTORY_TOKEN}@pkgs.example.com/simple\n" +
			"-i https://ci:" + password + "@mirror.example.com/simple\nflask\n",
		"build.sh":       "pip download --extra-index-url \"$PIP_EXTRA_INDEX_URL\" wheels\n",
		"pip.conf":       "[global]\nindex-url = https://u:" + password + "@idx.example.com/simple\n",
		"pyproject.toml": "[tool.poetry]\nname = \"x\"\n[[tool.poetry.source]]\nname = \"corp-pypi\"\nurl = \"https://u:" + password + "@corp.example.com/simple\"\n[[tool.uv.index]]\nname = \"internal\"\nurl = \"https://internal.example.com/simple\"\n",
		"app.py":         "",
	}))
	if err != nil {
		t.Fatal(err)
	}
	envs := providertest.SecretEnvs(t, r)
	want := []string{"ARTIFACTORY_TOKEN", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "POETRY_HTTP_BASIC_CORP_PYPI_USERNAME", "POETRY_HTTP_BASIC_CORP_PYPI_PASSWORD", "UV_INDEX_INTERNAL_USERNAME", "UV_INDEX_INTERNAL_PASSWORD"}
	if !slices.Equal(envs, want) {
		t.Errorf("secrets %q, want %q", envs, want)
	}
	all := providertest.Said(t, r, password)
	if !strings.Contains(all, "warning: requirements.txt:2: the -i URL carries credentials") {
		t.Errorf("no warning about the literal password in requirements.txt:\n%s", all)
	}
}
