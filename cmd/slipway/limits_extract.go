package main

import (
	"fmt"
	"strconv"

	"github.com/docker/go-units"
	"github.com/spf13/pflag"

	"github.com/slipway/slipway/internal/layer"
)

// limitFlags registers the flags that raise (or lower) the limits on an
// image's layers, for verify and scan. Each value is checked when it is
// set, so a bad one is a usage error (exit 2) before anything is read.
func limitFlags(f *pflag.FlagSet, l *layer.Limits) {
	f.Var(&sizeFlag{&l.UnpackedBytes}, "max-unpacked-size",
		"refuse an image whose layers unpack to more than this, all layers together, e.g. 40GB (default "+units.BytesSize(layer.DefaultUnpackedBytes)+")")
	f.Var(&countFlag{&l.Files}, "max-files", fmt.Sprintf("refuse an image whose layers hold more entries than this, all layers together (default %d)", layer.DefaultFiles))
	f.Var(&countFlag{&l.PathDepth}, "max-path-depth", fmt.Sprintf("refuse an entry name with more components than this (default %d; names may be 16 bytes per component, at least %d)", layer.DefaultPathDepth, layer.DefaultPathLen))
}

type sizeFlag struct{ n *int64 }

func (s *sizeFlag) String() string {
	if s.n == nil || *s.n == 0 {
		return ""
	}
	return units.BytesSize(float64(*s.n))
}
func (s *sizeFlag) Type() string { return "size" }
func (s *sizeFlag) Set(v string) error {
	n, err := units.RAMInBytes(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a size: use e.g. 40GB or 512MiB", v)
	}
	*s.n = n
	return nil
}

type countFlag struct{ n *int }

func (c *countFlag) String() string {
	if c.n == nil || *c.n == 0 {
		return ""
	}
	return strconv.Itoa(*c.n)
}
func (c *countFlag) Type() string { return "count" }
func (c *countFlag) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a positive whole number", v)
	}
	*c.n = n
	return nil
}
