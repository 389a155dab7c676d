package scan

import (
	"fmt"
	"io"

	"github.com/slipway/slipway/internal/sbom"
	"github.com/slipway/slipway/internal/textsafe"
)

// SBOM is an SBOM attestation of the scanned image, as scan reports it.
type SBOM struct {
	Manifest, Subject string
	PredicateType     string
	// Format is "CycloneDX 1.6" or "SPDX" (BuildKit's own scanner).
	Format string
	// Components counts the packages by package URL type; Total is their
	// sum. Zero for an SPDX document (reported, not read).
	Components map[string]int
	Total      int
	Problem    string
}

// spdxPredicate is BuildKit's own SBOM attestation (its scanner writes SPDX).
const spdxPredicate = "https://spdx.dev/Document"

// SBOMs reads back the SBOM attestations among atts: slipway's CycloneDX
// ones are decoded and counted; an SPDX one is reported as present.
func SBOMs(atts []Attestation) []SBOM {
	var out []SBOM
	for _, a := range atts {
		s := SBOM{Manifest: a.Manifest, Subject: a.Subject, PredicateType: a.PredicateType, Problem: a.Problem}
		switch a.PredicateType {
		case sbom.PredicateType:
			s.Format = "CycloneDX"
		case spdxPredicate:
			s.Format = "SPDX"
		default:
			continue
		}
		if a.Problem == "" && s.Format == "CycloneDX" {
			st, err := sbom.ParseStatement(a.Data)
			if err == nil {
				b, derr := sbom.Decode(st.Predicate)
				if derr != nil {
					err = derr
				} else {
					s.Format = "CycloneDX " + b.SpecVersion.String()
					s.Components = map[string]int{}
					if b.Components != nil {
						for _, c := range *b.Components {
							s.Components[sbom.PURLType(c.PackageURL)]++
							s.Total++
						}
					}
				}
			}
			if err != nil {
				s.Problem = err.Error()
			}
		}
		out = append(out, s)
	}
	return out
}

// writeSBOMs prints one line per SBOM attestation.
func writeSBOMs(w io.Writer, ss []SBOM) {
	for _, s := range ss {
		switch {
		case s.Problem != "":
			fmt.Fprintf(w, "SBOM %s (%s): not readable: %s\n", textsafe.String(s.Manifest), textsafe.String(s.Format), textsafe.String(s.Problem))
		case s.Components != nil:
			fmt.Fprintf(w, "SBOM %s (%s) of %s: %d components (%s)\n", textsafe.String(s.Manifest), textsafe.String(s.Format), textsafe.String(s.Subject), s.Total, textsafe.String(sbom.CountsText(s.Components)))
		default:
			fmt.Fprintf(w, "SBOM %s (%s) of %s\n", textsafe.String(s.Manifest), textsafe.String(s.Format), textsafe.String(s.Subject))
		}
	}
}
