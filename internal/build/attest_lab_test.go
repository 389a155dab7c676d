package build

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/scan"
)

// TestProvenanceLeakFoundByScan builds what CheckBuildArgs refuses (it is
// bypassed here, as only a test can): a GitHub-token-shaped value under the
// innocent name GH, used only in a build stage, with a max provenance
// attestation. The final image's config and history never see it, but
// BuildKit writes it verbatim into the attestation of the OCI export;
// `slipway scan` of that export must report it there (SW226), by name and
// without its value, and nowhere else.
func TestProvenanceLeakFoundByScan(t *testing.T) {
	c := labClient(t)
	token := "ghp_" + strings.Repeat("Lb7q", 9) // the shape only: never issued
	if err := CheckBuildArgs(map[string]string{"GH": token}); err == nil {
		t.Fatal("CheckBuildArgs accepts a token-shaped GH build arg; this test expects it refused")
	}
	dir := t.TempDir()
	df := "FROM " + debianBase + " AS fetch\nARG GH\nRUN test -n \"$GH\" && echo fetched > /fetched\n\n" +
		"FROM " + debianBase + "\nCOPY --from=fetch /fetched /app/fetched\nUSER 10001:10001\n" +
		"HEALTHCHECK CMD [\"/bin/true\"]\nENTRYPOINT [\"/bin/cat\", \"/app/fetched\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "leak.tar")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var progress syncBuffer
	_, err := c.Build(ctx, Options{
		ContextDir: dir, BuildArgs: map[string]string{"GH": token}, Provenance: "max",
		Outputs: []Output{{Type: OutputOCI, Dest: dest}}, Progress: "plain", ProgressOut: &progress,
		allowCredentialArgs: true,
	})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, progress.String())
	}
	raw, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(token)) {
		t.Fatal("the export does not hold the token: BuildKit no longer records build args in provenance, and this test proves nothing")
	}

	var out, errOut bytes.Buffer
	rr, err := scan.Run(ctx, scan.RunOptions{Image: dest, Format: "text", Dir: dir, Out: &out, Err: &errOut})
	if err != nil {
		t.Fatalf("scan: %v\n%s", err, errOut.String())
	}
	var ids []string
	for _, f := range rr.Findings {
		ids = append(ids, f.RuleID)
		if f.RuleID == "SW226" && !strings.Contains(f.Message, "https://slsa.dev/provenance/v1 attestation") {
			t.Errorf("SW226 does not name the provenance attestation: %s", f.Message)
		}
	}
	report := out.String()
	if !rr.Failed || !strings.Contains(report, "SW226") || !strings.Contains(report, "build arg GH (the value looks like a GitHub token)") {
		t.Errorf("scan does not report the token in the attestation (findings %v):\n%s", ids, report)
	}
	if strings.Contains(report, "SW220") || strings.Contains(report, "SW221") {
		t.Errorf("the token reached the image config or history, so this test does not isolate the attestation:\n%s", report)
	}
	if strings.Contains(report+errOut.String(), token[4:]) {
		t.Errorf("scan prints the token:\n%s", report)
	}
}
