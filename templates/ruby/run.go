package ruby

import (
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

var (
	// A program that reads its port from the environment: ENV["PORT"],
	// ENV.fetch("PORT", ...), ENV.fetch('PORT') { ... }.
	rePortEnv = regexp.MustCompile(`ENV(?:\[\s*|\.fetch\(\s*)["']((?:[A-Z_][A-Z0-9_]*)?PORT)["']`)
	// A file that requires a framework: require "sinatra".
	reRequireSinatra = regexp.MustCompile(`(?m)^\s*require\s*\(?\s*["']sinatra(?:/base)?["']`)
	// Rails 7.1's health route: get "up" => "rails/health#show".
	reRailsHealth = regexp.MustCompile(`["']rails/health#show["']`)
)

// Default ports of the servers, when their configuration names none.
const (
	pumaPort    = 9292
	sinatraPort = 4567
)

// detectRun finds the framework and how the service starts:
//   - a Rails app (bin/rails, rails in the lock) runs under puma with
//     RAILS_ENV=production, with config/puma.rb when it has one;
//   - a Rack app (config.ru) runs under puma (which reads $PORT), and one
//     with no server gem is an open choice: add puma;
//   - anything else runs `ruby -rbundler/setup <main>`, main being the one
//     of app.rb, main.rb, server.rb, config/boot.rb... at the root, or the
//     one root file that requires sinatra (APP_ENV=production, so Sinatra
//     binds every address).
//
// It appends the entry sources (the main file, config.ru, config/puma.rb,
// config/routes.rb) for the neutral port and health scan.
func detectRun(d *provider.Detector, lock lockfile) error {
	_, puma := lock.gems["puma"]
	_, rails := lock.gems["railties"]
	_, sinatra := lock.gems["sinatra"]
	if sinatra {
		d.R.Framework = "sinatra"
	}
	hasPumaConfig := d.Exists("config/puma.rb")
	switch {
	case rails || d.Exists("bin/rails"):
		d.R.Framework = "rails"
		d.R.Found("framework", "rails", "%s", firstOf(d, "bin/rails", "Gemfile.lock railties"))
		d.R.Env = map[string]string{"RAILS_ENV": "production", "RAILS_LOG_TO_STDOUT": "1"}
		d.R.Found("env", "RAILS_ENV=production RAILS_LOG_TO_STDOUT=1", "a Rails app")
		if !puma {
			d.R.Choice("main", true, "a Rails app with no puma in Gemfile.lock: add `gem \"puma\"` (Rails' default server), or set entrypoint")
			return nil
		}
		pumaRun(d, hasPumaConfig, 3000, "rails server's default port")
		if b, err := d.Read("config/routes.rb"); err != nil {
			return err
		} else if reRailsHealth.Match(b) {
			d.R.HealthPath = "/up"
			d.R.Found("healthcheck.http_path", "/up", "config/routes.rb (rails/health#show)")
		}
		d.Sources = append(d.Sources, "config/routes.rb")
		return nil
	case d.Exists("config.ru"):
		if d.R.Framework == "" {
			d.R.Framework = "rack"
		}
		d.R.Found("framework", d.R.Framework, "config.ru")
		if !puma {
			d.R.Choice("main", true, "a Rack app (config.ru) with no server in Gemfile.lock: add `gem \"puma\"`, or set entrypoint")
			return nil
		}
		pumaRun(d, hasPumaConfig, pumaPort, "puma's default port")
		d.Sources = append(d.Sources, "config.ru")
		return nil
	}

	var cands []string
	for _, f := range []string{"app.rb", "main.rb", "server.rb", "web.rb"} {
		if d.Exists(f) {
			cands = append(cands, f)
		}
	}
	from := "the root's conventional entry file"
	if sinatra && len(cands) != 1 {
		cands, from = sinatraFiles(d), "the root file that requires sinatra"
	}
	d.PickOne("main", &d.R.Main, cands, "possible entry files")
	if d.R.Main == "" {
		return nil
	}
	d.R.Found("main", d.R.Main, "%s", from)
	d.Sources = append(d.Sources, d.R.Main)
	if sinatra {
		d.R.Env = map[string]string{"APP_ENV": "production"}
		d.R.Found("env", "APP_ENV=production", "a Sinatra app (it binds every address in production)")
		d.R.Port, d.R.PortSource = sinatraPort, "Sinatra's default port"
	}
	return portEnv(d)
}

// pumaRun records `bundle exec puma`, with the app's config/puma.rb when it
// has one (its port is then the scan's), else on puma's own defaults: it
// binds every address on $PORT.
func pumaRun(d *provider.Detector, config bool, port int, portWhy string) {
	d.R.Entrypoint = []string{"bundle", "exec", "puma"}
	if config {
		d.R.Cmd = []string{"--config", "config/puma.rb"}
		d.R.Found("entrypoint", `["bundle", "exec", "puma", "--config", "config/puma.rb"]`, "puma in Gemfile.lock and config/puma.rb")
		d.Sources = append(d.Sources, "config/puma.rb")
		_ = portEnv(d)
		return
	}
	d.R.Found("entrypoint", `["bundle", "exec", "puma"]`, "puma in Gemfile.lock (it binds 0.0.0.0 on $PORT)")
	d.R.Port, d.R.PortSource = port, portWhy
	d.R.PortEnv = "PORT"
	d.R.Found("port_env", "PORT", "puma reads its port from $PORT")
}

// portEnv sets port_env when an entry source reads its port from the
// environment.
func portEnv(d *provider.Detector) error {
	for _, rel := range d.Sources {
		b, err := d.Read(rel)
		if err != nil {
			return err
		}
		if m := rePortEnv.FindSubmatch(b); m != nil {
			d.R.PortEnv = string(m[1])
			d.R.Found("port_env", d.R.PortEnv, "%s", rel)
			return nil
		}
	}
	return nil
}

// sinatraFiles are the root's .rb files that require sinatra.
func sinatraFiles(d *provider.Detector) []string {
	entries, err := os.ReadDir(d.Dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".rb") {
			continue
		}
		if b, _ := d.Read(e.Name()); reRequireSinatra.Match(b) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// firstOf returns the first of the files that exists, or else the last
// argument (a description).
func firstOf(d *provider.Detector, files ...string) string {
	for _, f := range files[:len(files)-1] {
		if d.Exists(f) {
			return f
		}
	}
	return files[len(files)-1]
}
