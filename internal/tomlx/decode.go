// Package tomlx is the one strict TOML decoder of slipway: slipway.toml,
// slipway-team.toml, golden specs and their lock, the template manifests
// and the base catalogue all decode through it, so they fail the same way.
//
// Decoding is done by github.com/BurntSushi/toml. Before the value is
// filled, the document (decoded as plain maps) is walked against the Go
// type: every value of the wrong type and every unknown key is reported at
// once, each a *FieldError naming the file, the line and the key path, in
// the user's words ("want a string like \"25MB\", got the number 25"), an
// unknown key with the nearest valid key of its table ("did you mean
// healthcheck?") and the keys allowed there. A syntax error stops the
// walk: it is reported alone, at the position the parser gives.
//
// A struct field may describe the value it wants with a `want` tag
// (`toml:"size_budget" want:"a string like \"25MB\""`); without one the
// wording follows the Go kind (a string, a whole number, true or false, a
// list of strings, a table).
package tomlx

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// Decode decodes the TOML document src (named name in errors) into v,
// refusing unknown keys. The error is nil or an *InvalidError of
// *FieldErrors sorted by line. v is filled only when there is no error or
// OnlyUnknown(err) holds; otherwise it is left as it was.
func Decode(name string, src []byte, v any) (toml.MetaData, error) {
	return decode(name, src, v, true)
}

// DecodeForeign decodes a TOML file slipway reads but does not define
// (pyproject.toml, Cargo.toml, lock files), or reads only in part: keys v
// does not name are ignored, syntax and type errors are reported as Decode
// reports them. v holds what did decode even on error.
func DecodeForeign(name string, src []byte, v any) error {
	_, err := decode(name, src, v, false)
	return err
}

func decode(name string, src []byte, v any, strict bool) (toml.MetaData, error) {
	var doc map[string]any
	md, err := toml.Decode(string(src), &doc)
	if err != nil {
		// A syntax error: nothing after it can be trusted.
		return md, &InvalidError{Errs: []error{syntaxError(name, src, err)}}
	}
	w := &walker{file: name, lines: keyLines(src), strict: strict}
	w.value("", doc, reflect.TypeOf(v), "")
	if w.typeErrs > 0 && strict {
		return md, w.err()
	}
	md, err = toml.Decode(string(src), v)
	if w.typeErrs > 0 {
		// DecodeForeign: v holds what decoded; the walk said what did not.
		return md, w.err()
	}
	if err != nil {
		// A value the walk let through that the decoder refuses (an
		// UnmarshalText error, a key that matched only by case).
		w.errs = append(w.errs, decodeError(name, src, err))
	} else if strict && len(w.errs) == 0 {
		for _, k := range md.Undecoded() {
			w.errs = append(w.errs, &FieldError{File: name, Line: lineOf(w.lines, k.String()), Key: k.String(), Msg: "unknown key", Unknown: true})
		}
	}
	return md, w.err()
}

// walker compares a decoded document with a Go type.
type walker struct {
	file     string
	lines    map[string]int
	strict   bool
	errs     []error
	typeErrs int
}

func (w *walker) err() error {
	if len(w.errs) == 0 {
		return nil
	}
	sort.SliceStable(w.errs, func(i, j int) bool {
		a, b := w.errs[i].(*FieldError), w.errs[j].(*FieldError)
		return a.Line < b.Line
	})
	return &InvalidError{Errs: w.errs}
}

func (w *walker) wrong(path string, data any, t reflect.Type, want string) {
	if want == "" {
		want = describeWant(t)
	}
	msg := fmt.Sprintf("want %s, got %s", want, describeGot(data))
	if s, ok := data.(string); ok && scalar(t) && s != "" {
		msg += "; remove the quotes"
	}
	w.typeErrs++
	w.errs = append(w.errs, &FieldError{File: w.file, Line: lineOf(w.lines, path), Key: path, Msg: msg})
}

var (
	unmarshalerType = reflect.TypeFor[toml.Unmarshaler]()
	textType        = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
	primitiveType   = reflect.TypeFor[toml.Primitive]()
)

// value checks data, found at path, against t. want is the field's own
// description of the value, if it has one.
func (w *walker) value(path string, data any, t reflect.Type, want string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pt := reflect.PointerTo(t)
	switch {
	case t == primitiveType || t.Kind() == reflect.Interface || pt.Implements(unmarshalerType) || t.Implements(unmarshalerType):
		return // the value decodes itself
	case t == timeType:
		if _, ok := data.(time.Time); !ok {
			w.wrong(path, data, t, want)
		}
		return
	case pt.Implements(textType) || t.Implements(textType):
		if _, ok := data.(string); !ok {
			w.wrong(path, data, t, want)
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := data.(map[string]any)
		if !ok {
			w.wrong(path, data, t, want)
			return
		}
		w.table(path, m, t)
	case reflect.Map:
		m, ok := data.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			w.wrong(path, data, t, want)
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			w.value(join(path, k), m[k], t.Elem(), "")
		}
	case reflect.Slice, reflect.Array:
		var items []any
		switch d := data.(type) {
		case []any:
			items = d
		case []map[string]any:
			for _, m := range d {
				items = append(items, m)
			}
		default:
			w.wrong(path, data, t, want)
			return
		}
		if t.Kind() == reflect.Array && len(items) > t.Len() {
			w.wrong(path, data, t, want)
			return
		}
		for i, it := range items {
			w.value(fmt.Sprintf("%s[%d]", path, i), it, t.Elem(), "")
		}
	case reflect.String:
		if _, ok := data.(string); !ok {
			w.wrong(path, data, t, want)
		}
	case reflect.Bool:
		if _, ok := data.(bool); !ok {
			w.wrong(path, data, t, want)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := data.(int64)
		if !ok || reflect.Zero(t).OverflowInt(n) {
			w.wrong(path, data, t, want)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := data.(int64)
		if !ok || n < 0 || reflect.Zero(t).OverflowUint(uint64(n)) {
			w.wrong(path, data, t, want)
		}
	case reflect.Float32, reflect.Float64:
		switch data.(type) {
		case float64, int64:
		default:
			w.wrong(path, data, t, want)
		}
	default:
		w.wrong(path, data, t, want)
	}
}

// table checks the keys of one TOML table against struct t.
func (w *walker) table(path string, m map[string]any, t reflect.Type) {
	fields := fieldsOf(t)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		f, ok := fields[k]
		if !ok {
			if w.strict {
				w.unknown(join(path, k), k, fields)
			}
			continue
		}
		w.value(join(path, k), m[k], f.Type, f.Tag.Get("want"))
	}
}

// unknown reports key (at path) as unknown, with the nearest allowed key
// and the list of those allowed.
func (w *walker) unknown(path, key string, fields map[string]reflect.StructField) {
	allowed := slices.Sorted(maps.Keys(fields))
	list := "this table takes no keys"
	if len(allowed) > 0 {
		list = "allowed here: " + strings.Join(allowed, ", ")
	}
	msg := "unknown key; " + list
	if s := Suggest(key, allowed); s != "" {
		msg = "unknown key; did you mean " + s + "? (" + list + ")"
	}
	w.errs = append(w.errs, &FieldError{File: w.file, Line: lineOf(w.lines, path), Key: path, Msg: msg, Unknown: true})
}

// fieldsOf maps the TOML keys of struct t to its fields, as the decoder
// names them: the toml tag, else the field name; untagged embedded structs
// lend their keys.
func fieldsOf(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("toml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			for k, sf := range fieldsOf(ft) {
				if _, ok := out[k]; !ok {
					out[k] = sf
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

// describeWant says what a value of Go type t looks like in TOML.
func describeWant(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "a date or time (2006-01-02T15:04:05Z)"
	case reflect.PointerTo(t).Implements(textType) || t.Implements(textType):
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string in quotes"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return fmt.Sprintf("a whole number from %d to %d", minInt(t), maxInt(t))
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return "a whole number of 0 or more"
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return fmt.Sprintf("a whole number from 0 to %d", maxUint(t))
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		e := t.Elem()
		for e.Kind() == reflect.Pointer {
			e = e.Elem()
		}
		switch e.Kind() {
		case reflect.String:
			return `a list of strings like ["a", "b"]`
		case reflect.Struct:
			return "an array of tables (one [[...]] section each)"
		}
		return "a list"
	case reflect.Map:
		if t.Elem().Kind() == reflect.String {
			return `a table of strings (a [section] of key = "value" lines)`
		}
		return "a table (a [section])"
	case reflect.Struct:
		return "a table (a [section])"
	}
	return "a value of another type"
}

// scalar says t is a number or a boolean, which TOML writes without quotes.
func scalar(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func minInt(t reflect.Type) int64 { return -1 << (t.Bits() - 1) }
func maxInt(t reflect.Type) int64 { return 1<<(t.Bits()-1) - 1 }
func maxUint(t reflect.Type) uint64 {
	return 1<<t.Bits() - 1
}

// describeGot says what the document holds, in TOML's words; strings are
// quoted with Go's escapes and shortened, so a hostile value prints safely.
func describeGot(data any) string {
	switch d := data.(type) {
	case string:
		return "the string " + quoteShort(d)
	case int64:
		return "the number " + strconv.FormatInt(d, 10)
	case float64:
		return "the number " + strconv.FormatFloat(d, 'g', -1, 64)
	case bool:
		return "the boolean " + strconv.FormatBool(d)
	case time.Time:
		return "a date or time"
	case []any, []map[string]any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return "a value of another type"
}

func quoteShort(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		return strconv.Quote(string(r[:max])) + "…"
	}
	return strconv.Quote(s)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// syntaxError turns a TOML parse error into a FieldError at its line.
func syntaxError(name string, src []byte, err error) *FieldError {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return decodeError(name, src, err)
	}
	msg := pe.Message
	if pe.Usage != "" {
		msg += " (" + strings.TrimSpace(strings.SplitN(pe.Usage, "\n", 2)[0]) + ")"
	}
	line := pe.Position.Line
	if st := pe.Position.Start; st >= 0 && st <= len(src) {
		// The parser counts a line too many when the offending character
		// is the newline that ends a line.
		line = 1 + bytes.Count(src[:st], []byte("\n"))
	}
	return &FieldError{File: name, Line: line, Key: pe.LastKey, Msg: msg}
}

// decodeError turns an error of the decoder's second pass into a
// FieldError: a ParseError (an UnmarshalText refusal) has the key and the
// position; other errors read "toml: line N (last key "k"): ...".
func decodeError(name string, src []byte, err error) *FieldError {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		fe := &FieldError{File: name, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
		if fe.Line == 0 && fe.Key != "" {
			fe.Line = lineOf(keyLines(src), fe.Key)
		}
		return fe
	}
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	fe := &FieldError{File: name}
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
	fe.Msg = msg
	return fe
}
