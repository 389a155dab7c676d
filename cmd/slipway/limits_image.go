package main

import (
	"fmt"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/image"
)

// addImageLimits gives a command that reads images (scan, verify) the
// flags that raise image.Limits, and makes its context carry them (with
// the command's stderr for warnings) before RunE runs.
func addImageLimits(c *cobra.Command) {
	d := image.DefaultLimits
	var manifest, config string
	var depth int
	f := c.Flags()
	f.StringVar(&manifest, "max-manifest-size", units.BytesSize(float64(d.MaxManifestSize)),
		"largest index.json, index or image manifest (or docker save manifest.json) read, e.g. 16MiB")
	f.StringVar(&config, "max-config-size", units.BytesSize(float64(d.MaxConfigSize)), "largest image config read, e.g. 32MiB")
	f.IntVar(&depth, "max-index-depth", d.MaxIndexDepth, "deepest nesting of image indexes below index.json followed")
	prev := c.PreRunE
	c.PreRunE = func(cmd *cobra.Command, args []string) error {
		l := d
		for _, s := range []struct {
			flag, val string
			dst       *int64
		}{{"--max-manifest-size", manifest, &l.MaxManifestSize}, {"--max-config-size", config, &l.MaxConfigSize}} {
			n, err := units.RAMInBytes(s.val)
			if err != nil || n <= 0 {
				return &usageError{err: fmt.Errorf("%s %q is not a size: use e.g. 4MiB or 16MB", s.flag, s.val), cmd: cmd}
			}
			*s.dst = n
		}
		if depth < 1 {
			return &usageError{err: fmt.Errorf("--max-index-depth %d: at least 1", depth), cmd: cmd}
		}
		l.MaxIndexDepth = depth
		cmd.SetContext(image.WithSettings(cmd.Context(), image.Settings{Limits: l, Warn: cmd.ErrOrStderr()}))
		if prev != nil {
			return prev(cmd, args)
		}
		return nil
	}
}
