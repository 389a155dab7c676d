package ruby_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/provider/providertest"
	"github.com/slipway/slipway/internal/testkit"
	"github.com/slipway/slipway/templates/ruby"
)

// lock is a Gemfile.lock listing gems (name and version) from rubygems.org.
func lock(gems ...string) string {
	var b strings.Builder
	b.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
	for i := 0; i+1 < len(gems); i += 2 {
		b.WriteString("    " + gems[i] + " (" + gems[i+1] + ")\n")
	}
	b.WriteString("\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n")
	for i := 0; i+1 < len(gems); i += 2 {
		b.WriteString("  " + gems[i] + "\n")
	}
	return b.String()
}

func evidence(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// TestExample is detection of examples/ruby, which the e2e test builds:
// what init --yes writes for it comes from these values.
func TestExample(t *testing.T) {
	r, err := detect.Detect("../../examples/ruby")
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != "ruby" || r.Main != "app.rb" || r.Port != 8080 || r.PortEnv != "PORT" || r.HealthPath != "/healthz" || r.HealthFlag != "--healthcheck" {
		t.Errorf("language %q main %q port %d port_env %q health %q flag %q, want ruby app.rb 8080 PORT /healthz --healthcheck\nevidence %q",
			r.Language, r.Main, r.Port, r.PortEnv, r.HealthPath, r.HealthFlag, r.Evidence)
	}
	if len(r.Ambiguities) > 0 || len(r.Refusals) > 0 || len(r.BuildSecrets) > 0 || len(r.NativePackages) > 0 || len(r.Entrypoint) > 0 {
		t.Errorf("ambiguities %q refusals %q secrets %v native %q entrypoint %q, want none", r.Ambiguities, r.Refusals, r.BuildSecrets, r.NativePackages, r.Entrypoint)
	}
}

// TestFrameworks: how a Rack, Puma, Rails or Sinatra service starts, on
// which port, with which environment and health endpoint.
func TestFrameworks(t *testing.T) {
	pumaConfig := "max_threads_count = ENV.fetch(\"RAILS_MAX_THREADS\") { 5 }\nport ENV.fetch(\"PORT\") { 3000 }\n"
	for name, c := range map[string]struct {
		files           map[string]string
		framework, main string
		entrypoint, cmd []string
		port            int
		portEnv, health string
		env             map[string]string
	}{
		"rack on puma": {map[string]string{"Gemfile": "source \"https://rubygems.org\"\ngem \"rack\"\ngem \"puma\"\n", "Gemfile.lock": lock("rack", "3.0.8", "puma", "6.4.0", "nio4r", "2.7.0"), "config.ru": "run ->(env) { [200, {}, [\"ok\"]] }\n"},
			"rack", "", []string{"bundle", "exec", "puma"}, nil, 9292, "PORT", "", nil},
		"sinatra rack app with a puma config": {map[string]string{"Gemfile": "source \"https://rubygems.org\"\ngem \"sinatra\"\ngem \"puma\"\n", "Gemfile.lock": lock("sinatra", "4.0.0", "puma", "6.4.0"), "config.ru": "require \"./app\"\nrun App\n", "config/puma.rb": pumaConfig, "app.rb": "get \"/health\" do\n  \"ok\"\nend\n"},
			"sinatra", "", []string{"bundle", "exec", "puma"}, []string{"--config", "config/puma.rb"}, 3000, "PORT", "", nil},
		"rails": {map[string]string{"Gemfile": "source \"https://rubygems.org\"\ngem \"rails\", \"~> 7.1\"\n", "Gemfile.lock": lock("rails", "7.1.3", "railties", "7.1.3", "puma", "6.4.0"), "bin/rails": "#!/usr/bin/env ruby\n", "config/puma.rb": pumaConfig, "config/routes.rb": "Rails.application.routes.draw do\n  get \"up\" => \"rails/health#show\", as: :rails_health_check\nend\n"},
			"rails", "", []string{"bundle", "exec", "puma"}, []string{"--config", "config/puma.rb"}, 3000, "PORT", "/up", map[string]string{"RAILS_ENV": "production", "RAILS_LOG_TO_STDOUT": "1"}},
		"classic sinatra": {map[string]string{"Gemfile": "source \"https://rubygems.org\"\ngem \"sinatra\"\n", "Gemfile.lock": lock("sinatra", "4.0.0"), "hello.rb": "require 'sinatra'\nget('/healthz') { 'ok' }\n"},
			"sinatra", "hello.rb", nil, nil, 4567, "", "/healthz", map[string]string{"APP_ENV": "production"}},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := detect.Detect(testkit.WriteTree(t, c.files))
			if err != nil {
				t.Fatal(err)
			}
			if r.Language != "ruby" || r.Framework != c.framework || r.Main != c.main || !slices.Equal(r.Entrypoint, c.entrypoint) || !slices.Equal(r.Cmd, c.cmd) {
				t.Errorf("language %q framework %q main %q entrypoint %q cmd %q, want ruby %q %q %q %q", r.Language, r.Framework, r.Main, r.Entrypoint, r.Cmd, c.framework, c.main, c.entrypoint, c.cmd)
			}
			if r.Port != c.port || r.PortEnv != c.portEnv || r.HealthPath != c.health {
				t.Errorf("port %d port_env %q health %q, want %d %q %q\nevidence %q", r.Port, r.PortEnv, r.HealthPath, c.port, c.portEnv, c.health, r.Evidence)
			}
			if len(r.Env) != len(c.env) {
				t.Errorf("env %v, want %v", r.Env, c.env)
			}
			for k, v := range c.env {
				if r.Env[k] != v {
					t.Errorf("env %s = %q, want %q", k, r.Env[k], v)
				}
			}
			if len(r.Ambiguities) > 0 || len(r.Refusals) > 0 {
				t.Errorf("ambiguities %q refusals %q", r.Ambiguities, r.Refusals)
			}
		})
	}
}

// TestRefusalsAndChoices: what the tree lacks is a refusal (no lock file)
// or an open choice on main (no server for a Rack or Rails app, two entry
// files), never a guess.
func TestRefusalsAndChoices(t *testing.T) {
	r, err := detect.Detect(testkit.WriteTree(t, map[string]string{"Gemfile": "source \"https://rubygems.org\"\n", "app.rb": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Refusals) != 1 || !strings.HasPrefix(r.Refusals[0], "Gemfile.lock: ") || !strings.Contains(r.Refusals[0], "bundle lock") {
		t.Errorf("refusals %q, want one on Gemfile.lock naming bundle lock", r.Refusals)
	}
	for name, files := range map[string]map[string]string{
		"rack without a server":  {"Gemfile": "gem 'rack'\n", "Gemfile.lock": lock("rack", "3.0.8"), "config.ru": ""},
		"rails without puma":     {"Gemfile": "gem 'rails'\n", "Gemfile.lock": lock("railties", "7.1.3"), "bin/rails": ""},
		"two conventional files": {"Gemfile": "", "Gemfile.lock": lock(), "app.rb": "", "server.rb": ""},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := detect.Detect(testkit.WriteTree(t, files))
			if err != nil {
				t.Fatal(err)
			}
			if !r.Ambiguous("main") || r.Main != "" || len(r.Entrypoint) > 0 {
				t.Errorf("main %q entrypoint %q ambiguities %q, want an open choice on main", r.Main, r.Entrypoint, r.Ambiguities)
			}
		})
	}
}

// TestVersion: .ruby-version wins over the Gemfile's ruby directive, which
// wins over the lock file's RUBY VERSION.
func TestVersion(t *testing.T) {
	for name, c := range map[string]struct {
		files map[string]string
		want  string
	}{
		".ruby-version":  {map[string]string{".ruby-version": "ruby-3.2.2\n", "Gemfile": "ruby \"3.3.0\"\n", "Gemfile.lock": lock()}, "3.2"},
		"Gemfile ruby":   {map[string]string{"Gemfile": "source \"https://rubygems.org\"\nruby '~> 3.3'\n", "Gemfile.lock": lock()}, "3.3"},
		"lock file ruby": {map[string]string{"Gemfile": "", "Gemfile.lock": lock() + "\nRUBY VERSION\n   ruby 3.4.1p0\n"}, "3.4"},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := detect.Detect(testkit.WriteTree(t, c.files))
			if err != nil {
				t.Fatal(err)
			}
			if r.Version != c.want || !evidence(r.Evidence, "version = "+c.want) {
				t.Errorf("version %q, want %q (evidence %q)", r.Version, c.want, r.Evidence)
			}
		})
	}
}

// TestSecrets: every private gem server of the Gemfile and the lock file
// becomes a build secret Bundler reads (BUNDLE_<HOST>), a source reading an
// environment variable that variable; rubygems.org none; a credential in a
// URL is warned about and never printed.
func TestSecrets(t *testing.T) {
	const password = "hunter2-not-printed"
	r, err := detect.Detect(testkit.WriteTree(t, map[string]string{
		"Gemfile": "source \"https://rubygems.org\"\n" +
			"source \"https://gems.my-corp.example.com\" do\n  gem \"corp-auth\"\nend\n" +
			"gem \"billing\", source: \"https://ci:" + password + "@pkgs.example.org/ruby\"\n" +
			"source \"https://#{ENV['GEMFURY_TOKEN']}@gem.fury.io/acme/\"\n",
		"Gemfile.lock": "GEM\n  remote: https://rubygems.org/\n  specs:\n\nGEM\n  remote: https://rubygems.pkg.github.com/acme/\n  specs:\n\nDEPENDENCIES\n",
		"app.rb":       "",
	}))
	if err != nil {
		t.Fatal(err)
	}
	envs := providertest.SecretEnvs(t, r)
	want := []string{"BUNDLE_GEMS__MY___CORP__EXAMPLE__COM", "BUNDLE_PKGS__EXAMPLE__ORG", "GEMFURY_TOKEN", "BUNDLE_RUBYGEMS__PKG__GITHUB__COM"}
	if !slices.Equal(envs, want) {
		t.Errorf("secrets %q, want %q", envs, want)
	}
	all := providertest.Said(t, r, password)
	if !strings.Contains(all, "warning: Gemfile:5: the gem source URL carries credentials") {
		t.Errorf("no warning about the password in the Gemfile:\n%s", all)
	}
}

// TestNative: gems with C extensions add the compilers (and their
// libraries' headers) to the build stage; a precompiled platform gem does
// not.
func TestNative(t *testing.T) {
	r, err := detect.Detect(testkit.WriteTree(t, map[string]string{"Gemfile": "", "app.rb": "",
		"Gemfile.lock": lock("pg", "1.5.4", "nokogiri", "1.16.0-x86_64-linux", "rack", "3.0.8")}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"gcc", "make", "libc6-dev", "libpq-dev"}; !slices.Equal(r.NativePackages, want) {
		t.Errorf("native packages %q, want %q", r.NativePackages, want)
	}
	if !evidence(r.Evidence, "warning: at run time pg needs") {
		t.Errorf("no warning that the base lacks libpq: %q", r.Evidence)
	}
}

// TestHTTPProbe: the runtime probe is one exec-form command of the base's
// ruby, with the URL as a Ruby string literal.
func TestHTTPProbe(t *testing.T) {
	var p provider.Prober = ruby.Provider{}
	cmd := p.HTTPProbe("/usr/local/bin/ruby", "http://127.0.0.1:8080/healthz")
	if len(cmd) != 4 || cmd[0] != "/usr/local/bin/ruby" || cmd[1] != "-rnet/http" || cmd[2] != "-e" || !strings.Contains(cmd[3], `URI("http://127.0.0.1:8080/healthz")`) {
		t.Errorf("probe %q", cmd)
	}
}
