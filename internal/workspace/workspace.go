// Package workspace is a monorepo as slipway sees it: a root folder with a
// slipway-workspace.toml that lists the services below it. `slipway init
// --all` finds the services (Discover) and writes the list; build, generate,
// verify and lint read it with --all, run once per service (Run), and
// print one summary. Each service has a stable key (Key) made of the
// repository's identity, its path relative to the root, the build target
// and the platforms: never an absolute path, so two checkouts of one
// repository in different folders, or on different CI runners, give every
// service the same key, and a builder pool (Picker) sends it to the same
// daemon each time.
package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/slipway/slipway/internal/atomicfile"
	"github.com/slipway/slipway/internal/tomlx"
)

// FileName is the workspace file at a repository's root.
const FileName = "slipway-workspace.toml"

// DefaultImageDir is where `build --all` writes each service's OCI tarball
// and `verify --all` reads it, relative to the root.
const DefaultImageDir = ".slipway/images"

// File is slipway-workspace.toml.
type File struct {
	// Repository names the repository in build keys (e.g.
	// "github.com/acme/shop"). Default: the git remote "origin", else the
	// repository's first commit, else the root folder's name.
	Repository string `toml:"repository,omitempty" want:"a string like \"github.com/acme/shop\""`
	// ImageDir is where build --all writes images, relative to the root.
	ImageDir string    `toml:"image_dir,omitempty" want:"a relative path like \".slipway/images\""`
	Services []Service `toml:"service"`
}

// Service is one [[service]] of the workspace file.
type Service struct {
	// Name is the service's name: unique in the workspace; the image file
	// is <image_dir>/<name>.tar.
	Name string `toml:"name"`
	// Path is the service's folder (the one holding slipway.toml), relative
	// to the root, with forward slashes.
	Path string `toml:"path" want:"a relative path like \"services/api\""`
	// Language is what detection found; informational.
	Language string `toml:"language,omitempty"`
}

// Workspace is a loaded workspace file and the folder it is in.
type Workspace struct {
	Root string // the folder holding the file
	File File
	// Path is the file's path.
	Path string
}

// Dir is a service's folder on disk.
func (w *Workspace) Dir(s Service) string { return filepath.Join(w.Root, filepath.FromSlash(s.Path)) }

// Images is the folder build --all writes images to.
func (w *Workspace) Images() string {
	d := w.File.ImageDir
	if d == "" {
		d = DefaultImageDir
	}
	return filepath.Join(w.Root, filepath.FromSlash(d))
}

// Image is the OCI tarball of a service in Images.
func (w *Workspace) Image(s Service) string { return filepath.Join(w.Images(), s.Name+".tar") }

// Load reads and validates a workspace file: unknown keys, wrong types,
// duplicate names or paths and paths that leave the root are errors naming
// the file and line (a *tomlx.InvalidError).
func Load(p string) (*Workspace, error) {
	src, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading workspace file: %w", err)
	}
	var f File
	if _, err := tomlx.Decode(p, src, &f); err != nil {
		return nil, err
	}
	if err := f.validate(p, src); err != nil {
		return nil, err
	}
	return &Workspace{Root: filepath.Dir(p), File: f, Path: p}, nil
}

// validate reports every problem of f, each at its line.
func (f *File) validate(name string, src []byte) error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &tomlx.FieldError{File: name, Line: tomlx.LineOf(src, key), Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	if f.ImageDir != "" {
		if msg := relPathProblem(f.ImageDir); msg != "" {
			bad("image_dir", "%s", msg)
		}
	}
	names, paths := map[string]int{}, map[string]int{}
	for i, s := range f.Services {
		key := fmt.Sprintf("service[%d]", i)
		switch {
		case s.Name == "":
			bad(key+".name", "missing: every service needs a name")
		case !validName(s.Name):
			bad(key+".name", "%q: use letters, digits, '.', '_' and '-' (it names the image file)", s.Name)
		default:
			if j, ok := names[s.Name]; ok {
				bad(key+".name", "%q is also service[%d]'s name", s.Name, j)
			}
			names[s.Name] = i
		}
		if s.Path == "" {
			bad(key+".path", "missing: the service's folder relative to the workspace root (\".\" for the root itself)")
			continue
		}
		if msg := relPathProblem(s.Path); msg != "" {
			bad(key+".path", "%s", msg)
			continue
		}
		c := path.Clean(s.Path)
		if j, ok := paths[c]; ok {
			bad(key+".path", "%q is also service[%d]'s path", s.Path, j)
		}
		paths[c] = i
	}
	if len(errs) > 0 {
		return &tomlx.InvalidError{Errs: errs}
	}
	return nil
}

// relPathProblem says what is wrong with a path that must stay below the
// root, or "".
func relPathProblem(p string) string {
	switch {
	case strings.Contains(p, `\`):
		return fmt.Sprintf("%q: use forward slashes", p)
	case path.IsAbs(p) || filepath.IsAbs(p):
		return fmt.Sprintf("%q is absolute: give it relative to the workspace root", p)
	case p != "." && (path.Clean(p) == ".." || strings.HasPrefix(path.Clean(p), "../")):
		return fmt.Sprintf("%q leaves the workspace root", p)
	}
	return ""
}

func validName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// ErrNotFound is returned by Find when no workspace file is above dir.
var ErrNotFound = errors.New("no " + FileName + " found")

// Find loads the nearest workspace file in dir or above it.
func Find(dir string) (*Workspace, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		p := filepath.Join(d, FileName)
		if _, err := os.Stat(p); err == nil {
			rel, rerr := filepath.Rel(abs, p)
			if rerr != nil || filepath.IsAbs(dir) {
				rel = p
			} else {
				rel = filepath.Join(dir, rel)
			}
			return Load(filepath.Clean(rel))
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("%w in %s or above it: run `slipway init --all` at the repository root", ErrNotFound, dir)
		}
	}
}

// header starts a workspace file that init writes.
const header = `# slipway-workspace.toml: the services of this repository, for
# 'slipway build --all', 'generate --all', 'verify --all' and 'lint --all'.
# Written by 'slipway init --all', which only ever appends services it finds;
# edit it freely (remove a service, rename one). Keys:
#   repository   names the repository in build keys (default: git remote origin)
#   image_dir    where build --all writes <name>.tar (default .slipway/images)
#   [[service]]  name (unique), path (relative to this folder), language
`

// Merge adds the services of found that the file at p does not list yet
// (by path) and writes it atomically: a new file gets a header, an existing
// one keeps every byte it had, comments included, and gets the new
// [[service]] tables appended. It returns the services added; nothing is
// written when there are none. Names that clash get a numeric suffix.
func Merge(p string, found []Service) ([]Service, error) {
	var old []byte
	var f File
	if src, err := os.ReadFile(p); err == nil {
		if _, err := tomlx.Decode(p, src, &f); err != nil {
			return nil, fmt.Errorf("%w\n(fix %s: init --all appends to it)", err, p)
		}
		if err := f.validate(p, src); err != nil {
			return nil, fmt.Errorf("%w\n(fix %s: init --all appends to it)", err, p)
		}
		old = src
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading workspace file: %w", err)
	}
	names := map[string]bool{}
	paths := map[string]bool{}
	for _, s := range f.Services {
		names[s.Name] = true
		paths[path.Clean(s.Path)] = true
	}
	var added []Service
	for _, s := range found {
		if paths[path.Clean(s.Path)] {
			continue
		}
		base := s.Name
		if !validName(base) {
			base = sanitizeName(base)
		}
		s.Name = base
		for i := 2; names[s.Name]; i++ {
			s.Name = fmt.Sprintf("%s-%d", base, i)
		}
		names[s.Name] = true
		paths[path.Clean(s.Path)] = true
		added = append(added, s)
	}
	if len(added) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	if old == nil {
		b.WriteString(header)
	} else {
		b.Write(old)
		if !bytes.HasSuffix(old, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	for _, s := range added {
		b.WriteString("\n")
		enc := toml.NewEncoder(&b)
		enc.Indent = ""
		if err := enc.Encode(struct {
			S []Service `toml:"service"`
		}{[]Service{s}}); err != nil {
			return nil, err
		}
	}
	if err := atomicfile.WriteFile(p, b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return added, nil
}

// sanitizeName turns a folder or project name into a valid service name.
func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-.")
	if out == "" {
		out = "service"
	}
	if len(out) > 128 {
		out = out[:128]
	}
	return out
}

// Select returns the services whose name or path is in names, in the file's
// order, or an error naming each unknown one. No names selects all.
func (w *Workspace) Select(names []string) ([]Service, error) {
	if len(names) == 0 {
		return slices.Clone(w.File.Services), nil
	}
	match := func(s Service, n string) bool { return s.Name == n || path.Clean(s.Path) == path.Clean(n) }
	var unknown []string
	for _, n := range names {
		if !slices.ContainsFunc(w.File.Services, func(s Service) bool { return match(s, n) }) {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%s: no service %s (run `slipway init --all` to add new ones)", w.Path, strings.Join(unknown, ", "))
	}
	var out []Service
	for _, s := range w.File.Services {
		if slices.ContainsFunc(names, func(n string) bool { return match(s, n) }) {
			out = append(out, s)
		}
	}
	return out, nil
}
