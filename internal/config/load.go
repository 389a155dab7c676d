package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	err := decodeStrict(name, src, &p)
	var unknown *InvalidError
	if err != nil && !errors.As(err, &unknown) {
		return nil, err
	}
	// Unknown keys and invalid values are reported together.
	var errs []error
	if unknown != nil {
		errs = append(errs, unknown.Errs...)
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
	md, err := toml.Decode(string(src), v)
	if err != nil {
		// A syntax or type error: nothing else can be trusted.
		return tomlError(name, src, err)
	}
	undecoded := md.Undecoded()
	if len(undecoded) == 0 {
		return nil
	}
	lines := keyLines(src)
	known := knownKeys(v)
	var errs []error
	seen := map[string]bool{}
	for _, k := range undecoded {
		key := k.String()
		// Report a whole unknown table once, not each key below it.
		parent := key
		if i := strings.Index(key, "."); i > 0 {
			parent = key[:i]
		}
		if seen[parent] {
			continue
		}
		seen[key] = true
		errs = append(errs, &FieldError{
			File: name,
			Line: lineOf(lines, key),
			Key:  key,
			Msg:  "unknown key; allowed here: " + strings.Join(allowedFor(known, key), ", "),
		})
	}
	return &InvalidError{Errs: errs}
}

// tomlError turns a TOML syntax or type error into a FieldError.
func tomlError(name string, src []byte, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.Usage != "" {
			msg += " (" + strings.TrimSpace(strings.SplitN(pe.Usage, "\n", 2)[0]) + ")"
		}
		return &FieldError{File: name, Line: pe.Position.Line, Key: pe.LastKey, Msg: msg}
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
	fe.Msg = strings.Replace(msg, "incompatible types: ", "wrong type: ", 1)
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
