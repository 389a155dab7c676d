package golang

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/slipway/slipway/internal/provider"
)

// maxUp bounds how many folders above the service the module search climbs.
const maxUp = 8

// buildContext finds the files a build needs above the service folder and
// sets ServiceDir and SharedPaths: the local targets of go.mod's replace
// directives that lie outside the folder (a monorepo's shared module), or,
// when the folder has no go.mod, the module root above it, with its go.mod,
// go.sum and the module's packages the service imports. The build context
// is the lowest folder holding all of them.
func buildContext(d *provider.Detector, mod *modfile.File) error {
	abs, err := filepath.Abs(d.Dir)
	if err != nil {
		return err
	}
	var shared []string // absolute paths
	var why []string
	modRoot := abs
	if mod == nil {
		root, f, err := moduleAbove(abs)
		if err != nil || f == nil {
			return err
		}
		modRoot, mod = root, f
		rel, _ := filepath.Rel(abs, root)
		why = append(why, fmt.Sprintf("go.mod at %s (module %s) is above the service folder", filepath.ToSlash(rel), mod.Module.Mod.Path))
		shared = append(shared, filepath.Join(root, "go.mod"))
		if provider.FileExists(filepath.Join(root, "go.sum")) {
			shared = append(shared, filepath.Join(root, "go.sum"))
		}
		pkgs := importedPackages(abs, root, mod.Module.Mod.Path)
		shared = append(shared, pkgs...)
		for _, p := range pkgs {
			rel, _ := filepath.Rel(root, p)
			why = append(why, fmt.Sprintf("imports %s", path.Join(mod.Module.Mod.Path, filepath.ToSlash(rel))))
		}
	}
	for _, r := range mod.Replace {
		np := r.New.Path
		if !strings.HasPrefix(np, "./") && !strings.HasPrefix(np, "../") && np != "." && np != ".." {
			continue // a module path, not a folder
		}
		target := filepath.Join(modRoot, filepath.FromSlash(np))
		if inside(target, abs) {
			continue
		}
		if _, err := os.Stat(target); err != nil {
			d.R.Note(fmt.Sprintf("service_dir: go.mod replaces %s with %s, which does not exist", r.Old.Path, np))
			continue
		}
		shared = append(shared, target)
		why = append(why, fmt.Sprintf("go.mod replace %s => %s", r.Old.Path, np))
	}
	if len(shared) == 0 {
		return nil
	}
	root := abs
	for _, s := range shared {
		for !inside(s, root) {
			root = filepath.Dir(root)
		}
	}
	svc, _ := filepath.Rel(root, abs)
	d.R.ServiceDir = filepath.ToSlash(svc)
	d.R.Found("service_dir", d.R.ServiceDir, "%s: the build context is %s", strings.Join(why, "; "), root)
	set := map[string]bool{}
	for _, s := range shared {
		rel, _ := filepath.Rel(root, s)
		rel = filepath.ToSlash(rel)
		if !set[rel] {
			set[rel] = true
			d.R.SharedPaths = append(d.R.SharedPaths, rel)
		}
	}
	sort.Strings(d.R.SharedPaths)
	d.R.Found("shared_paths", strings.Join(d.R.SharedPaths, ", "), "what the service needs from %s besides its folder", root)
	return nil
}

// moduleAbove finds the nearest go.mod above dir.
func moduleAbove(dir string) (string, *modfile.File, error) {
	p := dir
	for range maxUp {
		parent := filepath.Dir(p)
		if parent == p {
			return "", nil, nil
		}
		p = parent
		src, err := os.ReadFile(filepath.Join(p, "go.mod"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("reading %s: %w", filepath.Join(p, "go.mod"), err)
		}
		f, err := modfile.Parse(filepath.Join(p, "go.mod"), src, nil)
		if err != nil || f.Module == nil {
			return "", nil, nil
		}
		return p, f, nil
	}
	return "", nil, nil
}

// importedPackages returns the folders (absolute) of the module's packages
// outside svc that the Go files under svc import, directly or through each
// other.
func importedPackages(svc, root, modPath string) []string {
	fset := token.NewFileSet()
	seen := map[string]bool{}
	queue := []string{svc}
	var out []string
	for n := 0; len(queue) > 0 && n < 200; n++ {
		dir := queue[0]
		queue = queue[1:]
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if dir == svc {
			files = nil
			_ = filepath.Walk(svc, func(p string, fi os.FileInfo, err error) error {
				if err == nil && fi.IsDir() && p != svc && provider.SkipDir(fi.Name()) {
					return filepath.SkipDir
				}
				if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".go") {
					files = append(files, p)
				}
				return nil
			})
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
			if err != nil {
				continue
			}
			for _, im := range af.Imports {
				ip, err := strconv.Unquote(im.Path.Value)
				if err != nil || !strings.HasPrefix(ip, modPath+"/") {
					continue
				}
				pd := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(ip, modPath+"/")))
				if seen[pd] || inside(pd, svc) {
					continue
				}
				seen[pd] = true
				out = append(out, pd)
				queue = append(queue, pd)
			}
		}
	}
	sort.Strings(out)
	return out
}

// inside reports whether p is dir or below it.
func inside(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
