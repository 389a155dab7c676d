package sign

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/config"
)

// Policy is a team's [[trusted_key]] tables with their keys loaded.
type Policy struct {
	groups [][]trusted
}

type trusted struct {
	cfg config.TrustedKey
	key Key
}

// NewPolicy loads the public keys of the team's trusted_key tables. A key
// that does not load is bad input naming the team file and line.
func NewPolicy(t *config.Team) (*Policy, error) {
	p := &Policy{}
	if t == nil {
		return p, nil
	}
	var errs []error
	for _, g := range t.TrustedKeyGroups() {
		var group []trusted
		for _, k := range g {
			v, err := LoadVerifier(k.Path)
			if err != nil {
				errs = append(errs, &config.FieldError{File: k.File, Line: k.Line, Key: "trusted_key.key", Msg: err.Error()})
				continue
			}
			group = append(group, trusted{cfg: k, key: Key{Name: k.Key, Verifier: v}})
		}
		p.groups = append(p.groups, group)
	}
	if len(errs) > 0 {
		return nil, &config.InvalidError{Errs: errs}
	}
	return p, nil
}

// Empty reports whether the team trusts no key (nothing is verified).
func (p *Policy) Empty() bool { return p == nil || len(p.groups) == 0 }

// Covers reports whether the policy asks for a signature on image.
func (p *Policy) Covers(image string) bool { return len(p.keysFor(image)) > 0 }

// keysFor returns, per team file covering image, the keys it trusts for it.
func (p *Policy) keysFor(image string) [][]Key {
	if p == nil {
		return nil
	}
	var out [][]Key
	for _, g := range p.groups {
		var keys []Key
		for _, t := range g {
			if t.cfg.Covers(image) {
				keys = append(keys, t.key)
			}
		}
		if len(keys) > 0 {
			out = append(out, keys)
		}
	}
	return out
}

// Digest resolves image to the digest it names: the digest written in it,
// else what its tag points at now (a HEAD request).
func Digest(ctx context.Context, image string, o Options) (string, error) {
	if d, err := name.NewDigest(image); err == nil {
		return d.DigestStr(), nil
	}
	ref, err := o.Resolve.resolve(image)
	if err != nil {
		return "", err
	}
	desc, err := remote.Head(ref, o.remote(ctx)...)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", image, err)
	}
	return desc.Digest.String(), nil
}

// Check verifies image (pinned or not: digest "" resolves its tag) against
// every team file that covers it. It returns nil, nil when none does; a
// *RefusedError when a file's keys did not sign that digest.
func (p *Policy) Check(ctx context.Context, image, digest string, o Options) ([]*Status, error) {
	groups := p.keysFor(image)
	if len(groups) == 0 {
		return nil, nil
	}
	if digest == "" {
		d, err := Digest(ctx, image, o)
		if err != nil {
			return nil, err
		}
		digest = d
	}
	var out []*Status
	for _, keys := range groups {
		st, err := Verify(ctx, image, digest, keys, o)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		if !st.OK() {
			return out, &RefusedError{Image: image, Status: st, Keys: keyNames(keys)}
		}
	}
	return out, nil
}

func keyNames(keys []Key) []string {
	var s []string
	for _, k := range keys {
		s = append(s, k.Name)
	}
	return s
}

// RefusedError is an image the team's trusted keys did not sign: a policy
// refusal (the command exits 1, as for any team floor).
type RefusedError struct {
	// Where names the FROM line ("Dockerfile:3") or the golden spec.
	Where  string
	Image  string
	Status *Status
	Keys   []string
}

func (e *RefusedError) Error() string {
	var b strings.Builder
	if e.Where != "" {
		b.WriteString(e.Where + ": ")
	}
	fmt.Fprintf(&b, "%s is not signed by a trusted key: %s", e.Image, e.Status.Reason)
	switch e.Status.Reason {
	case Unsigned:
		fmt.Fprintf(&b, " (no signature for %s", e.Status.Digest)
		if _, err := name.NewDigest(e.Image); err != nil {
			b.WriteString(", the digest its tag points at now")
		}
		b.WriteString(")")
	case WrongKey:
		fmt.Fprintf(&b, " (%d signature(s) for %s, none by %s)", e.Status.Signatures, e.Status.Digest, strings.Join(e.Keys, ", "))
	default:
		if e.Status.Detail != "" {
			fmt.Fprintf(&b, " (%s)", e.Status.Detail)
		}
	}
	return b.String()
}
