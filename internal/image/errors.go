package image

import (
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// InvalidError is bad input: an image whose structure is malformed,
// refused by a limit, or whose bytes do not match their digests. Commands
// exit 2 on it (IsInvalid). File names what was being read: a path, a
// member of a tarball, or a blob.
type InvalidError struct {
	File string
	Err  error
}

func (e *InvalidError) Error() string {
	if e.File == "" {
		return e.Err.Error()
	}
	return e.File + ": " + e.Err.Error()
}
func (e *InvalidError) Unwrap() error { return e.Err }
func (e *InvalidError) BadInput()     {}

// DigestError is a blob whose bytes are not the ones its descriptor
// names: a different digest, or a different size (Got is then the zero
// hash and the sizes say what differs).
type DigestError struct {
	// What is the role of the blob: "manifest", "config", "layer 2
	// (compressed)", "layer 2 (uncompressed, diff ID)".
	What string
	// File is where the bytes were read from.
	File      string
	Want, Got v1.Hash
	// WantSize and GotSize are set for a size mismatch (GotSize may be a
	// lower bound: reading stops one byte past the declared size).
	WantSize, GotSize int64
}

func (e *DigestError) Error() string {
	if e.GotSize != e.WantSize {
		got := ""
		if e.Got != (v1.Hash{}) {
			got = " with digest " + e.Got.String()
		}
		return fmt.Sprintf("%s: %s %s is %s bytes%s, but its descriptor says %d: the blob was replaced or damaged",
			e.File, e.What, e.Want, sizeText(e.GotSize, e.WantSize), got, e.WantSize)
	}
	return fmt.Sprintf("%s: %s has digest %s, but the image names it %s: the blob was replaced or damaged",
		e.File, e.What, e.Got, e.Want)
}
func (e *DigestError) BadInput() {}

func sizeText(got, want int64) string {
	if got > want {
		return fmt.Sprintf("more than %d", want)
	}
	return fmt.Sprint(got)
}

// IsInvalid reports whether err is bad input (exit 2): an InvalidError or
// a DigestError anywhere in its chain.
func IsInvalid(err error) bool {
	var ie *InvalidError
	var de *DigestError
	return errors.As(err, &ie) || errors.As(err, &de)
}

func invalid(file, format string, args ...any) error {
	return &InvalidError{File: file, Err: fmt.Errorf(format, args...)}
}
