package report

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/rules"
)

// hostileName clears the screen, homes the cursor and prints a forged
// summary line on a line of its own; then a bidi override and invalid UTF-8.
const hostileName = "x\x1b[2J\x1b[H\n0 files checked: 0 error, 0 warning, 0 info\r\u202eelif\xff"

func hostileReport() *Report {
	return &Report{
		Tool:  "slipway",
		Files: []string{hostileName},
		Rules: rules.Default().All(),
		Findings: []rules.Finding{{
			RuleID: "SW150", Severity: rules.Warning, File: hostileName, Line: 3, EndLine: 3,
			Message: "CMD \x1b]0;title\x07 is in shell form",
			Source:  "CMD echo \x1b[31mred\x1b[0m\r",
		}},
	}
}

// rawControl reports the first byte of out that a terminal acts on (the C0
// controls but tab and newline, and DEL) or an invalid UTF-8 sequence, C1
// controls and bidi characters.
func rawControl(out []byte) (string, bool) {
	s := string(out)
	for i, r := range s {
		switch {
		case r == '\t' || r == '\n':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return s[max(0, i-10) : i+1], true
		case r == 0xfffd && strings.HasPrefix(s[i:], "\xff"):
			return s[max(0, i-10) : i+1], true
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return s[max(0, i-10) : i+3], true
		}
	}
	return "", false
}

func TestTextEscapesHostileNames(t *testing.T) {
	var out bytes.Buffer
	if err := Write(&out, "text", hostileReport()); err != nil {
		t.Fatal(err)
	}
	if bad, ok := rawControl(out.Bytes()); ok {
		t.Fatalf("raw control in text output near %q:\n%s", bad, out.String())
	}
	text := out.String()
	for _, want := range []string{`x\x1b[2J\x1b[H\n0 files checked`, `\r\u202eelif\xff`, `CMD \x1b]0;title\x07 is in shell form`, `CMD echo \x1b[31mred\x1b[0m\r`} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
	// The only summary line is the real one.
	var summaries int
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "checked:") && strings.HasPrefix(l, "0 files") {
			t.Errorf("forged summary line printed: %q", l)
		}
		if strings.HasPrefix(l, "1 file checked:") {
			summaries++
		}
	}
	if summaries != 1 {
		t.Errorf("%d summary lines:\n%s", summaries, text)
	}
}

func TestJSONKeepsExactBytesOfInvalidNames(t *testing.T) {
	r := hostileReport()
	r.Files = append(r.Files, "plain/Dockerfile")
	var out bytes.Buffer
	if err := Write(&out, "json", r); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Files      []string `json:"files"`
		FilesBytes [][]byte `json:"files_bytes"`
		Findings   []struct {
			File      string `json:"file"`
			FileBytes []byte `json:"file_bytes"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.FilesBytes) != 2 || string(got.FilesBytes[0]) != hostileName || got.FilesBytes[1] != nil {
		t.Errorf("files_bytes = %q, want the hostile name's bytes then null", got.FilesBytes)
	}
	if len(got.Findings) != 1 || string(got.Findings[0].FileBytes) != hostileName {
		t.Errorf("findings = %+v, want file_bytes with the exact name", got.Findings)
	}
	// A valid name carries no extra field.
	var plain bytes.Buffer
	if err := Write(&plain, "json", sample()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "_bytes") {
		t.Errorf("valid UTF-8 names got a bytes field:\n%s", plain.String())
	}
}

func TestSARIFURIKeepsExactBytes(t *testing.T) {
	var out bytes.Buffer
	if err := Write(&out, "sarif", hostileReport()); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatalf("SARIF is not valid JSON: %v", err)
	}
	uri := log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("URI %q: %v", uri, err)
	}
	// url writes "./" before a first segment holding a colon.
	if strings.TrimPrefix(u.Path, "./") != hostileName {
		t.Errorf("URI %q decodes to %q, want the exact name", uri, u.Path)
	}
}
