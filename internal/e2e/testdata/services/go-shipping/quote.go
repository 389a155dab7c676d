package main

import (
	"fmt"
	"hash/fnv"
	"math"
)

// quote is a price in dollars and cents.
type quote struct {
	Dollars uint32 `json:"dollars"`
	Cents   uint32 `json:"cents"`
}

// quoteFor prices a parcel of count items: a flat rate plus a little per item.
func quoteFor(count int) quote {
	if count == 0 {
		return quote{}
	}
	v := 8.99 + 0.5*float64(count-1)
	d, f := math.Modf(v)
	return quote{uint32(d), uint32(math.Round(f * 100))}
}

// trackingID derives a tracking id from a seed string.
func trackingID(seed string) string {
	h := fnv.New64a()
	h.Write([]byte(seed))
	s := h.Sum64()
	return fmt.Sprintf("%c%c-%d-%d", 'A'+rune(s%26), 'A'+rune(s/26%26), s%100000, s/100000%1000000)
}
