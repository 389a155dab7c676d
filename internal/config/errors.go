package config

import (
	"errors"
	"fmt"

	"github.com/slipway/slipway/internal/tomlx"
)

// FieldError is one problem with one key of a configuration file; it is
// tomlx's, so a decoding problem and a validation problem are one class.
type FieldError = tomlx.FieldError

// InvalidError is returned when a file does not parse or does not
// validate: every problem, one per line. Callers map it to exit code 2.
type InvalidError = tomlx.InvalidError

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
				c.Line = tomlx.LineOf(src, c.Key)
			}
			out = append(out, &c)
			continue
		}
		out = append(out, e)
	}
	return &InvalidError{Errs: out}
}

func (p Problems) err() error { return p.Err() }
