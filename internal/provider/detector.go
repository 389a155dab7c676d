package provider

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

// Detector carries one detection: the tree, the result being filled, and the
// entry sources the language-neutral scan (ports, health endpoints) reads.
// It only reads files; it never runs anything.
type Detector struct {
	Dir string
	R   *Result
	// Sources are the files (slash paths relative to Dir) that hold the
	// program's entry.
	Sources []string
	// HealthFlag, when a provider sets it, finds a self-probe flag in a
	// source line in the language's own flag syntax ("-healthcheck" from
	// Go's flag.Bool("healthcheck", ...)); the neutral scan tries it before
	// the generic "--healthcheck" literal.
	HealthFlag func(line string) string
}

// Path joins a slash path relative to the tree to Dir.
func (d *Detector) Path(rel string) string { return filepath.Join(d.Dir, filepath.FromSlash(rel)) }

// Read returns a file's content, or nil when it does not exist.
func (d *Detector) Read(rel string) ([]byte, error) {
	b, err := os.ReadFile(d.Path(rel))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", d.Path(rel), err)
	}
	return b, nil
}

// Exists reports whether rel exists in the tree.
func (d *Detector) Exists(rel string) bool {
	_, err := os.Stat(d.Path(rel))
	return err == nil
}

// FirstLine returns the first non-empty, non-comment line of a small file.
func (d *Detector) FirstLine(rel string) (string, error) {
	b, err := d.Read(rel)
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

// SetName sets the service name from a project/module/package name,
// sanitized to slipway's name rules; the first source wins.
func (d *Detector) SetName(raw, source string) {
	if d.R.Name != "" {
		return
	}
	n := SanitizeName(raw)
	if n == "" {
		return
	}
	d.R.Name = n
	d.R.Found("name", n, "%s", source)
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

// PickOne sets *dst when exactly one candidate exists and records an
// ambiguity otherwise. what describes the candidates for the message.
func (d *Detector) PickOne(key string, dst *string, cands []string, what string) {
	switch len(cands) {
	case 0:
	case 1:
		*dst = cands[0]
	default:
		sort.Strings(cands)
		d.R.Choice(key, true, "%s %s: %s", CountWord(len(cands)), what, strings.Join(cands, ", "))
	}
}

// SkipDir says whether a walk should skip a directory: VCS data, vendored
// and generated trees, virtualenvs, build output and hidden directories.
func SkipDir(name string) bool {
	switch name {
	case "node_modules", "vendor", "testdata", "target", "build", "dist", "bin", "obj", "out",
		"venv", "__pycache__", "site-packages":
		return true
	}
	return strings.HasPrefix(name, ".") && name != "."
}

// MaxWalk bounds the number of entries a walk visits.
const MaxWalk = 20000

// FileExists reports whether p is a regular file.
func FileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// IsProbeName reports whether a program's name says it probes the service
// ("healthcheck", "health-probe", "readiness"): such a binary of a project
// with several is its HEALTHCHECK, not the service.
func IsProbeName(n string) bool {
	switch strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(n)) {
	case "healthcheck", "health", "probe", "healthprobe", "ready", "readiness", "liveness":
		return true
	}
	return false
}
