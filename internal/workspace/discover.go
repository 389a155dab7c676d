package workspace

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/templates"
)

// Found is a service Discover found, with what told it so.
type Found struct {
	Service
	// Detected is detect's reading of the folder (its Evidence, its
	// Ambiguities and Refusals).
	Detected *detect.Result
	// HasConfig is true when the folder already has a slipway.toml.
	HasConfig bool
}

// Limits bound a discovery walk: a repository is input, and a huge or
// looping one must not cost unbounded time.
type Limits struct {
	MaxDepth int // folders below the root (default 8)
	MaxDirs  int // folders visited (default 20000)
	MaxFound int // services (default 500)
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = 8
	}
	if l.MaxDirs <= 0 {
		l.MaxDirs = 20000
	}
	if l.MaxFound <= 0 {
		l.MaxFound = 500
	}
	return l
}

// skipDir says which folders hold no service of their own: dependencies,
// build output, test fixtures, and hidden folders (.git, .venv, .lab).
func skipDir(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return true
	}
	switch strings.ToLower(name) {
	case "node_modules", "vendor", "testdata", "fixtures", "__fixtures__", "__tests__", "__pycache__",
		"venv", "target", "bin", "obj", "dist", "deps", "_build", "site-packages", "bower_components":
		return true
	}
	return false
}

// LimitError is a walk that went past one of its Limits.
type LimitError struct{ What string }

func (e *LimitError) Error() string { return "discovering services: " + e.What }

// Discover walks root for services: a folder that holds a slipway.toml, or
// a project file of a language slipway knows (go.mod, package.json, ...).
// It does not look below a service (its subfolders are its own), except
// at the root, which may be both a service and the home of others.
// Symbolic links are not followed. Services are returned in path order,
// their names from detection (made unique by Merge).
func Discover(ctx context.Context, root string, lim Limits) ([]Found, error) {
	lim = lim.withDefaults()
	var out []Found
	dirs := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable folder holds nothing we can build
		}
		if !d.IsDir() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if p != root {
			if skipDir(d.Name()) {
				return filepath.SkipDir
			}
			if depth := strings.Count(rel, "/") + 1; depth > lim.MaxDepth {
				return filepath.SkipDir
			}
		}
		if dirs++; dirs > lim.MaxDirs {
			return &LimitError{What: fmt.Sprintf("more than %d folders under %s; run init --all in a smaller folder", lim.MaxDirs, root)}
		}
		hasConfig := fileExists(filepath.Join(p, config.FileName))
		if !hasConfig && !hasMarker(p) {
			return nil
		}
		det, err := detect.Detect(p)
		if err != nil {
			return nil
		}
		if !hasConfig && len(det.Languages) == 0 {
			return nil
		}
		if len(out) >= lim.MaxFound {
			return &LimitError{What: fmt.Sprintf("more than %d services under %s", lim.MaxFound, root)}
		}
		name := det.Name
		if rel == "." || name == "" {
			name = filepath.Base(p)
			if rel != "." {
				name = filepath.Base(rel)
			}
		}
		if hasConfig {
			if pr, err := config.Load(filepath.Join(p, config.FileName)); err == nil && pr.Name != "" {
				name = pr.Name
			}
		}
		out = append(out, Found{
			Service:   Service{Name: sanitizeName(name), Path: rel, Language: det.Language},
			Detected:  det,
			HasConfig: hasConfig,
		})
		if p != root {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// hasMarker reports whether dir holds a project file of a registered
// language (the providers' markers), without reading it.
func hasMarker(dir string) bool {
	for _, p := range templates.Providers() {
		for _, pat := range provider.InfoOf(p).Markers {
			m, _ := filepath.Glob(filepath.Join(dir, pat))
			for _, f := range m {
				if fileExists(f) {
					return true
				}
			}
		}
	}
	return false
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
