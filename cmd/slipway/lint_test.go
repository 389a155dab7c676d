package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// runLint runs the CLI in process and returns the exit code and output.
func runLint(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ctx := context.Background()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return report(ctx, err), out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const cleanDockerfile = `FROM docker.io/library/golang:1.26@sha256:2222222222222222222222222222222222222222222222222222222222222222 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
FROM gcr.io/distroless/static-debian12:nonroot@sha256:3333333333333333333333333333333333333333333333333333333333333333
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
`

const dirtyDockerfile = `FROM debian:bookworm-slim
ADD app /app
CMD /app --port 8080
`

func TestLintExitCodes(t *testing.T) {
	dir := t.TempDir()
	clean := writeFile(t, dir, "clean.Dockerfile", cleanDockerfile)
	writeFile(t, dir, ".dockerignore", ".git\n.env\n.env.*\n**/.env\n*.pem\n*.key\n**/id_rsa*\n**/id_ed25519*\n.npmrc\n.pypirc\n.netrc\n.aws\n.docker\n")
	dirty := writeFile(t, dir, "dirty.Dockerfile", dirtyDockerfile)
	broken := writeFile(t, dir, "broken.Dockerfile", "FROM a\nRUN <<EOF\nnever ends\n")

	code, out, _ := runLint(t, "", "lint", clean)
	if code != 0 || !strings.Contains(out, "1 file checked: 0 error, 0 warning, 0 info") {
		t.Errorf("clean: exit %d\n%s", code, out)
	}
	code, out, _ = runLint(t, "", "lint", clean, dirty)
	if code != 1 {
		t.Errorf("dirty: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{dirty + "\n", "SW101", "SW120", "SW150", "      3 | CMD /app --port 8080"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Only warnings: --severity error passes.
	if code, out, _ = runLint(t, "", "lint", "--severity", "error", dirty); code != 0 {
		t.Errorf("--severity error: exit %d\n%s", code, out)
	}
	// Standard input.
	if code, out, _ = runLint(t, dirtyDockerfile, "lint", "-"); code != 1 || !strings.Contains(out, "-\n") {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
	// Parse errors and usage errors exit 2.
	if code, _, _ = runLint(t, "", "lint", broken); code != 2 {
		t.Errorf("unparsable: exit %d, want 2", code)
	}
	if code, _, _ = runLint(t, "", "lint", filepath.Join(dir, "missing")); code != 2 {
		t.Errorf("missing file: exit %d, want 2", code)
	}
	if code, _, _ = runLint(t, "", "lint", "--format", "xml", clean); code != 2 {
		t.Errorf("bad format: exit %d, want 2", code)
	}
	if code, _, _ = runLint(t, "", "lint", "--severity", "fatal", clean); code != 2 {
		t.Errorf("bad severity: exit %d, want 2", code)
	}
	if code, _, _ = runLint(t, "", "lint", "--dry-run", clean); code != 2 {
		t.Errorf("--dry-run without --fix: exit %d, want 2", code)
	}
}

func TestLintTeamOverrides(t *testing.T) {
	dir := t.TempDir()
	df := writeFile(t, dir, "Dockerfile", dirtyDockerfile)
	writeFile(t, dir, "slipway-team.toml", "[rules]\nSW150 = \"error\"\nSW120 = \"off\"\n")
	code, out, _ := runLint(t, "", "lint", "--format", "json", df)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var rep struct {
		Findings []struct{ Rule, Severity string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	sev := map[string]string{}
	for _, f := range rep.Findings {
		sev[f.Rule] = f.Severity
	}
	if sev["SW150"] != "error" || sev["SW120"] != "" || sev["SW101"] != "warning" {
		t.Errorf("severities = %v", sev)
	}
}

func TestLintSARIFValidates(t *testing.T) {
	files, _ := filepath.Glob("../../internal/lint/testdata/corpus/*.Dockerfile")
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	code, out, _ := runLint(t, "", append([]string{"lint", "--format", "sarif"}, files...)...)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	validateSARIF(t, out)
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if n := len(log.Runs[0].Results); n < 100 {
		t.Errorf("%d results over the corpus", n)
	}
}

func TestLintFix(t *testing.T) {
	dir := t.TempDir()
	df := writeFile(t, dir, "Dockerfile", "# keep me\nFROM debian:bookworm-slim\nARG GITHUB_TOKEN\nRUN git clone https://x:$GITHUB_TOKEN@github.com/o/r\nADD app /app\nCMD /app --port 8080\n")

	code, out, _ := runLint(t, "", "lint", "--fix", "--dry-run", df)
	if code != 1 {
		t.Errorf("--fix --dry-run: exit %d (findings remain in the unchanged file)", code)
	}
	if b, _ := os.ReadFile(df); !strings.Contains(string(b), "ARG GITHUB_TOKEN") {
		t.Fatal("--dry-run wrote the file")
	}
	for _, want := range []string{"-ARG GITHUB_TOKEN", "+COPY app /app", "slipway build --secret id=github_token,env=GITHUB_TOKEN", "not written (--dry-run)"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runLint(t, "", "lint", "--fix", df)
	b, _ := os.ReadFile(df)
	want := "# keep me\nFROM debian:bookworm-slim\nRUN --mount=type=secret,id=github_token,env=GITHUB_TOKEN git clone https://x:$GITHUB_TOKEN@github.com/o/r\nCOPY app /app\n# Added by slipway lint --fix: run as a non-root user.\nUSER 65532:65532\nCMD [\"/app\", \"--port\", \"8080\"]\n"
	if string(b) != want {
		t.Fatalf("fixed file:\n%s\nwant:\n%s\noutput:\n%s", b, want, out)
	}
	// Only info (unpinned base) remains: exit 0.
	if code != 0 {
		t.Errorf("after --fix: exit %d\n%s", code, out)
	}
	if code, _, _ := runLint(t, "", "lint", "--fix", "-"); code != 2 {
		t.Errorf("--fix on stdin: exit %d, want 2", code)
	}
}

func TestRulesCommand(t *testing.T) {
	code, out, _ := runLint(t, "", "rules")
	if code != 0 || !strings.Contains(out, "SW101") || !strings.Contains(out, "SecretsUsedInArgOrEnv") {
		t.Errorf("rules: exit %d\n%s", code, out)
	}
	code, out, _ = runLint(t, "", "rules", "sw130")
	for _, want := range []string{"SW130", "CIS 4.10", "BuildKit SecretsUsedInArgOrEnv", "--mount=type=secret", "# slipway:ignore SW130 -- <reason>"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("rules SW130 lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	if code, _, _ = runLint(t, "", "rules", "SW999"); code != 2 {
		t.Errorf("unknown rule: exit %d, want 2", code)
	}
	code, out, _ = runLint(t, "", "rules", "--kind", "buildkit", "--format", "json")
	var rs []struct{ ID, Kind string }
	if err := json.Unmarshal([]byte(out), &rs); err != nil || code != 0 || len(rs) < 20 {
		t.Fatalf("exit %d, %v, %d rules", code, err, len(rs))
	}
	for _, r := range rs {
		if r.Kind != "buildkit" {
			t.Errorf("--kind buildkit listed %+v", r)
		}
	}
}

// validateSARIF checks out against the SARIF 2.1.0 JSON schema.
func validateSARIF(t *testing.T, out string) {
	t.Helper()
	f, err := os.Open("../../internal/report/testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("SARIF does not validate: %v", err)
	}
}
