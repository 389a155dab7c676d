package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Load reads, strictly decodes and validates a slipway.toml. Every problem
// is reported, each naming the file and line; the error is an *InvalidError.
func Load(path string) (*Project, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return Parse(path, src)
}

// Parse decodes src (named name in errors) and validates the result.
func Parse(name string, src []byte) (*Project, error) {
	var p Project
	md, err := decodeStrictMD(name, src, &p)
	var unknown *InvalidError
	if err != nil && !errors.As(err, &unknown) {
		return nil, &InvalidError{Errs: []error{err}}
	}
	// Unknown keys and invalid values are reported together.
	var errs []error
	if unknown != nil {
		errs = append(errs, unknown.Errs...)
	}
	if p.Port == 0 && md.IsDefined("port") {
		// Validate cannot tell an explicit 0 from no key; 0 would silently
		// become the language's default port.
		errs = append(errs, &FieldError{File: name, Line: lineOf(keyLines(src), "port"), Key: "port",
			Msg: "0 is not a port: a TCP port 1-65535; remove the key to use the language's default"})
	}
	if verr := p.Validate(); verr != nil {
		errs = append(errs, Locate(verr, name, src).(*InvalidError).Errs...)
	}
	if len(errs) > 0 {
		return nil, &InvalidError{Errs: errs}
	}
	return &p, nil
}

// decodeStrict decodes TOML into v, rejecting unknown keys and wrong types
// with errors that carry the file, line and key.
func decodeStrict(name string, src []byte, v any) error {
	_, err := decodeStrictMD(name, src, v)
	return err
}

func decodeStrictMD(name string, src []byte, v any) (toml.MetaData, error) {
	md, err := toml.Decode(string(src), v)
	if err != nil {
		// A syntax or type error: nothing else can be trusted.
		return md, tomlError(name, src, err)
	}
	lines := keyLines(src)
	if key, typ := mistypedTable(&md, reflect.TypeOf(v), nil); key != "" {
		// The TOML decoder silently skips a non-table value for a map.
		return md, &FieldError{File: name, Line: lineOf(lines, key), Key: key, Msg: fmt.Sprintf("wrong type: want a table (e.g. [%s]), found %s", key, strings.ToLower(typ))}
	}
	undecoded := md.Undecoded()
	if len(undecoded) == 0 {
		return md, nil
	}
	known := knownKeys(v)
	var errs []error
	occurrence := map[string]int{}
	var reported []string
	for _, k := range undecoded {
		bare := k.String()
		key, line := placeKey(lines, bare, occurrence[bare])
		occurrence[bare]++
		// Report a whole unknown table once, not each key below it.
		if slices.ContainsFunc(reported, func(r string) bool { return strings.HasPrefix(key, r+".") }) {
			continue
		}
		reported = append(reported, key)
		errs = append(errs, &FieldError{
			File: name,
			Line: line,
			Key:  key,
			Msg:  "unknown key; allowed here: " + strings.Join(allowedFor(known, bare), ", "),
		})
	}
	return md, &InvalidError{Errs: errs}
}

// mistypedTable finds a key that t maps to a Go map but that the document
// gives a non-table value, and returns it with the value's TOML type.
func mistypedTable(md *toml.MetaData, t reflect.Type, prefix []string) (key, typ string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return "", ""
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("toml"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		path := append(slices.Clone(prefix), name)
		switch f.Type.Kind() {
		case reflect.Map:
			if md.IsDefined(path...) {
				// An implicit table ([env.x] or env.x = ...) has no type of its own.
				if typ := md.Type(path...); typ != "Hash" && typ != "" {
					return strings.Join(path, "."), typ
				}
			}
		case reflect.Struct:
			if k, typ := mistypedTable(md, f.Type, path); k != "" {
				return k, typ
			}
		}
	}
	return "", ""
}

var reMismatch = regexp.MustCompile(`^type mismatch for [A-Za-z0-9_.]+: `)

var reIndex = regexp.MustCompile(`\[[0-9]+\]`)

// placeKey finds the line of the n-th occurrence of an undecoded key. The
// decoder names keys inside arrays of tables without an index
// ("secret.file"); the line scan has them with one ("secret[1].file").
func placeKey(lines map[string]int, bare string, n int) (string, int) {
	if l, ok := lines[bare]; ok {
		return bare, l
	}
	type at struct {
		key  string
		line int
	}
	var found []at
	for k, l := range lines {
		if strings.Contains(k, "[") && reIndex.ReplaceAllString(k, "") == bare {
			found = append(found, at{k, l})
		}
	}
	if len(found) == 0 {
		return bare, lineOf(lines, bare)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].line < found[j].line })
	f := found[min(n, len(found)-1)]
	return f.key, f.line
}

// tomlError turns a TOML syntax or type error into a FieldError.
func tomlError(name string, src []byte, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.Usage != "" {
			msg += " (" + strings.TrimSpace(strings.SplitN(pe.Usage, "\n", 2)[0]) + ")"
		}
		line := pe.Position.Line
		if st := pe.Position.Start; st >= 0 && st <= len(src) {
			// The decoder counts a line too many when the offending
			// character is the newline that ends a line.
			line = 1 + bytes.Count(src[:st], []byte("\n"))
		}
		return &FieldError{File: name, Line: line, Key: pe.LastKey, Msg: msg}
	}
	// Type mismatches come as `toml: line N (last key "k"): incompatible ...`.
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	fe := &FieldError{File: name, Msg: msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if sp := strings.IndexByte(rest, ' '); sp > 0 {
			if n, err := strconv.Atoi(rest[:sp]); err == nil {
				fe.Line = n
				msg = rest[sp+1:]
			}
		}
	}
	if rest, ok := strings.CutPrefix(msg, "(last key \""); ok {
		if end := strings.Index(rest, "\"): "); end >= 0 {
			fe.Key = rest[:end]
			msg = rest[end+4:]
		}
	}
	if fe.Line == 0 && fe.Key != "" {
		fe.Line = lineOf(keyLines(src), fe.Key)
	}
	msg = strings.Replace(msg, "incompatible types: ", "wrong type: ", 1)
	// "type mismatch for config.Healthcheck: expected table but found int64"
	fe.Msg = reMismatch.ReplaceAllString(msg, "wrong type: ")
	return fe
}

// FindUp looks for name in dir and its parents and returns its path, or ""
// when there is none.
func FindUp(dir, name string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

func allowedFor(known map[string][]string, key string) []string {
	key = reIndex.ReplaceAllString(key, "")
	parent := ""
	if i := strings.LastIndex(key, "."); i >= 0 {
		parent = key[:i]
	}
	out := known[parent]
	if out == nil {
		out = known[""]
	}
	sort.Strings(out)
	return out
}
