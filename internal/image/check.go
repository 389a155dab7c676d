package image

import (
	"context"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// CheckLayers reads every layer of img to its end, uncompressed, and
// returns the first mismatch with its digests or diff IDs. A caller that
// hands layers to code which may drop a read error (go-containerregistry's
// mutate.Extract writes a tar's end marker before the error it met) calls
// it first, so a replaced blob is refused before anything is unpacked.
func CheckLayers(ctx context.Context, img v1.Image) error {
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, ctxReader{ctx, rc})
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if IsInvalid(err) {
				return err
			}
			return fmt.Errorf("reading layer %d: %w", i+1, err)
		}
	}
	return nil
}
