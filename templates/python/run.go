package python

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

var (
	// An application object at module level: app = FastAPI(...),
	// application = fastapi.FastAPI(...), app = Flask(__name__).
	reAppObject = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[A-Za-z_.\[\], ]+)?=\s*(?:[A-Za-z_]+\.)?(FastAPI|Starlette|Flask)\(`)
	// A Flask application factory.
	reFactory = regexp.MustCompile(`^def\s+(create_app|make_app)\s*\(\s*\)`)
	// DJANGO_SETTINGS_MODULE in manage.py.
	reDjangoSettings = regexp.MustCompile(`DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][A-Za-z0-9_.]*)\.settings["']`)
	// A console script's object reference: "package.module:function".
	reScriptRef  = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_.]*):([A-Za-z_][A-Za-z0-9_.]*)$`)
	reScriptName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
)

// Where the template installs a project's console scripts (the final
// stage's PYTHONPATH, /opt/site-packages, plus bin).
const scriptDir = "/opt/site-packages/bin/"

// serverDefaultPort is gunicorn's and uvicorn's own default port, used when
// the code names none.
const serverDefaultPort = 8000

// appObject is an application object found in a source.
type appObject struct {
	framework string // fastapi, starlette, flask
	ref       string // module:variable, or module:create_app()
	where     string
	rel       string
}

// detectRun decides how the service starts, with evidence: the project's
// console script ([project.scripts]); Django under gunicorn (the project
// from manage.py's DJANGO_SETTINGS_MODULE); FastAPI or Starlette under
// uvicorn; Flask under gunicorn when gunicorn is a dependency, else the
// module's own __main__ block (Flask's development server, said so). The
// server runs as `python -m gunicorn` / `python -m uvicorn` (Main, with the
// arguments in Cmd), since a shell-less base cannot run a console script
// whose first line names the build stage's Python. What cannot be told is a
// choice on main, which `init --yes` refuses naming --main.
func detectRun(d *provider.Detector, t *tree, ds *deps, py *pyproject) *server {
	if scriptEntry(d, t, py) {
		return nil
	}
	var apps []appObject
	for _, f := range t.files {
		mod := module(f.rel)
		if mod == "" {
			continue
		}
		for i, l := range f.lines {
			if m := reAppObject.FindStringSubmatch(l); m != nil {
				apps = append(apps, appObject{strings.ToLower(m[2]), mod + ":" + m[1], fmt.Sprintf("%s:%d", f.rel, i+1), f.rel})
			} else if m := reFactory.FindStringSubmatch(l); m != nil && ds.has("flask") {
				apps = append(apps, appObject{"flask", mod + ":" + m[1] + "()", fmt.Sprintf("%s:%d", f.rel, i+1), f.rel})
			}
		}
	}
	if ds.has("django") {
		if s, ok := djangoEntry(d, t, ds); ok {
			return s
		}
	}
	for _, fw := range []string{"fastapi", "starlette", "flask"} {
		if !ds.has(fw) {
			continue
		}
		var mine []appObject
		for _, a := range apps {
			if a.framework == fw || (fw == "fastapi" && a.framework == "starlette") {
				mine = append(mine, a)
			}
		}
		d.R.Framework = fw
		d.R.Found("framework", fw, "%s", ds.names[fw])
		switch len(mine) {
		case 0:
			d.R.Note(fmt.Sprintf("%s is a dependency but no module-level application object (app = %s(...)) was found", fw, map[string]string{"fastapi": "FastAPI", "starlette": "Starlette", "flask": "Flask"}[fw]))
			return nil
		case 1:
		default:
			var refs []string
			for _, a := range mine {
				refs = append(refs, a.ref+" ("+a.where+")")
			}
			sort.Strings(refs)
			chooseMain(d, "%s %s applications: %s; set main (the server module, gunicorn or uvicorn) and cmd (its arguments) in slipway.toml", provider.CountWord(len(mine)), fw, strings.Join(refs, ", "))
			return nil
		}
		a := mine[0]
		d.Sources = appendOnce(d.Sources, a.rel)
		if fw == "flask" {
			return flaskEntry(d, t, ds, a)
		}
		if !ds.has("uvicorn") {
			chooseMain(d, "%s application %s (%s) but no ASGI server in the dependencies: add uvicorn to them, or name the module that starts the server", fw, a.ref, a.where)
			return nil
		}
		return serve(d, t, "uvicorn", a.ref, a.where)
	}
	return nil
}

// server is a run command decided before the port is known.
type server struct {
	name, ref, where string
}

// serve records that server runs ref; finish completes the command once
// the sources were scanned for the port.
func serve(d *provider.Detector, t *tree, name, ref, where string) *server {
	resolve(d, "main")
	d.R.Main = name
	return &server{name, ref, where}
}

// finish sets the server's arguments: the listen port the sources name,
// else the server's own default.
func (s *server) finish(d *provider.Detector) {
	server, ref, where := s.name, s.ref, s.where
	if d.R.Port == 0 && !d.R.Ambiguous("port") {
		d.R.Port, d.R.PortSource = serverDefaultPort, server+"'s default port"
		d.R.Found("port", strconv.Itoa(serverDefaultPort), "%s's default port (no port in the source)", server)
	}
	port := strconv.Itoa(d.R.Port)
	if d.R.Port == 0 {
		port = strconv.Itoa(serverDefaultPort) // the port choice is refused anyway
	}
	if server == "uvicorn" {
		d.R.Cmd = []string{ref, "--host", "0.0.0.0", "--port", port}
	} else {
		d.R.Cmd = []string{"--bind", "0.0.0.0:" + port, ref}
	}
	if strings.HasPrefix(where, "src/") {
		// A src layout: the server imports the app from /app/src.
		d.R.Cmd = append(d.R.Cmd, map[string]string{"uvicorn": "--app-dir", "gunicorn": "--pythonpath"}[server], "src")
	}
	d.R.Found("main", server, "%s serves %s (%s); run as python -m %s", server, ref, where, server)
	d.R.Found("cmd", strings.Join(d.R.Cmd, " "), "%s", where)
}

// flaskEntry serves a Flask app with gunicorn, or with its own __main__
// block when gunicorn is no dependency.
func flaskEntry(d *provider.Detector, t *tree, ds *deps, a appObject) *server {
	if ds.has("gunicorn") {
		return serve(d, t, "gunicorn", a.ref, fmt.Sprintf("%s; gunicorn from %s", a.where, ds.names["gunicorn"]))
	}
	f := t.byRel[a.rel]
	mod := strings.SplitN(a.ref, ":", 2)[0]
	if f != nil && f.mainBlock > 0 {
		resolve(d, "main")
		d.R.Main = mod
		d.R.Found("main", mod, "%s:%d (its __main__ block starts the app)", a.rel, f.mainBlock)
		d.R.Note(fmt.Sprintf("warning: %s runs Flask's development server (app.run), which is not meant for production: add gunicorn to the requirements and run `slipway init` again to serve %s with it", a.rel, a.ref))
		return nil
	}
	chooseMain(d, "Flask application %s (%s) has no server: add gunicorn to the requirements (then gunicorn serves it), or name the module that starts it", a.ref, a.where)
	return nil
}

// djangoEntry serves a Django project (manage.py's settings module) with
// gunicorn, or uvicorn over asgi.py; Django's runserver is for development
// only, so without either it is a choice.
func djangoEntry(d *provider.Detector, t *tree, ds *deps) (*server, bool) {
	b, err := d.Read("manage.py")
	if err != nil || b == nil {
		return nil, false
	}
	m := reDjangoSettings.FindSubmatch(b)
	if m == nil {
		d.R.Note("manage.py names no DJANGO_SETTINGS_MODULE: the Django project is not known")
		return nil, false
	}
	proj := string(m[1])
	d.R.Framework = "django"
	d.R.Found("framework", "django", "%s; manage.py sets DJANGO_SETTINGS_MODULE=%s.settings", ds.names["django"], proj)
	path := strings.ReplaceAll(proj, ".", "/")
	switch {
	case ds.has("gunicorn") && d.Exists(path+"/wsgi.py"):
		return serve(d, t, "gunicorn", proj+".wsgi:application", path+"/wsgi.py"), true
	case ds.has("uvicorn") && d.Exists(path+"/asgi.py"):
		return serve(d, t, "uvicorn", proj+".asgi:application", path+"/asgi.py"), true
	}
	chooseMain(d, "Django project %s has no production server in its dependencies (manage.py runserver is for development): add gunicorn to them (then gunicorn serves %s.wsgi:application)", proj, proj)
	return nil, true
}

// scriptEntry runs the project's console script when pyproject.toml
// declares [project.scripts] and a build system, and pip installs it (the
// template installs the project itself then, and points the script's first
// line at the final image's Python). Of several scripts the one named like
// the project is the service.
func scriptEntry(d *provider.Detector, t *tree, py *pyproject) bool {
	if len(py.Project.Scripts) == 0 {
		return false
	}
	names := make([]string, 0, len(py.Project.Scripts))
	for n := range py.Project.Scripts {
		names = append(names, n)
	}
	sort.Strings(names)
	if d.R.PackageManager != "pip" || py.BuildSystem == nil {
		d.R.Note(fmt.Sprintf("pyproject.toml [project.scripts] declares %s, but only pip builds with a [build-system] install the project itself: the service runs by module", strings.Join(names, ", ")))
		return false
	}
	name := ""
	if len(names) == 1 {
		name = names[0]
	} else {
		for _, n := range names {
			if normName(n) == normName(py.Project.Name) || normName(n) == normName(py.Project.Name)+"-server" {
				name = n
			}
		}
	}
	if name == "" {
		chooseMain(d, "%s console scripts in pyproject.toml [project.scripts]: %s; set entrypoint = [\"%s<name>\"] in slipway.toml", provider.CountWord(len(names)), strings.Join(names, ", "), scriptDir)
		return true
	}
	ref := reScriptRef.FindStringSubmatch(strings.TrimSpace(py.Project.Scripts[name]))
	if ref == nil || !reScriptName.MatchString(name) {
		d.R.Note(fmt.Sprintf("pyproject.toml [project.scripts] %q = %q is not a module:function reference slipway can run", name, py.Project.Scripts[name]))
		return false
	}
	resolve(d, "main")
	d.R.Main = ref[1]
	d.R.Found("main", ref[1], "pyproject.toml [project.scripts] %s (the script's module)", name)
	d.R.Entrypoint = []string{scriptDir + name}
	d.R.Found("entrypoint", scriptDir+name, "pyproject.toml [project.scripts] %s = %q (the installed console script)", name, py.Project.Scripts[name])
	if rel := t.fileOf(ref[1]); rel != "" {
		d.Sources = appendOnce(d.Sources, rel)
	}
	return true
}

func appendOnce(l []string, s string) []string {
	if contains(l, s) {
		return l
	}
	return append(l, s)
}

// resolve drops an earlier open choice on key (the entry-module guess)
// that a later finding answered.
func resolve(d *provider.Detector, key string) {
	var un, amb []string
	for _, k := range d.R.Unresolved {
		if k != key {
			un = append(un, k)
		}
	}
	for _, a := range d.R.Ambiguities {
		if !strings.HasPrefix(a, key+": ") {
			amb = append(amb, a)
		}
	}
	d.R.Unresolved, d.R.Ambiguities = un, amb
}

// chooseMain leaves main open with a choice for the user, replacing the
// entry-module guess.
func chooseMain(d *provider.Detector, format string, args ...any) {
	resolve(d, "main")
	if d.R.Main != "" {
		d.R.Note("main = " + d.R.Main + " (the entry guess above) is not how this service starts")
	}
	d.R.Main = ""
	d.R.Choice("main", true, format, args...)
}
