// Package money adds and formats amounts of one currency in units and nanos,
// the way the shop's services exchange them.
package money

import (
	"errors"
	"fmt"
)

const nanosPerUnit = 1_000_000_000

// Money is an amount: whole units and billionths of a unit, both of one sign.
type Money struct {
	Currency string `json:"currencyCode"`
	Units    int64  `json:"units"`
	Nanos    int32  `json:"nanos"`
}

// ErrMismatch is returned when two amounts of different currencies are added.
var ErrMismatch = errors.New("currencies differ")

// Sum adds a and b.
func Sum(a, b Money) (Money, error) {
	if a.Currency != b.Currency {
		return Money{}, ErrMismatch
	}
	n := int64(a.Nanos) + int64(b.Nanos)
	u := a.Units + b.Units + n/nanosPerUnit
	n %= nanosPerUnit
	return Money{a.Currency, u, int32(n)}, nil
}

// MultiplySlow multiplies m by a small count by repeated addition.
func MultiplySlow(m Money, n int) Money {
	out := Money{Currency: m.Currency}
	for range n {
		out, _ = Sum(out, m)
	}
	return out
}

// String formats m as "USD 12.50".
func (m Money) String() string {
	return fmt.Sprintf("%s %d.%02d", m.Currency, m.Units, m.Nanos/10_000_000)
}
