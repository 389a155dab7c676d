package build

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// TestGeneratedIgnoreLab builds, in the lab, a context holding every
// credential file issue 8 lists at depth 0 and 2 with each language's
// generated .dockerignore and a Dockerfile that copies the whole context
// (COPY . /ctx), exports the filesystem (type=local) and checks that none
// of the credential files (nor node_modules) reached it, that the files a
// build needs did, and that the build gave no context warning.
func TestGeneratedIgnoreLab(t *testing.T) {
	c := labClient(t)
	for lang, ignore := range generatedIgnores(t) {
		t.Run(lang, func(t *testing.T) {
			dir := credentialContext(t, "FROM scratch\nCOPY . /ctx\n", ignore)
			ownNpmrc := sendsOwnNpmrc(ignore)
			if ownNpmrc {
				writeOwnNpmrc(t, dir)
			}
			dest, progress := buildToRootfs(t, c, dir)
			if strings.Contains(progress.String(), "credential-looking") {
				t.Errorf("the generated .dockerignore still lets credentials through:\n%s", progress.String())
			}
			for _, f := range slices.Concat(credentialFiles, dependencyFiles) {
				for _, p := range []string{f, credentialDepth + f} {
					if ownNpmrc && p == ".npmrc" {
						continue // sent by design; the generated Dockerfile keeps it out of the final stage
					}
					if _, err := os.Lstat(filepath.Join(dest, "ctx", filepath.FromSlash(p))); err == nil {
						t.Errorf("%s reached the image", p)
					}
				}
			}
			for _, f := range neededFiles {
				for _, p := range []string{f, credentialDepth + f} {
					if _, err := os.Stat(filepath.Join(dest, "ctx", filepath.FromSlash(p))); err != nil {
						t.Errorf("%s, which a build may need, did not reach the image: %v", p, err)
					}
				}
			}
		})
	}
}

// TestContextWarningLab: a hand-written .dockerignore that lets the
// credentials through builds, but the warning naming them comes before
// BuildKit receives anything, and the files did reach the image (which is
// why it warns).
func TestContextWarningLab(t *testing.T) {
	c := labClient(t)
	dir := credentialContext(t, "FROM scratch\nCOPY . /ctx\n", ".git\n")
	dest, progress := buildToRootfs(t, c, dir)
	out := progress.String()
	w := strings.Index(out, "warning: the build context")
	first := strings.Index(out, "#1 ")
	if w < 0 || first >= 0 && first < w {
		t.Fatalf("no context warning before the build's first step:\n%s", out)
	}
	// Every file but the root .git/config is sent: 10 named, the rest counted.
	if n := 2*len(credentialFiles) - 1; !strings.Contains(out, fmt.Sprintf("holds %d credential-looking files", n)) ||
		!strings.Contains(out, fmt.Sprintf("and %d more", n-maxContextFiles)) || !strings.Contains(out, "  .aws/credentials (AWS credentials)\n") {
		t.Errorf("warning does not name and count the files:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dest, "ctx", credentialDepth, ".aws", "credentials")); err != nil {
		t.Errorf("the file the warning was about did not reach the image, so the warning was wrong: %v", err)
	}
}

// buildToRootfs builds the context dir on c into a local rootfs folder and
// returns it with the build's plain progress.
func buildToRootfs(t *testing.T, c *Client, dir string) (string, *syncBuffer) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "rootfs")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	progress := &syncBuffer{}
	if _, err := c.Build(ctx, Options{ContextDir: dir, Outputs: []Output{{Type: OutputLocal, Dest: dest}},
		Progress: "plain", ProgressOut: progress}); err != nil {
		t.Fatalf("build: %v\n%s", err, progress.String())
	}
	return dest, progress
}
