// Package configdoc writes docs/config.md, the reference of every TOML file
// slipway reads (slipway.toml, slipway-team.toml, golden image specs), from
// the Go types that decode them. It reads their source with go/parser: each
// struct field with a toml tag is a key, its doc comment (and trailing line
// comment) is the key's description, and a field whose type is another
// struct of the same package is a table or an array of tables with a section
// of its own. There is no hand-kept copy: a key added to a type appears in
// the reference the next time it is generated, and TestConfigDocIsCurrent
// fails until it is.
//
// A documented key is never guessed at: a key with no doc comment (and no
// earlier doc comment in its struct that names it, as "Entrypoint and Cmd
// ..." does), or a field type the generator cannot name in TOML words, is an
// error naming the type and field.
package configdoc

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// File is one TOML file of the reference: the Go struct that decodes it.
type File struct {
	// Name is the file as the user knows it ("slipway.toml").
	Name string
	// Pkg is the folder of the Go package, relative to the module root.
	Pkg string
	// Type is the struct decoded from the file's top level.
	Type string
	// About is a paragraph said before the keys: where the file lives and
	// who reads it.
	About string
}

// Files are the files docs/config.md describes, in its order.
var Files = []File{
	{
		Name: "slipway.toml", Pkg: "internal/config", Type: "Project",
		About: "One per service, next to its source. `slipway init` writes it; `slipway generate`, `pin`, " +
			"`build` and `verify` read it.",
	},
	{
		Name: "slipway-team.toml", Pkg: "internal/config", Type: "Team",
		About: "A team's standard, found by walking up from a service (or given with `--team`). " +
			"`docs/slipway-team.example.toml` is a commented example.",
	},
	{
		Name: "golden/<name>.toml", Pkg: "internal/golden", Type: "Spec",
		About: "One per golden base image, read by `slipway golden build`, `check`, `trace` and `users`; " +
			"the file name without `.toml` is the image's name.",
	},
}

// Doc is a generated reference.
type Doc struct {
	// Markdown is docs/config.md.
	Markdown []byte
	// Keys are, per file name, the dotted paths of every key documented
	// ("healthcheck.command", "secret.id").
	Keys map[string][]string
}

// Generate reads the packages of Files under the module root and renders
// the reference.
func Generate(root string) (*Doc, error) {
	d := &Doc{Keys: map[string][]string{}}
	var b bytes.Buffer
	b.WriteString("<!-- Generated from the doc comments of the Go types that decode these files " +
		"(internal/configdoc); do not edit. Regenerate: go test ./internal/configdoc -run TestConfigDocIsCurrent -update -->\n\n")
	b.WriteString("# Configuration reference\n\n")
	b.WriteString("Every file is decoded strictly: an unknown key, a wrong type or an invalid value is reported " +
		"with the file, the line and what is allowed, all problems at once, and the command exits 2 " +
		"without writing anything. Keys not listed here are refused.\n\n")
	for _, f := range Files {
		fmt.Fprintf(&b, "- [%s](#%s)\n", escape(f.Name), anchor(f.Name))
	}
	b.WriteString("\n")
	pkgs := map[string]map[string]*typeDoc{}
	for _, f := range Files {
		types, ok := pkgs[f.Pkg]
		if !ok {
			var err error
			if types, err = parseTypes(filepath.Join(root, filepath.FromSlash(f.Pkg))); err != nil {
				return nil, err
			}
			pkgs[f.Pkg] = types
		}
		keys, err := renderFile(&b, f, types)
		if err != nil {
			return nil, err
		}
		d.Keys[f.Name] = keys
	}
	d.Markdown = b.Bytes()
	return d, nil
}

// typeDoc is one struct type declared in a package, with its doc comment.
type typeDoc struct {
	name string
	doc  string
	st   *ast.StructType
}

// parseTypes reads the struct types of the non-test Go files in dir.
func parseTypes(dir string) (map[string]*typeDoc, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	types := map[string]*typeDoc{}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		af, err := parser.ParseFile(fset, file, src, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", file, err)
		}
		for _, decl := range af.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				types[ts.Name.Name] = &typeDoc{name: ts.Name.Name, doc: doc.Text(), st: st}
			}
		}
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("no struct types in %s", dir)
	}
	return types, nil
}

// key is one documented TOML key of a table.
type key struct {
	name, goName, typ, doc string
	// table is the struct type of a nested table or array of tables.
	table *typeDoc
	array bool
}

// section is one TOML table to render: its path ("healthcheck") and type.
type section struct {
	path  string
	array bool
	td    *typeDoc
}

func renderFile(b *bytes.Buffer, f File, types map[string]*typeDoc) ([]string, error) {
	root, ok := types[f.Type]
	if !ok {
		return nil, fmt.Errorf("%s: no struct type %s in %s", f.Name, f.Type, f.Pkg)
	}
	fmt.Fprintf(b, "## %s\n\n%s\n\n", escape(f.Name), prose(f.About, nil))
	if intro := typeIntro(root, "`"+f.Name+"`"); intro != "" {
		fmt.Fprintf(b, "%s\n\n", intro)
	}
	var paths []string
	queue := []section{{td: root}}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		keys, err := fieldKeys(s.td, types)
		if err != nil {
			return nil, err
		}
		if s.path != "" {
			heading := "[" + s.path + "]"
			if s.array {
				heading = "[" + heading + "]"
			}
			fmt.Fprintf(b, "### %s: `%s`\n\n", escape(f.Name), heading)
			if intro := typeIntro(s.td, "`"+heading+"`"); intro != "" {
				fmt.Fprintf(b, "%s\n\n", intro)
			}
		}
		b.WriteString("| key | type | description |\n|---|---|---|\n")
		for _, k := range keys {
			full := k.name
			if s.path != "" {
				full = s.path + "." + k.name
			}
			paths = append(paths, full)
			fmt.Fprintf(b, "| `%s` | %s | %s |\n", k.name, k.typ, k.doc)
			if k.table != nil {
				queue = append(queue, section{path: full, array: k.array, td: k.table})
			}
		}
		b.WriteString("\n")
	}
	return paths, nil
}

// typeIntro is a struct's doc comment as a paragraph, its leading type name
// replaced by what the reader calls the table.
func typeIntro(td *typeDoc, as string) string {
	doc := oneLine(td.doc)
	if doc == "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(doc, td.name+" "); ok {
		return as + " " + prose(rest, nil)
	}
	return prose(doc, nil)
}

// fieldKeys lists the TOML keys of a struct, in declaration order.
func fieldKeys(td *typeDoc, types map[string]*typeDoc) ([]key, error) {
	goToKey := map[string]string{}
	type field struct {
		goName, tomlName string
		f                *ast.Field
	}
	var fields []field
	for _, f := range td.st.Fields.List {
		if f.Tag == nil {
			continue
		}
		tag := strings.Trim(f.Tag.Value, "`")
		m := reTOMLTag.FindStringSubmatch(tag)
		if m == nil || m[1] == "-" || m[1] == "" {
			continue
		}
		if len(f.Names) != 1 {
			return nil, fmt.Errorf("%s: a field with toml tag %q declares %d names; give it one", td.name, m[1], len(f.Names))
		}
		goToKey[f.Names[0].Name] = m[1]
		fields = append(fields, field{f.Names[0].Name, m[1], f})
	}
	var keys []key
	var lastDoc string
	for _, fl := range fields {
		doc := strings.TrimSpace(fl.f.Doc.Text() + " " + fl.f.Comment.Text())
		switch {
		case doc != "":
			lastDoc = doc
		case lastDoc != "" && regexp.MustCompile(`\b`+fl.goName+`\b`).MatchString(lastDoc):
			doc = lastDoc // "Entrypoint and Cmd, when set, ..."
		default:
			return nil, fmt.Errorf("%s.%s (key %q) has no doc comment: say what the key does, it is the key's entry in docs/config.md", td.name, fl.goName, fl.tomlName)
		}
		typ, table, array, err := tomlType(fl.f.Type, types)
		if err != nil {
			return nil, fmt.Errorf("%s.%s (key %q): %w", td.name, fl.goName, fl.tomlName, err)
		}
		keys = append(keys, key{name: fl.tomlName, goName: fl.goName, typ: typ, doc: prose(oneLine(doc), goToKey), table: table, array: array})
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s has no toml keys", td.name)
	}
	return keys, nil
}

var reTOMLTag = regexp.MustCompile(`(?:^|\s)toml:"([^",]*)`)

// tomlType names a Go field type in TOML words, and returns the struct of a
// nested table.
func tomlType(e ast.Expr, types map[string]*typeDoc) (string, *typeDoc, bool, error) {
	switch t := e.(type) {
	case *ast.StarExpr:
		return tomlType(t.X, types)
	case *ast.Ident:
		switch t.Name {
		case "string":
			return "string", nil, false, nil
		case "bool":
			return "boolean", nil, false, nil
		case "int", "int64", "int32", "uint", "uint32", "uint64":
			return "integer", nil, false, nil
		case "float64":
			return "number", nil, false, nil
		}
		if td, ok := types[t.Name]; ok {
			return "table", td, false, nil
		}
	case *ast.ArrayType:
		if t.Len != nil {
			break
		}
		elem, td, _, err := tomlType(t.Elt, types)
		if err != nil {
			return "", nil, false, err
		}
		if td != nil {
			return "array of tables", td, true, nil
		}
		return "array of " + plural(elem), nil, false, nil
	case *ast.MapType:
		if k, ok := t.Key.(*ast.Ident); !ok || k.Name != "string" {
			break
		}
		elem, td, _, err := tomlType(t.Value, types)
		if err != nil || td != nil {
			break
		}
		return "table of " + plural(elem), nil, false, nil
	}
	return "", nil, false, fmt.Errorf("type %s has no TOML name in internal/configdoc: add it to tomlType", exprString(e))
}

func plural(s string) string {
	if s == "boolean" || s == "string" || s == "integer" || s == "number" {
		return s + "s"
	}
	return s
}

func exprString(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return exprString(t.X) + "." + t.Sel.Name
	case *ast.StarExpr:
		return "*" + exprString(t.X)
	case *ast.ArrayType:
		return "[]" + exprString(t.Elt)
	case *ast.MapType:
		return "map[" + exprString(t.Key) + "]" + exprString(t.Value)
	}
	return fmt.Sprintf("%T", e)
}

// oneLine joins a comment's lines into one.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var reIdent = regexp.MustCompile(`\b[A-Z][A-Za-z0-9]*\b`)

// prose escapes doc text for a Markdown table cell and writes the Go names
// of the struct's fields as their TOML keys; `code` spans are kept.
func prose(s string, goToKey map[string]string) string {
	parts := strings.Split(s, "`")
	for i, p := range parts {
		if i%2 == 1 { // inside a code span: only the table's separator
			parts[i] = strings.ReplaceAll(p, "|", `\|`)
			continue
		}
		p = escape(p)
		parts[i] = reIdent.ReplaceAllStringFunc(p, func(w string) string {
			if k, ok := goToKey[w]; ok {
				return "`" + k + "`"
			}
			return w
		})
	}
	return strings.Join(parts, "`")
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`)

func escape(s string) string { return mdEscaper.Replace(s) }

// anchor is the id GitHub gives a heading.
func anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

// SortedKeys returns the documented paths of a file, sorted.
func (d *Doc) SortedKeys(file string) []string {
	k := append([]string(nil), d.Keys[file]...)
	sort.Strings(k)
	return k
}
