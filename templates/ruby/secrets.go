package ruby

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

var (
	// A source of the Gemfile: source "https://gems.example.com" (also
	// with a block, or as a source: option of a gem).
	reGemfileSource = regexp.MustCompile(`(?m)^\s*(?:source\s*\(?\s*|gem\s.*\bsource:\s*)["']([^"']+)["']`)
	// An environment variable a Gemfile line reads: ENV["X"], ENV['X'],
	// ENV.fetch("X").
	reEnvRead = regexp.MustCompile(`ENV(?:\[\s*|\.fetch\(\s*)["']([A-Z_][A-Z0-9_]*)["']`)
)

// publicSources are gem servers that need no credentials.
var publicSources = map[string]bool{"rubygems.org": true, "www.rubygems.org": true, "index.rubygems.org": true}

// detectSecrets declares a build secret for every private gem server the
// Gemfile or Gemfile.lock names: Bundler reads a server's credentials from
// BUNDLE_<HOST> (dots as "__", dashes as "___", upper case), which the
// install step gets as a secret env; a source whose URL interpolates an
// environment variable gets that variable instead. Credentials written in
// a URL are named in a warning (never printed): they would be in the
// context and the lock file.
func detectSecrets(d *provider.Detector, gemfile string, lock lockfile) {
	seen := map[string]bool{}
	add := func(env, from string) {
		if seen[env] {
			return
		}
		seen[env] = true
		d.R.BuildSecrets = append(d.R.BuildSecrets, provider.Secret{ID: strings.ToLower(env), Env: env})
		d.R.Found("secret", strings.ToLower(env)+" (env "+env+")", "%s", from)
	}
	where := map[string]string{}
	source := func(s, from string) {
		if _, ok := where[s]; ok {
			return
		}
		where[s] = from
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return
		}
		host := strings.ToLower(u.Hostname())
		if publicSources[host] {
			return
		}
		if u.User != nil {
			d.R.Note(fmt.Sprintf("warning: %s: the gem source URL carries credentials; remove them and give them as the build secret below", from))
		}
		add(bundleEnv(host), fmt.Sprintf("%s (a private gem server: Bundler reads its credentials from this variable)", from))
	}
	for i, line := range strings.Split(gemfile, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if m := reEnvRead.FindStringSubmatch(line); m != nil && strings.Contains(line, "source") {
			add(m[1], fmt.Sprintf("Gemfile:%d (a gem source reads $%s)", i+1, m[1]))
			continue
		}
		if m := reGemfileSource.FindStringSubmatch(line); m != nil {
			source(m[1], fmt.Sprintf("Gemfile:%d", i+1))
		}
	}
	for _, r := range lock.remotes {
		source(r, "Gemfile.lock GEM remote")
	}
}

// bundleEnv is the variable from which Bundler reads a host's credentials.
func bundleEnv(host string) string {
	h := strings.ToUpper(host)
	h = strings.ReplaceAll(h, "-", "___")
	h = strings.ReplaceAll(h, ".", "__")
	return "BUNDLE_" + h
}
