package scan

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipway/slipway/internal/image"
)

// A made-up GitHub token, never issued, and the build arg it hides under.
var attestToken = "ghp_" + strings.Repeat("Pr0v", 9)

// provenance is a SLSA v1 statement in the shape BuildKit writes with
// mode=max: build args under externalParameters.request.args, and the
// RUN's environment in the LLB definition.
func provenance(args map[string]string, env ...string) []byte {
	a := map[string]string{}
	for k, v := range args {
		a["build-arg:"+k] = v
	}
	st := map[string]any{
		"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1", "subject": []any{},
		"predicate": map[string]any{"buildDefinition": map[string]any{
			"externalParameters": map[string]any{"request": map[string]any{"frontend": "dockerfile.v0", "args": a,
				"secrets": []any{map[string]string{"id": "netrc"}}}},
			"internalParameters": map[string]any{"buildConfig": map[string]any{"llbDefinition": []any{
				map[string]any{"id": "step0", "op": map[string]any{"exec": map[string]any{"meta": map[string]any{"env": env}}}},
			}}},
		}},
	}
	b, _ := json.Marshal(st)
	return b
}

// attested is an index in BuildKit's shape: index.json names an index
// holding the image and its attestation manifest (one in-toto layer per
// statement).
func attested(t *testing.T, stmts ...[]byte) (outer, inner v1.ImageIndex) {
	t.Helper()
	img := build(t, goodConfig(), nil, layer(t, baseEntries()...))
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	att := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	for i, s := range stmts {
		pt := "https://slsa.dev/provenance/v1"
		if i > 0 {
			pt = "https://spdx.dev/Document"
		}
		att, err = mutate.Append(att, mutate.Addendum{Layer: static.NewLayer(s, mediaTypeInToto), Annotations: map[string]string{annotPredicateType: pt}})
		if err != nil {
			t.Fatal(err)
		}
	}
	inner = mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
			Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
			Annotations: map[string]string{annotRefType: refTypeAttestation, annotRefDigest: d.String()},
		}})
	outer = mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{Add: inner})
	return outer, inner
}

func writeLayout(t *testing.T, idx v1.ImageIndex) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	if _, err := layout.Write(dir, idx); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tarDir writes dir as a tarball (gzipped when gz), files only.
func tarDir(t *testing.T, dir string, gz bool) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "image.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Typeflag: tar.TypeReg, Mode: 0o444, Size: int64(len(b))}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if gz {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		zw.Write(out)
		zw.Close()
		out, dst = zb.Bytes(), dst+".gz"
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func attestFindings(t *testing.T, src string) []string {
	t.Helper()
	as, err := ReadAttestations(context.Background(), src, image.Options{})
	if err != nil {
		t.Fatalf("ReadAttestations(%s): %v", src, err)
	}
	s := &scanner{name: src}
	s.attestations(as)
	var out []string
	for _, f := range s.findings {
		out = append(out, f.RuleID+" "+f.Message)
	}
	return out
}

// TestAttestationsEverywhere: a credential under an innocent build-arg
// name in a provenance statement is found in an OCI layout directory, its
// tarball (plain and gzipped) and a registry index, named by the arg,
// never shown; a clean SBOM beside it adds nothing.
func TestAttestationsEverywhere(t *testing.T) {
	sbom := []byte(`{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://spdx.dev/Document","predicate":{"packages":[{"name":"token-bucket","downloadLocation":"https://example.com/x.tgz"}]}}`)
	outer, inner := attested(t, provenance(map[string]string{"GH": attestToken, "VERSION": "1.2"}, "GH="+attestToken), sbom)
	dir := writeLayout(t, outer)

	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ref, err := name.ParseReference(u.Host + "/team/app:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, inner); err != nil {
		t.Fatal(err)
	}

	for what, src := range map[string]string{
		"layout": dir, "tarball": tarDir(t, dir, false), "gzipped tarball": tarDir(t, dir, true), "registry": ref.String(),
	} {
		t.Run(what, func(t *testing.T) {
			got := attestFindings(t, src)
			if len(got) != 1 {
				t.Fatalf("want one SW226 finding, got %q", got)
			}
			f := got[0]
			for _, w := range []string{"SW226 The https://slsa.dev/provenance/v1 attestation sha256:", "build arg GH (the value looks like a GitHub token)",
				"a GitHub token at predicate.buildDefinition.internalParameters.buildConfig.llbDefinition[0].op.exec.meta.env[0]"} {
				if !strings.Contains(f, w) {
					t.Errorf("finding lacks %q: %s", w, f)
				}
			}
			if strings.Contains(f, attestToken[4:]) || strings.Contains(f, "VERSION") {
				t.Errorf("finding shows the value or a clean arg: %s", f)
			}
		})
	}
}

// TestScanRunReadsAttestations: `slipway scan` of a layout tarball whose
// image is clean fails on the attestation alone.
func TestScanRunReadsAttestations(t *testing.T) {
	outer, _ := attested(t, provenance(map[string]string{"GH": attestToken}))
	src := tarDir(t, writeLayout(t, outer), false)
	var out bytes.Buffer
	rr, err := Run(context.Background(), RunOptions{Image: src, Format: "json", Dir: t.TempDir(), Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range rr.Findings {
		ids = append(ids, f.RuleID)
	}
	if !rr.Failed || strings.Join(ids, ",") != "SW226" {
		t.Errorf("findings %v (failed %v), want SW226 alone", ids, rr.Failed)
	}
	if strings.Contains(out.String(), attestToken[4:]) {
		t.Errorf("the report shows the token: %s", out.String())
	}

	clean, _ := attested(t, provenance(map[string]string{"VERSION": "1.2"}))
	rr, err = Run(context.Background(), RunOptions{Image: writeLayout(t, clean), Format: "json", Dir: t.TempDir(), Out: &out})
	if err != nil || len(rr.Findings) != 0 {
		t.Errorf("clean attestation: %v, %v", rr.Findings, err)
	}
}

// TestAttestationsUnreadable: what scan cannot check is a finding, not a
// silent pass: a statement over the limit, one replaced under its digest,
// one missing; and a chain of indexes deeper than the limit is an error.
func TestAttestationsUnreadable(t *testing.T) {
	stmt := provenance(map[string]string{"VERSION": "1.2"}, "PAD="+strings.Repeat("p", 4096)) // larger than any index
	outer, _ := attested(t, stmt)
	digestOf := func(b []byte) string {
		l := static.NewLayer(b, mediaTypeInToto)
		d, _ := l.Digest()
		return d.Hex
	}

	t.Run("too large", func(t *testing.T) {
		old := maxAttestBlob
		maxAttestBlob = int64(len(stmt) - 1)
		defer func() { maxAttestBlob = old }()
		dir := writeLayout(t, outer)
		for _, src := range []string{dir, tarDir(t, dir, false)} {
			got := attestFindings(t, src)
			if len(got) != 1 || !strings.Contains(got[0], "could not be checked for credentials: its statement is too large") {
				t.Errorf("%s: %q", src, got)
			}
		}
	})
	t.Run("replaced", func(t *testing.T) {
		dir := writeLayout(t, outer)
		p := filepath.Join(dir, "blobs", "sha256", digestOf(stmt))
		forged := bytes.Replace(stmt, []byte(`"1.2"`), []byte(`"1.3"`), 1)
		if err := os.WriteFile(p, forged, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, src := range []string{dir, tarDir(t, dir, true)} {
			got := attestFindings(t, src)
			if len(got) != 1 || !strings.Contains(got[0], "does not match its digest sha256:"+digestOf(stmt)) {
				t.Errorf("%s: %q", src, got)
			}
		}
	})
	t.Run("missing", func(t *testing.T) {
		dir := writeLayout(t, outer)
		os.Remove(filepath.Join(dir, "blobs", "sha256", digestOf(stmt)))
		got := attestFindings(t, dir)
		if len(got) != 1 || !strings.Contains(got[0], "its statement is not in the image") {
			t.Errorf("%q", got)
		}
	})
	t.Run("deep", func(t *testing.T) {
		idx := outer
		maxAttestDepth := image.ContextLimits(context.Background()).MaxIndexDepth
		for range maxAttestDepth + 1 {
			idx = mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{Add: idx})
		}
		_, err := ReadAttestations(context.Background(), writeLayout(t, idx), image.Options{})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("indexes nested deeper than %d", maxAttestDepth)) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestStatementSecrets: values anywhere in a statement, named by an
// escaped path; a build arg named like a credential; public values are not
// credentials.
func TestStatementSecrets(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaSJ9." + strings.Repeat("s1Gn", 8)
	st := fmt.Sprintf(`{"predicate":{"materials":[{"uri":"https://ci:%s@git.example.com/r.git"}],"x\u001b[2J":{"list":["a",%q]},`+
		`"args":{"build-arg:NPM_TOKEN":"abc123","build-arg:PATH_PREFIX":"/opt","build-arg:SOURCE_DATE_EPOCH":"0"}}}`, "hunter2hunter2", jwt)
	got, err := statementSecrets([]byte(st))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a password in a URL at predicate.materials[0].uri",
		`a JSON Web Token at predicate["x\x1b[2J"].list[1]`,
		"build arg NPM_TOKEN (the name says it is a credential, and it has a value)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := statementSecrets([]byte(`{"a":`)); err == nil {
		t.Error("truncated JSON accepted")
	}
}

// TestAttestationsNone: a docker save tarball (no index.json) and a layout
// without attestations have none, and no error.
func TestAttestationsNone(t *testing.T) {
	img := build(t, goodConfig(), nil, layer(t, baseEntries()...))
	p := filepath.Join(t.TempDir(), "docker.tar")
	tag, _ := name.NewTag("example.com/app:1")
	if err := tarball.WriteToFile(p, tag, img); err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img})
	for _, src := range []string{p, writeLayout(t, idx), tarDir(t, writeLayout(t, idx), false)} {
		as, err := ReadAttestations(context.Background(), src, image.Options{})
		if err != nil || len(as) != 0 {
			t.Errorf("%s: %v, %v", src, as, err)
		}
	}
}
