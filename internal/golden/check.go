package golden

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/slipway/slipway/internal/image"
)

// Status is whether one golden image is current, and why not.
type Status struct {
	Name    string   `json:"name"`
	Current bool     `json:"current"`
	Reasons []string `json:"reasons,omitempty"`
	// Digest is the locked digest ("" when never built).
	Digest string `json:"digest,omitempty"`
	// BaseDigest is what the lock says the image was built from;
	// UpstreamDigest what its base resolves to now.
	BaseDigest     string `json:"base_digest,omitempty"`
	UpstreamDigest string `json:"upstream_digest,omitempty"`
}

// Check loads the specs in dir and their lock and tells, per image,
// whether it is current: stale when never built, when its spec (or a file
// it adds) changed since the lock, when its base's digest moved upstream
// (asked of the registry), or when its golden parent was rebuilt since.
func Check(ctx context.Context, dir string, images image.Registry) ([]Status, error) {
	return CheckWith(ctx, dir, images, nil)
}

// ContentCheck tells why a built image is stale by its content (packages
// with newer versions in its distribution's security updates), one reason
// each; nil when it is current.
type ContentCheck func(ctx context.Context, name string, e *LockEntry) ([]string, error)

// CheckWith is Check that also asks content about every locked image.
func CheckWith(ctx context.Context, dir string, images image.Registry, content ContentCheck) ([]Status, error) {
	specs, err := LoadDir(dir)
	if err != nil {
		return nil, err
	}
	plan, err := NewPlan(specs)
	if err != nil {
		return nil, err
	}
	lock, err := ReadLock(filepath.Join(dir, LockFileName))
	if err != nil {
		return nil, err
	}
	return CheckPlanWith(ctx, plan, lock, images, content)
}

// CheckPlan is Check on a loaded plan and lock. Every external base is
// asked of the registry once.
func CheckPlan(ctx context.Context, plan *Plan, lock *Lock, images image.Registry) ([]Status, error) {
	return CheckPlanWith(ctx, plan, lock, images, nil)
}

// CheckPlanWith is CheckPlan with a content check (nil: none).
func CheckPlanWith(ctx context.Context, plan *Plan, lock *Lock, images image.Registry, content ContentCheck) ([]Status, error) {
	upstream := map[string]string{}
	upstreamErr := map[string]error{}
	var out []Status
	for _, s := range plan.Order {
		st := Status{Name: s.Name}
		e := lock.Entry(s.Name)
		if e == nil {
			st.Reasons = append(st.Reasons, "never built: not in golden.lock")
			out = append(out, st)
			continue
		}
		st.Digest, st.BaseDigest = e.Digest, e.BaseDigest
		hash, err := s.Hash()
		if err != nil {
			return nil, err
		}
		if hash != e.SpecHash {
			st.Reasons = append(st.Reasons, fmt.Sprintf("spec changed since it was built (%s or a file it adds)", filepath.Base(s.File)))
		}
		if parent := s.Parent(); parent != "" {
			pe := lock.Entry(parent)
			switch {
			case pe == nil:
				st.Reasons = append(st.Reasons, fmt.Sprintf("golden parent %s is not in golden.lock", parent))
			case pe.Digest != e.BaseDigest:
				st.UpstreamDigest = pe.Digest
				st.Reasons = append(st.Reasons, fmt.Sprintf("golden parent %s was rebuilt: built from %s, %s is now %s", parent, short(e.BaseDigest), parent, short(pe.Digest)))
			}
		} else {
			d, ok := upstream[s.From]
			if _, failed := upstreamErr[s.From]; !ok && !failed {
				d, err = images.Digest(ctx, s.From)
				if err != nil {
					upstreamErr[s.From] = err
				} else {
					upstream[s.From] = d
				}
			}
			switch {
			case upstreamErr[s.From] != nil:
				st.Reasons = append(st.Reasons, fmt.Sprintf("base %s cannot be resolved: %v", s.From, upstreamErr[s.From]))
			case d != e.BaseDigest:
				st.UpstreamDigest = d
				st.Reasons = append(st.Reasons, fmt.Sprintf("base %s moved upstream: built from %s, it is now %s", s.From, short(e.BaseDigest), short(d)))
			default:
				st.UpstreamDigest = d
			}
		}
		if content != nil {
			why, err := content(ctx, s.Name, e)
			if err != nil {
				return nil, err
			}
			st.Reasons = append(st.Reasons, why...)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		st.Current = len(st.Reasons) == 0
		out = append(out, st)
	}
	return out, nil
}

// AnyStale reports whether any status is not current.
func AnyStale(statuses []Status) bool {
	for _, s := range statuses {
		if !s.Current {
			return true
		}
	}
	return false
}

// short abbreviates a digest for messages: sha256:0123456789ab.
func short(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	if d == "" {
		return "(none)"
	}
	return d
}
