package sbom

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"
)

// Why CycloneDX: its JSON schema is published inside its official Go
// module (the schema slipway's tests validate against comes from the
// module the proxy serves), package URLs and per-component properties are
// first-class, and its in-toto predicate type is registered. SPDX would
// do as well for the content; its schema is not shipped with its Go
// library.

// PredicateType is the in-toto predicate type of a CycloneDX SBOM.
const PredicateType = "https://cyclonedx.org/bom"

// Property names slipway sets on components.
const (
	PropPath   = "slipway:path"   // a file the package was read from
	PropSource = "slipway:source" // a Debian package's source package
)

// Subject names the image an SBOM describes.
type Subject struct {
	Name   string // the image reference (a tag), or ""
	Digest string // the image manifest digest
}

// BOM turns an inventory into a CycloneDX 1.6 document. It is
// deterministic: no timestamp, components sorted, a serial number derived
// from the image digest, so the same image gives the same bytes.
func BOM(inv *Inventory, subj Subject, toolVersion string) *cdx.BOM {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.JSONSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	sum := sha256.Sum256([]byte("slipway-sbom:" + inv.Digest))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x50 // a name-based (version 5 style) UUID
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	bom.SerialNumber = fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
	name := subj.Name
	if name == "" {
		name = "image"
	}
	root := cdx.Component{BOMRef: "image", Type: cdx.ComponentTypeContainer, Name: name, Version: inv.Digest}
	if inv.OS != "" {
		root.Properties = &[]cdx.Property{{Name: "slipway:os", Value: strings.TrimSpace(inv.OS + " " + inv.OSVer)}}
	}
	bom.Metadata = &cdx.Metadata{
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "slipway", Version: toolVersion}}},
		Component: &root,
	}
	byRef := map[string]*cdx.Component{}
	var refs []string
	for _, p := range inv.Packages {
		purl := PURL(p, inv)
		c, ok := byRef[purl]
		if !ok {
			c = &cdx.Component{BOMRef: purl, Type: cdx.ComponentTypeLibrary, Group: p.Namespace, Name: p.Name, Version: p.Version, PackageURL: purl, Properties: &[]cdx.Property{}}
			if p.Type == Deb {
				c.Group = ""
			}
			byRef[purl] = c
			refs = append(refs, purl)
		}
		if p.Main {
			c.Type = cdx.ComponentTypeApplication
		}
		props := append(*c.Properties, cdx.Property{Name: PropPath, Value: p.Path})
		if p.Source != "" && p.Source != p.Name && !hasProp(props, PropSource) {
			props = append(props, cdx.Property{Name: PropSource, Value: p.Source})
		}
		c.Properties = &props
	}
	sort.Strings(refs)
	comps := make([]cdx.Component, 0, len(refs))
	deps := []string{}
	for _, r := range refs {
		c := byRef[r]
		sort.Slice(*c.Properties, func(i, j int) bool {
			a, b := (*c.Properties)[i], (*c.Properties)[j]
			return a.Name < b.Name || (a.Name == b.Name && a.Value < b.Value)
		})
		comps = append(comps, *c)
		deps = append(deps, r)
	}
	bom.Components = &comps
	bom.Dependencies = &[]cdx.Dependency{{Ref: "image", Dependencies: &deps}}
	return bom
}

func hasProp(ps []cdx.Property, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}

// PURL is the package URL of p.
func PURL(p Package, inv *Inventory) string {
	var q packageurl.Qualifiers
	ns := p.Namespace
	name := p.Name
	switch p.Type {
	case Deb:
		ns = "debian"
		if inv.OS != "" {
			ns = inv.OS
		}
		m := map[string]string{}
		if p.Arch != "" {
			m["arch"] = p.Arch
		}
		if inv.OS != "" && inv.OSVer != "" {
			m["distro"] = inv.OS + "-" + inv.OSVer
		}
		q = packageurl.QualifiersFromMap(m)
	case Golang:
		// pkg:golang/github.com/google/uuid@v1.6.0: the module path's
		// last element is the name, the rest the namespace.
		if i := strings.LastIndex(name, "/"); i >= 0 {
			ns, name = name[:i], name[i+1:]
		}
	case PyPI:
		// PEP 503 normalised, as the purl spec says for pypi.
		name = strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(name))
	}
	return packageurl.NewPackageURL(p.Type, ns, name, p.Version, q, "").ToString()
}

// Encode writes the BOM as JSON.
func Encode(bom *cdx.BOM) ([]byte, error) {
	var b bytes.Buffer
	if err := cdx.NewBOMEncoder(&b, cdx.BOMFileFormatJSON).SetPretty(false).Encode(bom); err != nil {
		return nil, fmt.Errorf("encoding the SBOM: %w", err)
	}
	return b.Bytes(), nil
}

// Decode reads a CycloneDX JSON document.
func Decode(data []byte) (*cdx.BOM, error) {
	bom := new(cdx.BOM)
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(bom); err != nil {
		return nil, fmt.Errorf("decoding the CycloneDX SBOM: %w", err)
	}
	if bom.BOMFormat != cdx.BOMFormat {
		return nil, fmt.Errorf("decoding the CycloneDX SBOM: bomFormat is %q, not %q", bom.BOMFormat, cdx.BOMFormat)
	}
	return bom, nil
}
