package tomlx

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is one problem with one key of a file: a syntax error, a
// value of the wrong type, an unknown key, or (for config's validators) a
// value that is not allowed.
type FieldError struct {
	File string // path of the file, when known
	Line int    // 1-based line of the key, when known
	Key  string // dotted key path, e.g. "secret[1].id"
	Msg  string // what is wrong and what is allowed
	// Unknown says the key is not one the file's format has; the rest of
	// the document was still decoded.
	Unknown bool
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

// InvalidError joins every problem found in a file (or a set of values),
// one per line. Callers map it to exit code 2.
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

// BadInput marks a configuration problem as bad input (exit 2).
func (e *InvalidError) BadInput() {}

// BadInput marks a problem with one key as bad input (exit 2).
func (e *FieldError) BadInput() {}

// OnlyUnknown reports whether every problem in err is an unknown key, so
// that the value Decode filled is complete and can be validated further.
func OnlyUnknown(err error) bool {
	var ie *InvalidError
	if !errors.As(err, &ie) || len(ie.Errs) == 0 {
		return false
	}
	for _, e := range ie.Errs {
		var fe *FieldError
		if !errors.As(e, &fe) || !fe.Unknown {
			return false
		}
	}
	return true
}
