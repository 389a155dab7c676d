package errdefs

import (
	"errors"
	"fmt"
	"testing"
)

type ownError struct{}

func (ownError) Error() string { return "own" }
func (ownError) BadInput()     {}

func TestIsBadInput(t *testing.T) {
	base := errors.New("port: not a number")
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{base, false},
		{Invalid(base), true},
		{fmt.Errorf("reading slipway.toml: %w", Invalid(base)), true},
		{ownError{}, true},
		{fmt.Errorf("a: %w", fmt.Errorf("b: %w", ownError{})), true},
		{errors.Join(base, Invalid(base)), true},
		{fmt.Errorf("not wrapped: %v", Invalid(base)), false},
	} {
		if got := IsBadInput(c.err); got != c.want {
			t.Errorf("IsBadInput(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if Invalid(nil) != nil {
		t.Error("Invalid(nil) is not nil")
	}
	if e := Invalid(base); e.Error() != base.Error() || !errors.Is(e, base) {
		t.Errorf("Invalid changes the message or loses the cause: %v", e)
	}
}
