package ruby

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

// lockfile is what Detect reads of a Gemfile.lock: every gem of its specs
// (name -> version), the remotes of its GEM sections, and its RUBY VERSION.
type lockfile struct {
	gems    map[string]string
	remotes []string
	ruby    string
}

var (
	// A spec line of a GEM section: four spaces, name, (version).
	reLockSpec = regexp.MustCompile(`^    ([A-Za-z0-9][A-Za-z0-9._-]*) \(([^)]+)\)$`)
	reLockRuby = regexp.MustCompile(`^\s+ruby ([0-9]+\.[0-9]+)`)
	// The Gemfile's ruby directive: ruby "3.3.0", ruby '~> 3.2'.
	reGemfileRuby = regexp.MustCompile(`(?m)^\s*ruby\s*\(?\s*["'][~><=\s]*([0-9]+\.[0-9]+)`)
	// .ruby-version: 3.3.0, ruby-3.3.0.
	reRubyVersion = regexp.MustCompile(`^(?:ruby-)?([0-9]+\.[0-9]+)`)
)

// parseLock reads the parts of a Gemfile.lock that detection needs; it
// never fails (an odd line is skipped).
func parseLock(src string) lockfile {
	l := lockfile{gems: map[string]string{}}
	section := ""
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, "\r")
		if line != "" && line[0] != ' ' {
			section = strings.TrimSpace(line)
			continue
		}
		switch section {
		case "GEM":
			if r, ok := strings.CutPrefix(strings.TrimSpace(line), "remote: "); ok {
				l.remotes = append(l.remotes, strings.TrimSpace(r))
			} else if m := reLockSpec.FindStringSubmatch(line); m != nil {
				l.gems[m[1]] = m[2]
			}
		case "RUBY VERSION":
			if m := reLockRuby.FindStringSubmatch(line); m != nil {
				l.ruby = m[1]
			}
		}
	}
	return l
}

// Detect reads the tree as a project of this language (provider.Provider):
// the version (.ruby-version, the Gemfile's ruby directive, the lock file's
// RUBY VERSION), the gems of Gemfile.lock (which it requires: deployment
// mode installs exactly the lock), the private gem servers' credentials
// (secrets.go), then the framework and how the service starts (run.go).
func (Provider) Detect(d *provider.Detector) error {
	gemfile, err := d.Read("Gemfile")
	if err != nil {
		return err
	}
	lockSrc, err := d.Read("Gemfile.lock")
	if err != nil {
		return err
	}
	switch {
	case gemfile == nil:
		d.R.Refuse("Gemfile", "a Ruby service needs a Gemfile and its Gemfile.lock: run `bundle init`, then `bundle lock`")
	case lockSrc == nil:
		d.R.Refuse("Gemfile.lock", "missing: Bundler's deployment mode installs exactly the lock file; run `bundle lock` and commit Gemfile.lock")
	default:
		d.R.Note("bundler installs Gemfile.lock (Ruby's only package manager)")
	}
	lock := parseLock(string(lockSrc))

	l, err := d.FirstLine(".ruby-version")
	if err != nil {
		return err
	}
	if m := reRubyVersion.FindStringSubmatch(l); m != nil {
		d.R.Version = m[1]
		d.R.Found("version", m[1], ".ruby-version (%s)", l)
	} else if m := reGemfileRuby.FindStringSubmatch(string(gemfile)); m != nil {
		d.R.Version = m[1]
		d.R.Found("version", m[1], "Gemfile ruby directive")
	} else if lock.ruby != "" {
		d.R.Version = lock.ruby
		d.R.Found("version", lock.ruby, "Gemfile.lock RUBY VERSION")
	}

	detectSecrets(d, string(gemfile), lock)
	detectNative(d, lock)
	return detectRun(d, lock)
}

// nativeGems are well-known gems that compile a C extension against a
// system library at install time: the Debian packages their build needs
// besides a compiler. Their runtime libraries are not in the slim base.
var nativeGems = map[string][]string{
	"pg":               {"libpq-dev"},
	"mysql2":           {"default-libmysqlclient-dev"},
	"sqlite3":          {}, // ships precompiled gems for x86_64-linux; source builds need only a compiler
	"nokogiri":         {},
	"bcrypt":           {},
	"puma":             {},
	"nio4r":            {},
	"ffi":              {"libffi-dev"},
	"psych":            {"libyaml-dev"},
	"json":             {},
	"racc":             {},
	"msgpack":          {},
	"bootsnap":         {},
	"websocket-driver": {},
	"date":             {},
	"io-console":       {},
	"stringio":         {},
	"strscan":          {},
	"bigdecimal":       {},
}

// compilers are what any gem's C extension needs (make runs extconf's
// Makefile).
var compilers = []string{"gcc", "make", "libc6-dev"}

// detectNative fills NativePackages from the lock file's gems with a C
// extension, unless the lock lists a precompiled platform variant of them
// (nokogiri (1.16.0-x86_64-linux)).
func detectNative(d *provider.Detector, lock lockfile) {
	var names []string
	var pkgs []string
	seen := map[string]bool{}
	for name, ver := range lock.gems {
		extra, ok := nativeGems[name]
		if !ok || strings.Contains(ver, "-x86_64-linux") || strings.Contains(ver, "-aarch64-linux") {
			continue
		}
		names = append(names, name)
		for _, p := range extra {
			if !seen[p] {
				seen[p] = true
				pkgs = append(pkgs, p)
			}
		}
	}
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	sort.Strings(pkgs)
	d.R.NativePackages = append(append([]string(nil), compilers...), pkgs...)
	d.R.Found("build_packages", strings.Join(d.R.NativePackages, " "), "Gemfile.lock: %s compile a C extension at install time", strings.Join(names, ", "))
	for _, n := range names {
		if n == "pg" || n == "mysql2" {
			d.R.Note(fmt.Sprintf("warning: at run time %s needs its client library (libpq5, libmariadb3), which the slim base lacks", n))
		}
	}
}
