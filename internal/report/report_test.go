package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/slipway/slipway/internal/rules"
)

func sample() *Report {
	cat := rules.Default()
	var rs []rules.Rule
	for _, r := range cat.All() {
		if r.Kind != rules.KindImage {
			rs = append(rs, r)
		}
	}
	return &Report{
		Tool: "slipway", ToolVersion: "0.0.0-test",
		Files: []string{"Dockerfile", "svc/a b/Dockerfile", "clean.Dockerfile"},
		Rules: rs,
		Findings: []rules.Finding{
			{RuleID: "SW150", Severity: rules.Warning, Message: "CMD is in shell form", File: "Dockerfile", Line: 9, EndLine: 10, Source: "CMD node \\\n  server.js"},
			{RuleID: "SW130", Severity: rules.Error, Message: "ARG NPM_TOKEN looks like a secret", File: "Dockerfile", Line: 2, EndLine: 2, Source: "ARG NPM_TOKEN"},
			{RuleID: "SW112", Severity: rules.Info, Message: "not pinned", File: "svc/a b/Dockerfile", Line: 1, EndLine: 1, Source: "FROM debian:bookworm-slim"},
			// A BuildKit check newer than the catalogue, and a finding with no line.
			{RuleID: "SomeFutureCheck", Severity: rules.Warning, Message: "new", File: "Dockerfile"},
		},
		Suppressed: 1,
	}
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	var out bytes.Buffer
	if err := Write(&out, "sarif", sample()); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("SARIF output does not validate: %v\n%s", err, out.String())
	}

	// The schema is permissive; check what code-scanning UIs rely on.
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string                `json:"id"`
						HelpURI string                `json:"helpUri"`
						Help    struct{ Text string } `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
						Region           *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	rl := run.Tool.Driver.Rules
	if len(rl) < 30 {
		t.Errorf("driver lists %d rules, want the whole lint catalogue", len(rl))
	}
	for _, r := range rl {
		if r.HelpURI == "" || r.Help.Text == "" {
			t.Errorf("rule %s lacks helpUri or help text", r.ID)
		}
	}
	if len(run.Results) != 4 {
		t.Fatalf("%d results, want 4", len(run.Results))
	}
	levels := map[string]string{}
	for _, res := range run.Results {
		if rl[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s has ruleIndex %d pointing at %s", res.RuleID, res.RuleIndex, rl[res.RuleIndex].ID)
		}
		levels[res.RuleID] = res.Level
		loc := res.Locations[0].PhysicalLocation
		if res.RuleID == "SW112" && (loc.ArtifactLocation.URI != "svc/a%20b/Dockerfile" || loc.Region == nil || loc.Region.StartLine != 1) {
			t.Errorf("SW112 location = %+v", loc)
		}
		if res.RuleID == "SomeFutureCheck" && loc.Region != nil {
			t.Errorf("a finding without a line has a region: %+v", loc.Region)
		}
	}
	if levels["SW130"] != "error" || levels["SW150"] != "warning" || levels["SW112"] != "note" {
		t.Errorf("levels = %v", levels)
	}
}

func TestTextGroupsByFileAndLine(t *testing.T) {
	var out bytes.Buffer
	if err := Write(&out, "text", sample()); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"  line 2\n      2 | ARG NPM_TOKEN\n    error   SW130 ARG NPM_TOKEN looks like a secret\n            fix: Pass the secret",
		"  line 9\n      9 | CMD node \\\n     10 |   server.js\n    warning SW150 CMD is in shell form\n            fix: Use exec form",
		"Dockerfile\n    warning SomeFutureCheck new\n  line 2\n",
		"3 files checked: 1 error, 2 warning, 1 info (1 suppressed)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("text output lacks %q:\n%s", want, s)
		}
	}
	// Files sort in order, findings by line within a file.
	if strings.Index(s, "line 2") > strings.Index(s, "line 9") || strings.Index(s, "\nDockerfile") > strings.Index(s, "svc/a b/Dockerfile") {
		t.Errorf("output not grouped in order:\n%s", s)
	}
}

func TestJSON(t *testing.T) {
	var out bytes.Buffer
	if err := Write(&out, "json", sample()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Files    []string
		Findings []struct {
			Rule, Severity, File, Fix string
			Line                      int
			References                []string
		}
		Summary Counts
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 3 || len(got.Findings) != 4 || got.Summary != (Counts{Error: 1, Warning: 2, Info: 1}) {
		t.Fatalf("got %+v", got)
	}
	f := got.Findings[0]
	if f.Rule != "SomeFutureCheck" && f.Rule != "SW130" {
		t.Errorf("first finding %+v: want sorted by file then line", f)
	}
	for _, f := range got.Findings {
		if f.Rule == "SW130" && (f.Severity != "error" || f.Fix == "" || !contains(f.References, "CIS 4.10")) {
			t.Errorf("SW130 finding = %+v", f)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "xml", sample()); err == nil {
		t.Fatal("want an error for an unknown format")
	}
}
