package python

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

// pyFile is one Python source of the tree.
type pyFile struct {
	rel   string
	lines []string
	// mainBlock is the line of `if __name__ == "__main__":`, or 0.
	mainBlock int
}

// tree holds the project's Python sources (tests, virtualenvs and vendored
// trees skipped), read once.
type tree struct {
	d     *provider.Detector
	files []*pyFile
	byRel map[string]*pyFile
}

const (
	// maxPyFiles bounds how many sources are read; maxPyFile their size.
	maxPyFiles = 2000
	maxPyFile  = 256 << 10
)

var reMainBlock = regexp.MustCompile(`^if\s+__name__\s*==\s*["']__main__["']\s*:`)

func (t *tree) load() error {
	t.byRel = map[string]*pyFile{}
	n := 0
	err := filepath.WalkDir(t.d.Dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable folder is skipped, not fatal
		}
		if n++; n > provider.MaxWalk || len(t.files) >= maxPyFiles {
			return filepath.SkipAll
		}
		name := e.Name()
		if e.IsDir() {
			if p != t.d.Dir && (provider.SkipDir(name) || name == "tests" || name == "test") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".py") || !e.Type().IsRegular() || strings.HasPrefix(name, "test_") {
			return nil
		}
		rel, err := filepath.Rel(t.d.Dir, p)
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		b, err := t.d.Read(rel)
		if err != nil || b == nil {
			return err
		}
		if len(b) > maxPyFile {
			b = b[:maxPyFile]
		}
		f := &pyFile{rel: rel, lines: strings.Split(string(b), "\n")}
		for i, l := range f.lines {
			if reMainBlock.MatchString(l) {
				f.mainBlock = i + 1
				break
			}
		}
		t.files = append(t.files, f)
		t.byRel[rel] = f
		return nil
	})
	sort.Slice(t.files, func(i, j int) bool { return t.files[i].rel < t.files[j].rel })
	return err
}

// module is the import name of a source ("app/main.py" is app.main,
// "src/inventory/server.py" inventory.server), or "" when a path part is no
// identifier.
func module(rel string) string {
	rel = strings.TrimPrefix(strings.TrimSuffix(rel, ".py"), "src/")
	rel = strings.TrimSuffix(rel, "/__init__")
	parts := strings.Split(rel, "/")
	for _, p := range parts {
		if !reIdent.MatchString(p) {
			return ""
		}
	}
	return strings.Join(parts, ".")
}

// fileOf is the source of a module, or "".
func (t *tree) fileOf(mod string) string {
	p := strings.ReplaceAll(mod, ".", "/")
	for _, rel := range []string{p + ".py", p + "/__init__.py", "src/" + p + ".py", "src/" + p + "/__init__.py"} {
		if _, ok := t.byRel[rel]; ok {
			return rel
		}
	}
	return ""
}

var (
	reIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// A listen call's port: app.run(port=8000), uvicorn.run(app, port=...),
	// web.run_app(app, port=...); the number may be an env default.
	reRunPort = regexp.MustCompile(`\.run(?:_app)?\(.*\bport\s*=\s*(.*)`)
	// The process's listen port from the environment, with its default.
	rePortEnvRead = regexp.MustCompile(`os\.(?:environ\.get|getenv)\(\s*["']PORT["']\s*(?:,\s*["']?([0-9]{2,5}))?|os\.environ\[\s*["']PORT["']\s*\]`)
	// A server bound to a literal address: HTTPServer(("", 8080), ...),
	// sock.bind(("0.0.0.0", 8080)).
	reServeAddr = regexp.MustCompile(`(?:Server|bind)\(\s*\(\s*["'][^"']*["']\s*,\s*([0-9]{2,5})\s*\)`)
	reFirstNum  = regexp.MustCompile(`(?:^|[^0-9.])([0-9]{2,5})(?:[^0-9.]|$)`)
	// The command line of a Procfile or a gunicorn.conf.py bind.
	reBindFlag  = regexp.MustCompile(`(?:--bind[= ]|-b\s+)["']?[^\s"']*:([0-9]{2,5})\b`)
	rePortFlag  = regexp.MustCompile(`--port[= ]([0-9]{2,5})\b`)
	reConfBind  = regexp.MustCompile(`^bind\s*=\s*\[?\s*["'][^"']*:([0-9]{2,5})["']`)
	reHealthEnd = regexp.MustCompile(`^(?:_?healthz?|health[-_]?check|_?livez|_?ready|readyz|ping)$`)
	// Routes: @app.get("/x"), @router.route("/x"), @bp.head("/x").
	reRoute = regexp.MustCompile(`@\s*([A-Za-z_][A-Za-z0-9_]*)\.(?:get|route|api_route|head)\(\s*["'](/[^"']*)["']`)
	// Django's path("healthz", view).
	reDjangoPath = regexp.MustCompile(`\b(?:re_)?path\(\s*r?["']\^?([A-Za-z0-9_/-]*?)/?\$?["']`)
	// A health path compared or served as a literal.
	rePathLiteral = regexp.MustCompile(`["'](/[A-Za-z0-9_/-]+)["']`)
	// Prefixes of routers and blueprints.
	reIncludePrefix = regexp.MustCompile(`(?:include_router|register_blueprint)\(\s*[A-Za-z0-9_.]+\s*,[^)]*?(?:url_)?prefix\s*=\s*["'](/[^"']*)["']`)
	reRouterPrefix  = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:APIRouter|Blueprint)\([^)]*?(?:url_)?prefix\s*=\s*["'](/[^"']*)["']`)
)

// healthRank orders health endpoints, most specific first.
var healthRank = []string{"healthz", "health", "health-check", "healthcheck", "health_check", "_healthz", "_health", "livez", "readyz", "ready", "_ready", "ping"}

func rank(p string) int {
	last := p[strings.LastIndex(p, "/")+1:]
	for i, n := range healthRank {
		if n == last {
			return i
		}
	}
	return len(healthRank)
}

type portFound struct {
	port  int
	where string
}

// scanService reads the entry sources (d.Sources), a Procfile and
// gunicorn.conf.py for the port the service listens on, telling a listen
// call or $PORT from a client's port (a Redis client's port=6379 is no
// listen call), and every source for a health route.
func scanService(d *provider.Detector, t *tree) {
	var found []portFound
	seen := map[string]bool{}
	for _, rel := range d.Sources {
		f := t.byRel[rel]
		if f == nil || seen[rel] {
			continue
		}
		seen[rel] = true
		for i, l := range f.lines {
			where := fmt.Sprintf("%s:%d", rel, i+1)
			if m := reRunPort.FindStringSubmatch(l); m != nil {
				if n := firstPort(m[1]); n > 0 {
					found = append(found, portFound{n, where + " (a listen call's port=)"})
				}
			}
			if m := reServeAddr.FindStringSubmatch(l); m != nil {
				if n, _ := strconv.Atoi(m[1]); plausible(n) {
					found = append(found, portFound{n, where + " (a server's bind address)"})
				}
			}
			if m := rePortEnvRead.FindStringSubmatch(l); m != nil {
				if d.R.PortEnv == "" {
					d.R.PortEnv = "PORT"
					d.R.Found("port_env", "PORT", "%s (the program reads $PORT)", where)
				}
				if n, _ := strconv.Atoi(m[1]); plausible(n) {
					found = append(found, portFound{n, where + " ($PORT's default)"})
				}
			}
		}
	}
	for _, f := range []string{"Procfile", "gunicorn.conf.py"} {
		b, err := d.Read(f)
		if err != nil || b == nil {
			continue
		}
		for i, l := range strings.Split(string(b), "\n") {
			where := fmt.Sprintf("%s:%d", f, i+1)
			for _, re := range []*regexp.Regexp{reBindFlag, rePortFlag, reConfBind} {
				if m := re.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
					if n, _ := strconv.Atoi(m[1]); plausible(n) {
						found = append(found, portFound{n, where})
					}
				}
			}
		}
	}
	setListenPort(d, found)
	findHealth(d, t)
}

func plausible(n int) bool { return n == 80 || n == 443 || (n >= 1024 && n <= 65535) }

func firstPort(s string) int {
	for _, m := range reFirstNum.FindAllStringSubmatch(s, -1) {
		if n, _ := strconv.Atoi(m[1]); plausible(n) {
			return n
		}
	}
	return 0
}

// setListenPort keeps the one port the listen evidence names; several are
// a choice for the user.
func setListenPort(d *provider.Detector, found []portFound) {
	if len(found) == 0 {
		return
	}
	first := map[int]string{}
	var ports []int
	for _, f := range found {
		if _, ok := first[f.port]; !ok {
			first[f.port] = f.where
			ports = append(ports, f.port)
		}
	}
	if len(ports) == 1 {
		d.R.Port, d.R.PortSource = ports[0], first[ports[0]]
		d.R.Found("port", strconv.Itoa(ports[0]), "%s", first[ports[0]])
		return
	}
	sort.Ints(ports)
	var parts []string
	for _, p := range ports {
		parts = append(parts, fmt.Sprintf("%d (%s)", p, first[p]))
	}
	d.R.Choice("port", true, "%s listen ports in the source: %s", provider.CountWord(len(ports)), strings.Join(parts, ", "))
}

// findHealth looks for a health route: a route decorator (with its
// router's and the include's prefix, FastAPI and Flask), a Django path(),
// or a path literal the code compares with.
func findHealth(d *provider.Detector, t *tree) {
	includes := map[string]bool{}
	prefix := map[string]string{} // file + "\x00" + router variable
	for _, f := range t.files {
		for _, l := range f.lines {
			for _, m := range reIncludePrefix.FindAllStringSubmatch(l, -1) {
				includes[m[1]] = true
			}
			for _, m := range reRouterPrefix.FindAllStringSubmatch(l, -1) {
				prefix[f.rel+"\x00"+m[1]] = m[2]
			}
		}
	}
	include := ""
	if len(includes) == 1 {
		for p := range includes {
			include = strings.TrimSuffix(p, "/")
		}
	}
	best, bestWhere := "", ""
	consider := func(p, where string) {
		if p == "" || !reHealthEnd.MatchString(p[strings.LastIndex(p, "/")+1:]) {
			return
		}
		if best == "" || rank(p) < rank(best) {
			best, bestWhere = p, where
		}
	}
	for _, f := range t.files {
		for i, l := range f.lines {
			where := fmt.Sprintf("%s:%d", f.rel, i+1)
			if m := reRoute.FindStringSubmatch(l); m != nil {
				p := strings.TrimSuffix(prefix[f.rel+"\x00"+m[1]], "/") + m[2]
				if include != "" && m[1] != "app" {
					// A router's route, served under the prefix it is
					// included with.
					p = include + p
				}
				consider(p, where)
				continue
			}
			if strings.HasSuffix(f.rel, "urls.py") {
				for _, m := range reDjangoPath.FindAllStringSubmatch(l, -1) {
					consider("/"+m[1], where)
				}
				continue
			}
			for _, m := range rePathLiteral.FindAllStringSubmatch(l, -1) {
				consider(m[1], where)
			}
		}
	}
	if best != "" {
		d.R.HealthPath = best
		d.R.Found("healthcheck.http_path", best, "%s", bestWhere)
	}
}
