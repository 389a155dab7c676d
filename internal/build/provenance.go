package build

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseProvenance reads a --provenance value in any of the forms buildx
// accepts for it, and returns the mode Options.Provenance takes: "" (no
// attestation), "min" or "max".
//
//	true, 1          a min-mode attestation (buildx's default mode)
//	false, 0, ""     none
//	min, max         that mode
//	mode=min|max     that mode, as buildx's --provenance=mode=max
//
// Anything else (another key, an unknown mode) is an error naming the
// forms allowed, never ignored.
func ParseProvenance(s string) (string, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return "", nil
	}
	if b, err := strconv.ParseBool(v); err == nil {
		if b {
			return "min", nil
		}
		return "", nil
	}
	if m, ok := strings.CutPrefix(v, "mode="); ok {
		v = m
	}
	switch v {
	case "min", "max":
		return v, nil
	}
	return "", fmt.Errorf("--provenance %q: want true, false, min, max, mode=min or mode=max", s)
}
