package config

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is one problem with one key of a configuration file.
type FieldError struct {
	File string // path of the file, when known
	Line int    // 1-based line of the key, when known
	Key  string // dotted key path, e.g. "secret[1].id"
	Msg  string // what is wrong and what is allowed
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// InvalidError is returned when a file does not parse or does not validate.
// Callers map it to exit code 2.
type InvalidError struct {
	Errs []error
}

func (e *InvalidError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "\n")
}

func (e *InvalidError) Unwrap() []error { return e.Errs }

// IsInvalid reports whether err is (or wraps) a configuration problem.
func IsInvalid(err error) bool {
	var ie *InvalidError
	var fe *FieldError
	return errors.As(err, &ie) || errors.As(err, &fe)
}

// Problems collects FieldErrors during validation; other strictly decoded
// files (golden specs) validate with it too.
type Problems []error

type problems = Problems

// Add records a problem with key.
func (p *Problems) Add(key, format string, args ...any) {
	*p = append(*p, &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (p *Problems) add(key, format string, args ...any) { p.Add(key, format, args...) }

// Err returns the problems as one *InvalidError, or nil.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return &InvalidError{Errs: p}
}

// Locate fills in the file and line of every FieldError inside err, using
// the key positions of the file's source. It returns err unchanged otherwise.
func Locate(err error, file string, src []byte) error {
	if err == nil {
		return nil
	}
	lines := keyLines(src)
	var errs []error
	var ie *InvalidError
	if errors.As(err, &ie) {
		errs = ie.Errs
	} else {
		errs = []error{err}
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		var fe *FieldError
		if errors.As(e, &fe) {
			c := *fe
			if c.File == "" {
				c.File = file
			}
			if c.Line == 0 {
				c.Line = lineOf(lines, c.Key)
			}
			out = append(out, &c)
			continue
		}
		out = append(out, e)
	}
	return &InvalidError{Errs: out}
}

func (p Problems) err() error { return p.Err() }
