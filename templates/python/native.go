package python

import (
	"fmt"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/tomlx"
)

// nativeDep is a requirement that PyPI ships as a source distribution only
// (or whose wheels leave out the library it links), so pip compiles it at
// install time: the Debian packages its build needs, and the shared
// libraries it links at run time (which the final base must carry).
type nativeDep struct {
	build   []string
	runtime []string
}

// compilers are what any C extension needs to build (gcc's libc headers
// are only a recommendation of the gcc package, which the build stage's
// apt-get does not install).
var compilers = []string{"gcc", "libc6-dev"}

// nativeDeps are the well-known sdist-only requirements.
var nativeDeps = map[string]nativeDep{
	"psycopg2":    {build: []string{"libpq-dev"}, runtime: []string{"libpq5"}},
	"mysqlclient": {build: []string{"pkg-config", "default-libmysqlclient-dev"}, runtime: []string{"libmariadb3"}},
	"mariadb":     {build: []string{"libmariadb-dev"}, runtime: []string{"libmariadb3"}},
	"python-ldap": {build: []string{"libldap2-dev", "libsasl2-dev"}, runtime: []string{"libldap-2.5-0", "libsasl2-2"}},
	"pycairo":     {build: []string{"pkg-config", "libcairo2-dev"}, runtime: []string{"libcairo2"}},
	"pyodbc":      {build: []string{"g++", "unixodbc-dev"}, runtime: []string{"libodbc2"}},
	"uwsgi":       {},
}

// detectNative fills NativePackages from the requirements that compile:
// the known sdist-only ones, and those a lock file lists with no wheel.
func detectNative(d *provider.Detector, ds *deps) error {
	var pkgs []string
	add := func(p ...string) {
		for _, x := range p {
			if !contains(pkgs, x) {
				pkgs = append(pkgs, x)
			}
		}
	}
	var runtime []string
	for _, n := range ds.sorted() {
		nd, ok := nativeDeps[n]
		if !ok {
			continue
		}
		add(compilers...)
		add(nd.build...)
		d.R.Note(fmt.Sprintf("native: %s (%s) is compiled at install time: the build stage gets %s", n, ds.names[n], strings.Join(append(append([]string{}, compilers...), nd.build...), " ")))
		if len(nd.runtime) > 0 {
			runtime = append(runtime, fmt.Sprintf("%s needs %s", n, strings.Join(nd.runtime, ", ")))
		}
	}
	noWheel, err := lockedWithoutWheel(d)
	if err != nil {
		return err
	}
	for _, n := range noWheel {
		add(compilers...)
		d.R.Note(fmt.Sprintf("native: %s has no wheel in the lock file (%s): pip builds it from source, so the build stage gets %s", n.name, n.lock, strings.Join(compilers, " ")))
	}
	if len(pkgs) == 0 {
		return nil
	}
	d.R.NativePackages = pkgs
	d.R.Found("build_packages", strings.Join(pkgs, " "), "requirements compiled at install time (notes above)")
	if len(runtime) > 0 {
		// The Python bases of the catalogue (distroless and Chainguard)
		// carry the interpreter's own libraries only.
		d.R.Note(fmt.Sprintf("warning: at run time %s, which the catalogue's Python bases do not carry: use the requirement's -binary wheel (psycopg2-binary bundles libpq), or a golden base that installs the libraries", strings.Join(runtime, "; ")))
	}
	return nil
}

type lockedPkg struct{ name, lock string }

// lockedWithoutWheel lists the packages of poetry.lock or uv.lock that have
// source distributions but no wheel.
func lockedWithoutWheel(d *provider.Detector) ([]lockedPkg, error) {
	var out []lockedPkg
	if b, err := d.Read("poetry.lock"); err != nil {
		return nil, err
	} else if b != nil {
		var lock struct {
			Package []struct {
				Name  string `toml:"name"`
				Files []struct {
					File string `toml:"file"`
				} `toml:"files"`
			} `toml:"package"`
		}
		if err := tomlx.DecodeForeign("poetry.lock", b, &lock); err != nil {
			d.R.Note("not parsed: " + err.Error())
		}
		for _, p := range lock.Package {
			wheel := false
			for _, f := range p.Files {
				wheel = wheel || strings.HasSuffix(f.File, ".whl")
			}
			if len(p.Files) > 0 && !wheel {
				out = append(out, lockedPkg{normName(p.Name), "poetry.lock"})
			}
		}
	}
	if b, err := d.Read("uv.lock"); err != nil {
		return nil, err
	} else if b != nil {
		var lock struct {
			Package []struct {
				Name   string           `toml:"name"`
				Sdist  map[string]any   `toml:"sdist"`
				Wheels []map[string]any `toml:"wheels"`
			} `toml:"package"`
		}
		if err := tomlx.DecodeForeign("uv.lock", b, &lock); err != nil {
			d.R.Note("not parsed: " + err.Error())
		}
		for _, p := range lock.Package {
			if p.Sdist != nil && len(p.Wheels) == 0 {
				out = append(out, lockedPkg{normName(p.Name), "uv.lock"})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
