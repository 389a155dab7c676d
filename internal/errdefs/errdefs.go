// Package errdefs is the one "bad input" class of slipway (containerd's
// errdefs pattern): an error whose cause is what the user gave (a flag, a
// configuration file, a Dockerfile that does not parse, a file that is not
// an image, an image that breaks its own digests or a limit) implements
// BadInput, and cmd/slipway maps that, in one place, to exit code 2.
//
// A package's own error types keep their fields and messages and add the
// BadInput method; an error with no type of its own is wrapped with
// Invalid. IsBadInput looks through the whole chain (errors.As), so
// wrapping with %w keeps the class.
package errdefs

import "errors"

// BadInput is implemented by errors that mean the input is wrong, not
// that slipway or its environment failed.
type BadInput interface {
	error
	BadInput()
}

// IsBadInput reports whether err, or an error it wraps, is bad input.
func IsBadInput(err error) bool {
	var b BadInput
	return errors.As(err, &b)
}

// Invalid marks err as bad input; nil stays nil.
func Invalid(err error) error {
	if err == nil {
		return nil
	}
	return &invalid{err: err}
}

type invalid struct{ err error }

func (e *invalid) Error() string { return e.err.Error() }
func (e *invalid) Unwrap() error { return e.err }
func (e *invalid) BadInput()     {}
