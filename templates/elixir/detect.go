package elixir

import (
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

// mix.exs is Elixir code, not data: detection reads the few forms that
// `mix new` and `mix phx.new` write (app: :name, releases: [name: [...]],
// {:dep, "~> x"} tuples), as the hex and Phoenix tooling documents them.
var (
	reApp         = regexp.MustCompile(`\bapp:\s*:([a-z_][A-Za-z0-9_]*)`)
	reElixirReq   = regexp.MustCompile(`\belixir:\s*"([^"]+)"`)
	reReleases    = regexp.MustCompile(`\breleases:\s*\[`)
	reReleaseKey  = regexp.MustCompile(`^\s*([a-z_][A-Za-z0-9_]*):\s*\[`)
	reIncludeERTS = regexp.MustCompile(`\binclude_erts:\s*false\b`)
	reUmbrella    = regexp.MustCompile(`\bapps_path:\s*"`)
	reDep         = regexp.MustCompile(`\{\s*:([a-z_][A-Za-z0-9_]*)\s*,`)
	reLockDep     = regexp.MustCompile(`(?m)^\s*"([a-z_][A-Za-z0-9_]*)":\s*\{:hex,`)
	reOrg         = regexp.MustCompile(`\b(?:organization|repo):\s*"([^"]+)"`)
	reLockOrg     = regexp.MustCompile(`"hexpm:([A-Za-z0-9_.-]+)"`)
	rePortEnv     = regexp.MustCompile(`System\.(?:get_env|fetch_env!?)\(\s*"((?:[A-Z_][A-Z0-9_]*)?PORT)"`)
)

// frameworks are the web stacks told apart by their dependency, the most
// specific first: Phoenix brings Plug and Bandit or Cowboy along.
var frameworks = []string{"phoenix", "bandit", "plug_cowboy", "cowboy", "plug"}

// maxSources bounds the .ex files under lib/ read for ports and health paths.
const maxSources = 200

// Detect reads the tree as a project of this language (provider.Provider).
func (Provider) Detect(d *provider.Detector) error {
	src, err := d.Read("mix.exs")
	if err != nil {
		return err
	}
	mix := stripComments(string(src))
	lock, err := d.Read("mix.lock")
	if err != nil {
		return err
	}

	app := ""
	if m := reApp.FindStringSubmatch(mix); m != nil {
		app = m[1]
		d.SetName(app, "mix.exs app: :"+app)
	}
	if reUmbrella.MatchString(mix) && !reReleases.MatchString(mix) {
		d.R.Choice("main", true, "mix.exs is an umbrella project (apps_path:) without releases:; declare the release in its mix.exs or run init in the app that builds the service")
	}
	switch rels := releaseNames(mix); {
	case len(rels) > 0:
		d.PickOne("main", &d.R.Main, rels, "releases in mix.exs")
		if d.R.Main != "" {
			d.R.Found("main", d.R.Main, "mix.exs releases: %s", d.R.Main)
		}
	case app != "":
		d.R.Main = app
		d.R.Found("main", app, "mix.exs app: :%s (the default release is named after the app)", app)
	}
	if reIncludeERTS.MatchString(mix) {
		d.R.Refuse("mix.exs", "a release sets include_erts: false; the final stage has no Erlang, so the release must carry its ERTS (remove the option)")
	}

	if err := version(d, mix); err != nil {
		return err
	}
	deps := map[string]bool{}
	for _, m := range reDep.FindAllStringSubmatch(mix, -1) {
		deps[m[1]] = true
	}
	for _, m := range reLockDep.FindAllStringSubmatch(string(lock), -1) {
		deps[m[1]] = true
	}
	for _, f := range frameworks {
		if deps[f] {
			d.R.Framework = f
			d.R.Found("framework", f, "the :%s dependency in mix.exs or mix.lock", f)
			break
		}
	}
	if d.R.Framework == "phoenix" && d.Exists("assets") {
		d.R.Note("assets: assets/ exists; the build runs mix assets.deploy when mix.exs defines that alias")
	}
	if len(deps) > 0 && lock == nil {
		d.R.Note("mix.lock: missing; mix deps.get resolves the dependencies afresh on every build (commit mix.lock)")
	}
	hexSecret(d, mix, string(lock))
	return sources(d)
}

// version sets the build image from asdf's .tool-versions when it names both
// an Elixir and an Erlang version (hexpm/elixir's <elixir>-erlang-<otp>
// tags); mix.exs's elixir: requirement is only noted.
func version(d *provider.Detector, mix string) error {
	b, err := d.Read(".tool-versions")
	if err != nil {
		return err
	}
	var ex, otp string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "elixir":
			ex, _, _ = strings.Cut(f[1], "-otp-") // asdf's 1.17.2-otp-27
		case "erlang":
			otp = f[1]
		}
	}
	if ex != "" && otp != "" && provider.MajorMinor(ex) != "" && provider.MajorMinor(otp+".0") != "" {
		d.R.Version = ex + "-erlang-" + otp
		d.R.Found("version", d.R.Version, ".tool-versions (elixir %s, erlang %s)", ex, otp)
		return nil
	}
	if m := reElixirReq.FindStringSubmatch(mix); m != nil {
		d.R.Note("version: mix.exs requires elixir " + m[1] + "; the template's default build image applies unless .tool-versions names elixir and erlang")
	}
	return nil
}

// hexSecret declares HEX_API_KEY, as a secret the build reads from its
// environment, when the dependencies come from a private Hex organization
// or repository, or mix.exs itself reads the key (a hex.organization auth
// alias).
func hexSecret(d *provider.Detector, mix, lock string) {
	why := ""
	switch {
	case reOrg.MatchString(mix):
		why = "mix.exs: a dependency from organization/repo " + reOrg.FindStringSubmatch(mix)[1]
	case reLockOrg.MatchString(lock):
		why = "mix.lock: a package of hexpm:" + reLockOrg.FindStringSubmatch(lock)[1]
	case strings.Contains(mix, "HEX_API_KEY"):
		why = "mix.exs reads HEX_API_KEY"
	}
	if why == "" {
		return
	}
	d.R.BuildSecrets = append(d.R.BuildSecrets, provider.Secret{ID: "hex_api_key", Env: "HEX_API_KEY"})
	d.R.Found("secret", "hex_api_key (env HEX_API_KEY)", "%s", why)
}

// sources lists the files the neutral scan reads for the port and health
// endpoints: the runtime configuration and the code under lib/; it sets
// port_env when they read the port from the environment.
func sources(d *provider.Detector) error {
	for _, f := range []string{"config/runtime.exs", "config/prod.exs", "config/config.exs"} {
		if d.Exists(f) {
			d.Sources = append(d.Sources, f)
		}
	}
	var lib []string
	root := d.Path("lib")
	if d.Exists("lib") {
		n := 0
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if n++; n > provider.MaxWalk || len(lib) >= maxSources {
				return filepath.SkipAll
			}
			if e.IsDir() && p != root && provider.SkipDir(e.Name()) {
				return filepath.SkipDir
			}
			if !e.IsDir() && strings.HasSuffix(p, ".ex") {
				rel, _ := filepath.Rel(d.Dir, p)
				lib = append(lib, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	sort.Strings(lib)
	d.Sources = append(d.Sources, lib...)
	for _, rel := range d.Sources {
		b, err := d.Read(rel)
		if err != nil {
			return err
		}
		for i, l := range strings.Split(string(b), "\n") {
			if m := rePortEnv.FindStringSubmatch(l); m != nil && d.R.PortEnv == "" {
				d.R.PortEnv = m[1]
				d.R.Found("port_env", m[1], "%s:%d", rel, i+1)
			}
		}
	}
	return nil
}

// releaseNames returns the keys of mix.exs's releases: keyword list, those
// at its top level only.
func releaseNames(mix string) []string {
	loc := reReleases.FindStringIndex(mix)
	if loc == nil {
		return nil
	}
	var names []string
	depth, start := 1, loc[1]
	for i := loc[1]; i < len(mix) && depth > 0; i++ {
		switch mix[i] {
		case '[', '{', '(':
			if depth == 1 && mix[i] == '[' {
				if m := reReleaseKey.FindStringSubmatch(mix[start : i+1]); m != nil {
					names = append(names, m[1])
				}
			}
			depth++
		case ']', '}', ')':
			depth--
		case ',':
			if depth == 1 {
				start = i + 1
			}
		}
	}
	return names
}

// stripComments drops # comments outside strings, line by line.
func stripComments(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		in := false
		for j := 0; j < len(l); j++ {
			switch {
			case l[j] == '\\' && in:
				j++
			case l[j] == '"':
				in = !in
			case l[j] == '#' && !in:
				l = l[:j]
			}
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}
