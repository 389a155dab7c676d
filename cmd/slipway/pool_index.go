package main

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/pool"
)

// buildSplit builds a pushed multi-platform image whose platforms no one
// daemon of the pool runs natively: each platform on a native daemon,
// pushed by digest to the first tag's repository, then one OCI index of
// them pushed under every tag. It reports false when the build is not of
// that kind (one platform, a daemon that runs them all, no push, or
// outputs of its own), and the caller builds it whole.
func (b *poolBuilder) buildSplit(ctx context.Context, k pool.Key, o build.Options) (*build.Result, bool, error) {
	if !o.Push || len(o.Tags) == 0 || len(o.Outputs) > 0 {
		return nil, false, nil
	}
	parts := b.p.SplitByPlatform(ctx, pool.Job{Name: k.Label(), Key: k, Options: o})
	if parts == nil {
		return nil, false, nil
	}
	first, err := parseRef(o.Tags[0])
	if err != nil {
		return nil, true, err
	}
	repo := first.Context()
	for i := range parts {
		po := &parts[i].Options
		po.Tags, po.Push = nil, false
		po.CacheTo = nil
		for _, c := range o.CacheTo {
			po.CacheTo = append(po.CacheTo, pool.ForPlatform(c, po.Platforms[0]))
		}
		po.Outputs = []build.Output{{Type: build.OutputImage, Attrs: map[string]string{
			"name": repo.Name(), "push": "true", "push-by-digest": "true",
		}}}
	}
	var digests []string
	for _, out := range b.p.Run(ctx, parts, len(parts)) {
		reportOutcome(b.w, &out)
		if out.Err != nil {
			return nil, true, fmt.Errorf("%s: %w", out.Name, out.Err)
		}
		if out.Result == nil || out.Result.ImageDigest == "" {
			return nil, true, fmt.Errorf("%s: the build pushed no image", out.Name)
		}
		digests = append(digests, out.Result.ImageDigest)
	}
	d, err := pushIndex(ctx, repo, o.Tags, digests)
	if err != nil {
		return nil, true, err
	}
	fmt.Fprintf(b.w, "builder: %s: %d platforms joined in index %s\n", k.Label(), len(parts), d)
	return &build.Result{ImageDigest: d}, true, nil
}

// pushIndex writes an OCI index of the images at repo@digests (each a
// manifest, or an index whose platform manifests are taken) under every
// tag, and returns its digest.
func pushIndex(ctx context.Context, repo name.Repository, tags, digests []string) (string, error) {
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	var adds []mutate.IndexAddendum
	for _, d := range digests {
		desc, err := remote.Get(repo.Digest(d), opts...)
		if err != nil {
			return "", fmt.Errorf("reading %s@%s back: %w", repo, d, err)
		}
		if desc.MediaType.IsIndex() {
			idx, err := desc.ImageIndex()
			if err != nil {
				return "", err
			}
			im, err := idx.IndexManifest()
			if err != nil {
				return "", err
			}
			for _, m := range im.Manifests {
				if m.Platform == nil || m.Platform.OS == "unknown" {
					continue // an attestation manifest
				}
				img, err := idx.Image(m.Digest)
				if err != nil {
					return "", err
				}
				adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{MediaType: m.MediaType, Platform: m.Platform}})
			}
			continue
		}
		img, err := desc.Image()
		if err != nil {
			return "", err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return "", err
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
			MediaType: desc.MediaType,
			Platform:  &v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant},
		}})
	}
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	for _, t := range tags {
		ref, err := parseRef(t)
		if err != nil {
			return "", err
		}
		if err := remote.WriteIndex(ref, idx, opts...); err != nil {
			return "", fmt.Errorf("pushing the index to %s: %w", t, err)
		}
	}
	d, err := idx.Digest()
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// parseRef parses an image reference; a registry on loopback is spoken to
// over plain HTTP, as BuildKit's insecure registries are.
func parseRef(s string) (name.Reference, error) {
	r, err := name.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", s, err)
	}
	host := r.Context().RegistryStr()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); (ip != nil && ip.IsLoopback()) || host == "localhost" {
		return name.ParseReference(s, name.Insecure)
	}
	return r, nil
}
