package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	gname "github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/pflag"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/golden"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/sbom"
	"github.com/slipway/slipway/internal/secupdates"
	"github.com/slipway/slipway/internal/textsafe"
)

// sbomTargets are where `slipway build --sbom` attaches the SBOM: every
// OCI tarball output and every pushed reference. An output that cannot
// carry an attestation (a docker tarball, a filesystem, the daemon's
// store) is refused before the build starts, so the flag is never
// silently dropped.
type sbomTargets struct {
	files []string
	refs  []string
}

func planSBOM(o build.Options) (*sbomTargets, error) {
	t := &sbomTargets{}
	pushedTags := false
	for _, x := range o.Outputs {
		switch x.Type {
		case build.OutputOCI:
			if x.Attrs["tar"] == "false" {
				return nil, fmt.Errorf("--sbom: -o type=oci,tar=false writes a directory; --sbom attaches to an OCI tarball or a pushed image")
			}
			t.files = append(t.files, x.Dest)
		case build.OutputImage:
			if !o.Push && x.Attrs["push"] != "true" {
				return nil, fmt.Errorf("--sbom: -o type=image without push stays in BuildKit's store, where slipway cannot attach an attestation; push it (--push) or write -o type=oci,dest=FILE")
			}
			if n := x.Attrs["name"]; n != "" {
				t.refs = append(t.refs, strings.Split(n, ",")...)
			} else {
				pushedTags = true
			}
		default:
			return nil, fmt.Errorf("--sbom: -o type=%s cannot carry an attestation; use -o type=oci,dest=FILE or push the image", x.Type)
		}
	}
	if o.Push || pushedTags {
		// --push sends the image to every tag, beside any file output.
		for _, tag := range o.Tags {
			if !slices.Contains(t.refs, tag) {
				t.refs = append(t.refs, tag)
			}
		}
	}
	if len(t.files) == 0 && len(t.refs) == 0 {
		return nil, fmt.Errorf("--sbom needs an OCI tarball output (-o type=oci,dest=FILE) or a pushed image (-t REF --push)")
	}
	return t, nil
}

// attachSBOMs makes the SBOM of each built image from its files and
// attaches it as an attestation, saying on w what it holds.
//
// It returns, for each registry target, NAME@DIGEST of the index the tag
// names afterwards: the index lists the image and the SBOM's attestation
// manifest by digest, so --sign signs it too and the SBOM is signed with
// the image.
func attachSBOMs(ctx context.Context, w io.Writer, t *sbomTargets, o build.Options) ([]string, error) {
	var indexes []string
	mo := sbom.MakeOptions{ToolVersion: readVersion().Version}
	name := ""
	if len(o.Tags) > 0 {
		name = o.Tags[0]
	}
	do := func(target string, remote bool) error {
		mo.Name = name
		if remote {
			mo.Name = target
		}
		m, err := sbom.Make(ctx, target, remote, mo)
		if err != nil {
			if image.IsInvalid(err) {
				return withCode(exitFailure, fmt.Errorf("--sbom: %w", err))
			}
			return fmt.Errorf("--sbom: %w", err)
		}
		for _, n := range m.Notes {
			fmt.Fprintf(w, "warning: sbom: %s\n", textsafe.String(n))
		}
		where := textsafe.String(target)
		if m.Index != "" {
			where += " (index " + m.Index + ")"
		}
		fmt.Fprintf(w, "sbom: CycloneDX 1.6, %d components (%s), attached to %s as an attestation of %s\n", m.Total, sbom.CountsText(m.Counts), where, m.Subject)
		if remote && m.Index != "" {
			ref, err := gname.ParseReference(target)
			if err != nil {
				return fmt.Errorf("--sbom: tag %s: %w", target, err)
			}
			indexes = append(indexes, ref.Context().Name()+"@"+m.Index)
		}
		return nil
	}
	for _, f := range t.files {
		if err := do(f, false); err != nil {
			return nil, err
		}
	}
	for _, r := range t.refs {
		if err := do(r, true); err != nil {
			return nil, err
		}
	}
	return indexes, nil
}

// goldenSBOM attaches the SBOM of a golden image just pushed under tag.
func goldenSBOM(ctx context.Context, tag string, log io.Writer) error {
	m, err := sbom.Make(ctx, tag, true, sbom.MakeOptions{Name: tag, ToolVersion: readVersion().Version})
	if err != nil {
		return fmt.Errorf("--sbom: %w", err)
	}
	for _, n := range m.Notes {
		fmt.Fprintf(log, "warning: sbom: %s\n", textsafe.String(n))
	}
	fmt.Fprintf(log, "sbom: CycloneDX 1.6, %d components (%s), attached to %s (index %s)\n", m.Total, sbom.CountsText(m.Counts), textsafe.String(tag), m.Index)
	return nil
}

// securityFlags choose how golden check and golden build --stale compare
// images with their distribution's security updates.
type securityFlags struct {
	on      bool
	indexes []string
}

func (s *securityFlags) add(f *pflag.FlagSet) {
	f.BoolVar(&s.on, "security-updates", true, "also call an image stale when its Debian packages have newer versions in its security suites' package indexes")
	f.StringArrayVar(&s.indexes, "package-index", nil, "compare with this Packages index URL (plain or .gz) instead of the security suites the image's apt sources name (repeatable)")
}

func (s *securityFlags) content() golden.ContentCheck {
	if !s.on {
		return nil
	}
	c := &secupdates.Checker{Indexes: s.indexes}
	return c.Golden
}
