package golang

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

// conventional are the folders a web service commonly reads at run time;
// one counts as a runtime file when it exists and a string literal of the
// code names it.
var conventional = []string{"templates", "static", "public", "assets", "migrations"}

// maxGoFiles bounds how many Go files the runtime-file scan parses.
const maxGoFiles = 500

// openers are the calls whose first string argument is a path the program
// opens relative to its working directory, by the package (or "" for a
// method on any value, such as a *template.Template) and the function.
var openers = map[string]map[string]bool{
	"":         {"ParseGlob": true, "ParseFiles": true},
	"template": {"ParseGlob": true, "ParseFiles": true, "Must": false},
	"http":     {"Dir": true},
	"os":       {"ReadFile": true, "Open": true, "OpenFile": true, "ReadDir": true, "DirFS": true},
	"ioutil":   {"ReadFile": true, "ReadDir": true},
}

// source is one parsed Go file of the service.
type source struct {
	rel  string // slash path relative to the service folder
	fset *token.FileSet
	file *ast.File
}

// goSources parses the non-test Go files of the service folder (nested
// modules, vendored and hidden folders skipped), at most maxGoFiles.
func goSources(d *provider.Detector) []source {
	fset := token.NewFileSet()
	var out []source
	n := 0
	_ = filepath.WalkDir(d.Dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if n++; n > provider.MaxWalk || len(out) >= maxGoFiles {
			return filepath.SkipAll
		}
		if e.IsDir() {
			if p != d.Dir && (provider.SkipDir(e.Name()) || isModuleRoot(p)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(d.Dir, p)
		out = append(out, source{rel: filepath.ToSlash(rel), fset: fset, file: f})
		return nil
	})
	return out
}

// embedded returns the //go:embed patterns of a file, relative to the
// service folder.
func embedded(s source) []string {
	var out []string
	dir := path.Dir(s.rel)
	for _, cg := range s.file.Comments {
		for _, c := range cg.List {
			rest, ok := strings.CutPrefix(c.Text, "//go:embed ")
			if !ok {
				continue
			}
			for _, pat := range strings.Fields(rest) {
				pat = strings.Trim(pat, "\"`")
				pat = strings.TrimPrefix(pat, "all:")
				out = append(out, path.Join(dir, pat))
			}
		}
	}
	return out
}

// runtimeFiles finds the paths the program reads at run time and that
// exist in the tree: literal arguments of template.ParseGlob/ParseFiles,
// http.Dir, os.ReadFile/Open/ReadDir/DirFS, and the conventional folders
// a literal names. Paths embedded with //go:embed are in the binary and
// are not runtime files.
func runtimeFiles(d *provider.Detector, srcs []source) {
	var embeds []string
	for _, s := range srcs {
		embeds = append(embeds, embedded(s)...)
	}
	isEmbedded := func(p string) bool {
		for _, e := range embeds {
			if ok, _ := path.Match(e, p); ok || e == p || strings.HasPrefix(p, e+"/") || strings.HasPrefix(e, p+"/") {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	add := func(p, where, why string) {
		if seen[p] {
			return
		}
		seen[p] = true
		if isEmbedded(p) {
			d.R.Note(fmt.Sprintf("runtime_files: %s is embedded with //go:embed (%s %s): in the binary, not copied", p, where, why))
			return
		}
		d.R.RuntimeFiles = append(d.R.RuntimeFiles, p)
		d.R.Evidence = append(d.R.Evidence, fmt.Sprintf("runtime_files += %s  from %s %s", p, where, why))
	}
	var literals []struct{ val, where string }
	for _, s := range srcs {
		ast.Inspect(s.file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BasicLit:
				if x.Kind == token.STRING {
					if v, err := strconv.Unquote(x.Value); err == nil {
						literals = append(literals, struct{ val, where string }{v, position(s, x.Pos())})
					}
				}
			case *ast.CallExpr:
				name, ok := opener(x)
				if !ok {
					return true
				}
				for _, a := range x.Args {
					lit, ok := a.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						continue
					}
					if p := treePath(d, v); p != "" {
						add(p, position(s, x.Pos()), name)
					}
					if !strings.HasSuffix(name, "ParseFiles") {
						break // only ParseFiles takes several paths
					}
				}
			}
			return true
		})
	}
	for _, c := range conventional {
		if seen[c] || !d.Exists(c) {
			continue
		}
		for _, l := range literals {
			if namesFolder(l.val, c) {
				add(c, l.where, fmt.Sprintf("names %q", l.val))
				break
			}
		}
	}
	sort.Strings(d.R.RuntimeFiles)
}

// opener reports whether a call opens a path, and names it
// ("template.ParseGlob", "(*template.Template).ParseGlob" for a method).
func opener(c *ast.CallExpr) (string, bool) {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	if id, ok := sel.X.(*ast.Ident); ok {
		if fns, ok := openers[id.Name]; ok {
			if fns[sel.Sel.Name] {
				return id.Name + "." + sel.Sel.Name, true
			}
			if id.Name != "template" {
				return "", false
			}
		}
	}
	if openers[""][sel.Sel.Name] {
		return "(*template.Template)." + sel.Sel.Name, true
	}
	return "", false
}

// treePath turns a literal path the program opens into the runtime file it
// needs, relative to the service folder (the program's working directory
// in the image): a glob becomes the folder before its first wildcard. It
// returns "" for an absolute path, one leaving the folder, a path that is
// not in the tree, or the folder itself.
func treePath(d *provider.Detector, v string) string {
	if v == "" || path.IsAbs(v) || strings.ContainsAny(v, "\\\x00") {
		return ""
	}
	if i := strings.IndexAny(v, "*?["); i >= 0 {
		v = path.Dir(v[:i] + "x")
	}
	v = path.Clean(v)
	if v == "." || v == ".." || strings.HasPrefix(v, "../") || !d.Exists(v) {
		return ""
	}
	return v
}

// namesFolder reports whether a literal names folder as a path element
// ("templates/", "./static", "/static/", "migrations").
func namesFolder(lit, folder string) bool {
	if len(lit) > 256 {
		return false
	}
	for _, el := range strings.Split(lit, "/") {
		if el == folder {
			return true
		}
	}
	return false
}

func position(s source, p token.Pos) string {
	return fmt.Sprintf("%s:%d", s.rel, s.fset.Position(p).Line)
}

// portEnv finds os.Getenv("PORT") or os.LookupEnv("PORT"): the program
// reads its listen port from $PORT, so the image sets it.
func portEnv(d *provider.Detector, srcs []source) {
	for _, s := range srcs {
		found := ""
		ast.Inspect(s.file, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || found != "" || len(c.Args) == 0 {
				return found == ""
			}
			sel, ok := c.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "os" || (sel.Sel.Name != "Getenv" && sel.Sel.Name != "LookupEnv") {
				return true
			}
			if lit, ok := c.Args[0].(*ast.BasicLit); ok && lit.Value == `"PORT"` {
				found = position(s, c.Pos()) + " os." + sel.Sel.Name + `("PORT")`
			}
			return true
		})
		if found != "" {
			d.R.PortEnv = "PORT"
			d.R.Found("port_env", "PORT", "%s", found)
			return
		}
	}
}
