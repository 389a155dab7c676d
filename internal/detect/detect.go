// Package detect reads a service's source tree and reports what it can tell
// about it: the language, its version, the package manager, the entry point,
// the port and a health endpoint. It only reads files; it never runs
// anything. Every finding names the file it came from (Evidence), and when
// the tree allows several answers the field is left empty and the choice is
// reported (Ambiguities, Unresolved) instead of guessed.
package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Result is what a source tree says about the service. Its fields mirror
// config.Project; an empty field means "not found" (or, when the field is in
// Unresolved, "found several").
type Result struct {
	Name           string
	Language       string
	Version        string
	PackageManager string
	Main           string
	Port           int
	// HealthPath is an HTTP health endpoint seen in the main source ("/healthz").
	HealthPath string
	// HealthFlag is a command-line flag the program accepts to probe itself
	// ("-healthcheck" or "--healthcheck"), usable as an exec-form HEALTHCHECK
	// on bases without a shell.
	HealthFlag string
	// Languages lists every language whose project file was found, in the
	// order of config.Languages.
	Languages []string
	// Evidence says which file told us what, one finding a line.
	Evidence []string
	// Ambiguities are the choices the tree left open, each starting with the
	// config key it concerns ("main: three main packages: ...").
	Ambiguities []string
	// Unresolved lists the config keys left empty because of an ambiguity.
	Unresolved []string
}

// Ambiguous reports whether key was left empty because several answers fit.
func (r *Result) Ambiguous(key string) bool {
	for _, k := range r.Unresolved {
		if k == key {
			return true
		}
	}
	return false
}

func (r *Result) found(key, value, format string, args ...any) {
	r.Evidence = append(r.Evidence, fmt.Sprintf("%s = %s  from %s", key, value, fmt.Sprintf(format, args...)))
}

// ambiguous records an open choice; unresolved marks key as left empty.
func (r *Result) ambiguous(key string, unresolved bool, format string, args ...any) {
	r.Ambiguities = append(r.Ambiguities, key+": "+fmt.Sprintf(format, args...))
	if unresolved && !r.Ambiguous(key) {
		r.Unresolved = append(r.Unresolved, key)
	}
}

// marker is a project file that names a language.
type marker struct {
	lang  string
	files []string // exact names, or globs
}

var markers = []marker{
	{"go", []string{"go.mod"}},
	{"node", []string{"package.json"}},
	{"python", []string{"pyproject.toml", "requirements.txt", "setup.py", "setup.cfg", "Pipfile"}},
	{"java", []string{"pom.xml", "build.gradle", "build.gradle.kts"}},
	{"rust", []string{"Cargo.toml"}},
	{"dotnet", []string{"*.csproj"}},
}

// Detect reads dir and reports what it finds. When project files of several
// languages are present the language is left empty (see Languages and
// Ambiguities); DetectAs then reads the tree as one of them.
func Detect(dir string) (*Result, error) { return detect(dir, "") }

// DetectAs reads dir as a project of the given language, e.g. after the
// user resolved an ambiguity or passed --language.
func DetectAs(dir, language string) (*Result, error) { return detect(dir, language) }

func detect(dir, language string) (*Result, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("reading %s: not a directory", dir)
	}
	d := &detector{dir: dir, r: &Result{}}
	files := map[string][]string{}
	for _, m := range markers {
		for _, pat := range m.files {
			matches, _ := filepath.Glob(filepath.Join(dir, pat))
			for _, f := range matches {
				if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
					files[m.lang] = append(files[m.lang], filepath.Base(f))
				}
			}
		}
		if len(files[m.lang]) > 0 {
			d.r.Languages = append(d.r.Languages, m.lang)
		}
	}
	lang := language
	switch {
	case lang != "":
	case len(d.r.Languages) == 1:
		lang = d.r.Languages[0]
		d.r.found("language", lang, "%s", strings.Join(files[lang], ", "))
	case len(d.r.Languages) > 1:
		var parts []string
		for _, l := range d.r.Languages {
			parts = append(parts, fmt.Sprintf("%s (%s)", strings.Join(files[l], ", "), l))
		}
		d.r.ambiguous("language", true, "project files of several languages: %s", strings.Join(parts, ", "))
	}
	d.r.Language = lang
	switch lang {
	case "go":
		err = d.golang()
	case "node":
		err = d.node()
	case "python":
		err = d.python()
	case "java":
		err = d.java()
	case "rust":
		err = d.rust()
	case "dotnet":
		err = d.dotnet()
	}
	if err != nil {
		return nil, err
	}
	d.scanSources()
	if d.r.Name == "" {
		abs, err := filepath.Abs(dir)
		if err == nil {
			d.setName(filepath.Base(abs), "the directory name")
		}
	}
	return d.r, nil
}

// detector carries the state of one detection.
type detector struct {
	dir string
	r   *Result
	// sources are the files (relative to dir) that hold the program's entry,
	// scanned for ports and health endpoints.
	sources []string
}

func (d *detector) path(rel string) string { return filepath.Join(d.dir, filepath.FromSlash(rel)) }

// read returns a file's content, or nil when it does not exist.
func (d *detector) read(rel string) ([]byte, error) {
	b, err := os.ReadFile(d.path(rel))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", d.path(rel), err)
	}
	return b, nil
}

func (d *detector) exists(rel string) bool {
	_, err := os.Stat(d.path(rel))
	return err == nil
}

// firstLine returns the first non-empty, non-comment line of a small file.
func (d *detector) firstLine(rel string) (string, error) {
	b, err := d.read(rel)
	if err != nil || b == nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			return l, nil
		}
	}
	return "", nil
}

// setName sets the service name from a project/module/package name,
// sanitized to slipway's name rules; the first source wins.
func (d *detector) setName(raw, source string) {
	if d.r.Name != "" {
		return
	}
	n := SanitizeName(raw)
	if n == "" {
		return
	}
	d.r.Name = n
	d.r.found("name", n, "%s", source)
}

var reNameBad = regexp.MustCompile(`[^a-z0-9._-]+`)

// SanitizeName turns a module, package or directory name into a valid
// service name: lowercase letters, digits, '.', '_' and '-', starting with a
// letter or digit, at most 128 characters. It returns "" when nothing is left.
func SanitizeName(raw string) string {
	n := strings.ToLower(strings.TrimSpace(raw))
	n = reNameBad.ReplaceAllString(n, "-")
	n = strings.TrimLeft(n, "._-")
	if len(n) > 128 {
		n = n[:128]
	}
	n = strings.TrimRight(n, "._-")
	return n
}

// pickOne sets *dst when exactly one candidate exists and reports an
// ambiguity otherwise. what describes the candidates for the message.
func (d *detector) pickOne(key string, dst *string, cands []string, what string) {
	switch len(cands) {
	case 0:
	case 1:
		*dst = cands[0]
	default:
		sort.Strings(cands)
		d.r.ambiguous(key, true, "%s %s: %s", countWord(len(cands)), what, strings.Join(cands, ", "))
	}
}

func countWord(n int) string {
	words := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
	if n < len(words) {
		return words[n]
	}
	return fmt.Sprint(n)
}

// skipDir says whether a walk should skip a directory: VCS data, vendored
// and generated trees, virtualenvs, build output and hidden directories.
func skipDir(name string) bool {
	switch name {
	case "node_modules", "vendor", "testdata", "target", "build", "dist", "bin", "obj", "out",
		"venv", "__pycache__", "site-packages":
		return true
	}
	return strings.HasPrefix(name, ".") && name != "."
}

// maxWalk bounds the number of entries a walk visits.
const maxWalk = 20000
