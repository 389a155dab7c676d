package golden

import (
	"context"
	"errors"
	"fmt"

	"github.com/slipway/slipway/internal/config"
)

// verifyBases asks o.VerifyBase about each selected spec's base; every
// refusal is reported (joined), each prefixed with the spec's file and
// the line of its from key.
func verifyBases(ctx context.Context, o BuildOptions, selected []*Spec, inRun map[string]bool, bases map[string]Base, old *Lock) error {
	if o.VerifyBase == nil {
		return nil
	}
	var errs []error
	for _, s := range selected {
		image, digest := "", ""
		if parent := s.Parent(); parent != "" {
			if inRun[parent] {
				continue
			}
			e := old.Entry(parent)
			if e == nil {
				continue // reported before
			}
			image, digest = e.Image+"@"+e.Digest, e.Digest // pinned: the lock names the digest
		} else {
			b, ok := bases[s.Name]
			if !ok {
				continue
			}
			image, digest = s.From, b.Digest
		}
		if err := o.VerifyBase(ctx, image, digest); err != nil {
			var where string
			if fe, ok := locate(s, "from", "").(*config.FieldError); ok && fe.Line > 0 {
				where = fmt.Sprintf("%s:%d: ", fe.File, fe.Line)
			} else {
				where = s.File + ": "
			}
			errs = append(errs, fmt.Errorf("%sgolden image %s: %w", where, s.Name, err))
		}
	}
	return errors.Join(errs...)
}
