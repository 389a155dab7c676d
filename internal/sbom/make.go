package sbom

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/image"
)

// Made is an SBOM made for one image and where it was attached.
type Made struct {
	Target  string // the OCI tarball or the registry reference
	Subject string // the image manifest digest it describes
	// Counts are the components by package URL type.
	Counts map[string]int
	Total  int
	// JSON is the CycloneDX document.
	JSON []byte
	// Index is the registry index digest the tag names afterwards ("" for
	// a tarball).
	Index string
	Notes []string
}

// MakeOptions for Make.
type MakeOptions struct {
	Name        string // the image's name for the SBOM (a tag), or ""
	ToolVersion string
	Collect     Options
	Image       image.Options
}

// Make inventories the image target (an OCI tarball path, or a registry
// reference with remote set) and attaches its SBOM there.
func Make(ctx context.Context, target string, isRemote bool, o MakeOptions) (*Made, error) {
	src, err := image.Open(ctx, target, o.Image)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	inv, err := Collect(ctx, src, o.Collect)
	if err != nil {
		return nil, fmt.Errorf("inventorying %s: %w", target, err)
	}
	cfg, err := src.ConfigFile()
	if err != nil {
		return nil, err
	}
	plat := &v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
	subj := Subject{Name: o.Name, Digest: inv.Digest}
	bom := BOM(inv, subj, o.ToolVersion)
	doc, err := Encode(bom)
	if err != nil {
		return nil, err
	}
	stmt, err := NewStatement(subj, doc)
	if err != nil {
		return nil, err
	}
	h, err := v1.NewHash(inv.Digest)
	if err != nil {
		return nil, err
	}
	m := &Made{Target: target, Subject: inv.Digest, Counts: map[string]int{}, JSON: doc, Notes: inv.Notes}
	for _, c := range *bom.Components {
		m.Counts[PURLType(c.PackageURL)]++
		m.Total++
	}
	if !isRemote {
		return m, AttachFile(ctx, target, h, plat, stmt)
	}
	ref, err := image.ParseReference(target, o.Image.Insecure)
	if err != nil {
		return nil, err
	}
	kc := o.Image.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	ropts := []remote.Option{remote.WithAuthFromKeychain(kc)}
	idx, err := AttachRemote(ctx, ref, h, plat, stmt, ropts...)
	if err != nil {
		return nil, err
	}
	m.Index = idx.String()
	return m, nil
}

// PURLType is a package URL's type ("deb", "golang"), or "other".
func PURLType(purl string) string {
	if len(purl) > 4 && purl[:4] == "pkg:" {
		for i := 4; i < len(purl); i++ {
			if purl[i] == '/' {
				return purl[4:i]
			}
		}
	}
	return "other"
}

// CountsText is "deb 87, golang 5, npm 1", sorted by type.
func CountsText(counts map[string]int) string {
	keys := slices.Sorted(maps.Keys(counts))
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k, counts[k])
	}
	return s
}
