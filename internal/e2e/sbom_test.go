package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/sbom"
	"github.com/slipway/slipway/internal/sbom/sbomtest"
	"github.com/slipway/slipway/internal/scan"
	"github.com/slipway/slipway/internal/textsafe"
)

// readSBOM reads the CycloneDX attestation of the image src back the way
// scan does, checks it against the official schema, and returns it.
func readSBOM(t *testing.T, src string) (*cdx.BOM, scan.SBOM) {
	t.Helper()
	atts, err := scan.ReadAttestations(context.Background(), src, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found []scan.Attestation
	for _, a := range atts {
		if a.PredicateType == sbom.PredicateType {
			found = append(found, a)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s has %d CycloneDX attestations, want 1 (attestations: %+v)", src, len(found), atts)
	}
	st, err := sbom.ParseStatement(found[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := sbomtest.ValidateJSON(st.Predicate); err != nil {
		t.Fatalf("the SBOM of %s does not validate against the CycloneDX 1.6 schema: %v", src, err)
	}
	bom, err := sbom.Decode(st.Predicate)
	if err != nil {
		t.Fatal(err)
	}
	ss := scan.SBOMs(found)
	return bom, ss[0]
}

func componentVersions(bom *cdx.BOM) map[string]string {
	out := map[string]string{}
	for _, c := range *bom.Components {
		key := c.Name
		if c.Group != "" {
			key = c.Group + "/" + c.Name
		}
		out[strings.SplitN(c.PackageURL, "/", 2)[0]+":"+key] = c.Version
	}
	return out
}

// TestSBOMOfEveryExample builds every example into an OCI tarball, attaches
// its SBOM as `slipway build --sbom` does, and reads it back with scan's
// attestation reader: it validates against the CycloneDX schema and lists
// the image's real packages: the Go example's modules with the versions of
// its go.mod, the Node example's ms at its lock file's version, and the
// Debian packages every base carries. The Go example goes through the CLI,
// to a tarball and to the registry at once.
func TestSBOMOfEveryExample(t *testing.T) {
	l := labtest.Require(t)
	ctx, cl, set := labBuilder(t, 30*time.Minute)
	want := map[string][]string{
		"go":   {"pkg:golang:github.com/google/uuid=v1.6.0", "pkg:golang:example.com/hello-go=", "pkg:golang:stdlib=go1."},
		"node": {"pkg:npm:ms=2.1.3"},
	}
	for _, ex := range examples.All() {
		t.Run(ex.Name, func(t *testing.T) {
			dir := renderExample(t, set, ex)
			img := filepath.Join(t.TempDir(), ex.Name+".tar")
			start := time.Now()
			if ex.Name == "go" {
				ref := fmt.Sprintf("%s/sbom-e2e/hello-go:%d", l.Registry, time.Now().UnixNano())
				r := runSlipway(ctx, t, l.Env(), "build", "--sbom", "--progress=quiet", "-o", "type=oci,dest="+img, "-t", ref, "--push", dir)
				if r.code != 0 {
					t.Fatalf("slipway build --sbom: %s", r)
				}
				if n := strings.Count(r.stderr, "sbom: CycloneDX 1.6"); n != 2 {
					t.Errorf("build said %d times that it attached an SBOM, want 2 (tarball, registry):\n%s", n, r.stderr)
				}
				bom, _ := readSBOM(t, ref)
				checkVersions(t, bom, want[ex.Name])
				sr := runSlipway(ctx, t, l.Env(), "scan", ref)
				if !strings.Contains(sr.stdout, "SBOM sha256:") || !strings.Contains(sr.stdout, "(CycloneDX 1.6)") {
					t.Errorf("slipway scan %s does not report the SBOM:\n%s", ref, sr.stdout)
				}
			} else {
				var progress strings.Builder
				_, err := cl.Build(ctx, build.Options{ContextDir: dir, Secrets: ex.Secrets, RequiredSecrets: ex.SecretIDs(),
					Outputs: []build.Output{{Type: "oci", Dest: img}}, Progress: "plain", ProgressOut: &progress})
				if err != nil {
					t.Fatalf("build: %v\n%s", err, textsafe.Tail(progress.String(), 40))
				}
				if _, err := sbom.Make(ctx, img, false, sbom.MakeOptions{Name: "hello-" + ex.Name, ToolVersion: "e2e"}); err != nil {
					t.Fatal(err)
				}
			}
			bom, sum := readSBOM(t, img)
			checkVersions(t, bom, want[ex.Name])
			if sum.Components["deb"] == 0 {
				t.Errorf("no Debian package of the base listed: %+v", sum)
			}
			sres, err := scan.Run(ctx, scan.RunOptions{Image: img, Dir: dir, Severity: "info", Out: &strings.Builder{}})
			if err != nil {
				t.Fatal(err)
			}
			if len(sres.SBOMs) != 1 || sres.SBOMs[0].Total != sum.Total || len(sres.Findings) != 0 {
				t.Errorf("scan after --sbom: SBOMs %+v, findings %+v", sres.SBOMs, sres.Findings)
			}
			t.Logf("%s: %d components (%s) in %s", ex.Name, sum.Total, sbom.CountsText(sum.Components), time.Since(start).Round(time.Second))
		})
	}
}

// checkVersions checks "pkg:type:name=version" expectations; a version
// ending in "." is a prefix, an empty one means any.
func checkVersions(t *testing.T, bom *cdx.BOM, want []string) {
	t.Helper()
	got := componentVersions(bom)
	for _, w := range want {
		k, v, _ := strings.Cut(w, "=")
		have, ok := got[k]
		switch {
		case !ok:
			t.Errorf("the SBOM has no %s", k)
		case strings.HasSuffix(v, "."):
			if !strings.HasPrefix(have, v) {
				t.Errorf("%s is at %q, want %s...", k, have, v)
			}
		case v != "" && have != v:
			t.Errorf("%s is at %q, want %q", k, have, v)
		}
	}
}

// TestSBOMOfGoldenImage builds the golden base image with
// `slipway golden build --sbom` and reads its SBOM back from the registry:
// the Debian packages the spec installs are listed with their versions.
func TestSBOMOfGoldenImage(t *testing.T) {
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	_, _, e := goldenBase(ctx, t, l, "sbom-golden", "--sbom")
	bom, sum := readSBOM(t, e.Image+":latest")
	got := componentVersions(bom)
	for _, pkg := range []string{"ca-certificates", "tzdata", "libc6", "base-files"} {
		if v := got["pkg:deb:"+pkg]; v == "" {
			t.Errorf("the golden base's SBOM has no Debian package %s (with a version)", pkg)
		}
	}
	if sum.Subject != e.Digest {
		t.Errorf("the SBOM is about %s, the lock names %s", sum.Subject, e.Digest)
	}
	t.Logf("golden base: %d components (%s)", sum.Total, sbom.CountsText(sum.Components))
}
