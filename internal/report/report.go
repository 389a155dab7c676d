// Package report prints findings of `slipway lint` and `slipway scan` as
// human text (grouped by file and line, with the offending source shown),
// JSON, or SARIF 2.1.0 for code-scanning UIs.
//
// Every file name, message and source excerpt comes from the input and is
// untrusted: the text writer prints each through internal/textsafe, so an
// escape sequence or a newline in a file name shows as \x1b or \n and can
// neither act on the terminal nor forge a line. JSON keeps names lossless:
// encoding/json replaces invalid UTF-8 with U+FFFD, so a name that is not
// valid UTF-8 is also given as its exact bytes (base64, "file_bytes" on a
// finding, "files_bytes" beside "files"). SARIF gives a file as a URI, whose
// percent-encoding keeps every byte.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/slipway/slipway/internal/colour"
	"github.com/slipway/slipway/internal/rules"
	"github.com/slipway/slipway/internal/textsafe"
)

// Formats are the output formats Write accepts.
var Formats = []string{"text", "json", "sarif"}

// Report is what a command found.
type Report struct {
	// Tool and ToolVersion name the producer (for SARIF).
	Tool        string
	ToolVersion string
	// Files are every input checked, in order, so clean ones are listed too.
	Files []string
	// Findings, in any order; Write sorts them by file, line and rule.
	Findings []rules.Finding
	// Suppressed counts findings removed by inline suppressions.
	Suppressed int
	// Rules are the rules the command can report (SARIF lists them all).
	Rules []rules.Rule
	// Palette colours the severities of the text format; nil prints
	// them plain (JSON and SARIF are never coloured).
	Palette *colour.Palette
}

// Write prints r in format (text, json or sarif).
func Write(w io.Writer, format string, r *Report) error {
	sortFindings(r.Findings)
	switch format {
	case "", "text":
		return Text(w, r)
	case "json":
		return JSON(w, r)
	case "sarif":
		return SARIF(w, r)
	}
	return fmt.Errorf("unknown format %q; use one of %s", format, strings.Join(Formats, ", "))
}

func sortFindings(fs []rules.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.RuleID < b.RuleID
	})
}

// Counts tallies findings by severity.
type Counts struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Info    int `json:"info"`
}

// Count tallies fs.
func Count(fs []rules.Finding) Counts {
	var c Counts
	for _, f := range fs {
		switch f.Severity {
		case rules.Error:
			c.Error++
		case rules.Warning:
			c.Warning++
		case rules.Info:
			c.Info++
		}
	}
	return c
}

func (r *Report) rule(id string) (rules.Rule, bool) {
	for _, x := range r.Rules {
		if strings.EqualFold(x.ID, id) {
			return x, true
		}
	}
	return rules.Rule{}, false
}

// Text prints findings grouped by file, then by line with the source shown
// once per line, then a summary.
func Text(w io.Writer, r *Report) error {
	byFile := map[string][]rules.Finding{}
	for _, f := range r.Findings {
		byFile[f.File] = append(byFile[f.File], f)
	}
	files := append([]string(nil), r.Files...)
	for f := range byFile {
		if !contains(files, f) {
			files = append(files, f)
		}
	}
	for _, file := range files {
		fs := byFile[file]
		if len(fs) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s\n", textsafe.String(file))
		shown := map[string]bool{} // a rule's fix is shown once per file
		for i := 0; i < len(fs); {
			j := i
			for j < len(fs) && fs[j].Line == fs[i].Line {
				j++
			}
			f := fs[i]
			if f.Line > 0 {
				fmt.Fprintf(w, "  line %d\n", f.Line)
			}
			if f.Source != "" {
				for k, l := range strings.Split(f.Source, "\n") {
					n := fmt.Sprint(f.Line + k)
					if strings.HasPrefix(l, "... (") {
						n = ""
					}
					fmt.Fprintf(w, "  %5s | %s\n", n, textsafe.String(l))
				}
			}
			for _, g := range fs[i:j] {
				fmt.Fprintf(w, "    %s %s %s\n", r.Palette.Pad(g.Severity.String(), 7), textsafe.String(g.RuleID), textsafe.String(g.Message))
				if rl, ok := r.rule(g.RuleID); ok && rl.Fix != "" && !shown[g.RuleID] {
					shown[g.RuleID] = true
					fmt.Fprintf(w, "            fix: %s\n", textsafe.String(firstSentence(rl.Fix)))
				}
			}
			i = j
		}
		fmt.Fprintln(w)
	}
	c := Count(r.Findings)
	fmt.Fprintf(w, "%d %s checked: %d error, %d warning, %d info", len(r.Files), plural(len(r.Files), "file", "files"), c.Error, c.Warning, c.Info)
	if r.Suppressed > 0 {
		fmt.Fprintf(w, " (%d suppressed)", r.Suppressed)
	}
	fmt.Fprintln(w)
	if len(r.Findings) > 0 {
		fmt.Fprintln(w, "Explain a rule with `slipway rules ID`.")
	}
	return nil
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// jsonFinding is a finding in JSON output.
type jsonFinding struct {
	Rule     string `json:"rule"`
	Name     string `json:"name,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	File     string `json:"file"`
	// FileBytes is File's exact bytes when it is not valid UTF-8 (which
	// File then shows with U+FFFD in place of the invalid bytes).
	FileBytes []byte   `json:"file_bytes,omitempty"`
	Line      int      `json:"line,omitempty"`
	EndLine   int      `json:"endLine,omitempty"`
	Source    string   `json:"source,omitempty"`
	Fix       string   `json:"fix,omitempty"`
	Refs      []string `json:"references,omitempty"`
	HelpURI   string   `json:"helpUri,omitempty"`
}

// JSON prints {"files": [...], "findings": [...], "summary": {...}}. When
// a file name is not valid UTF-8, "files_bytes" holds, for each entry of
// "files" in order, its exact bytes (base64) or null when it is valid; a
// finding on such a file carries "file_bytes" the same way.
func JSON(w io.Writer, r *Report) error {
	out := struct {
		Files      []string      `json:"files"`
		FilesBytes [][]byte      `json:"files_bytes,omitempty"`
		Findings   []jsonFinding `json:"findings"`
		Summary    Counts        `json:"summary"`
		Suppressed int           `json:"suppressed"`
	}{Files: r.Files, Findings: []jsonFinding{}, Summary: Count(r.Findings), Suppressed: r.Suppressed}
	if out.Files == nil {
		out.Files = []string{}
	}
	for i, f := range out.Files {
		if b := exactBytes(f); b != nil {
			if out.FilesBytes == nil {
				out.FilesBytes = make([][]byte, len(out.Files))
			}
			out.FilesBytes[i] = b
		}
	}
	for _, f := range r.Findings {
		jf := jsonFinding{Rule: f.RuleID, Severity: f.Severity.String(), Message: f.Message, File: f.File,
			FileBytes: exactBytes(f.File), Line: f.Line, EndLine: f.EndLine, Source: f.Source}
		if rl, ok := r.rule(f.RuleID); ok {
			jf.Name, jf.Fix, jf.Refs, jf.HelpURI = rl.Name, rl.Fix, rl.References(), rl.HelpURI
		}
		out.Findings = append(out.Findings, jf)
	}
	return encodeJSON(w, out)
}

// encodeJSON writes v as indented JSON with every character textsafe
// escapes written as a \u escape (the same values, decoded).
func encodeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(textsafe.JSON(buf.Bytes()))
	return err
}

// exactBytes returns s's bytes when JSON cannot carry s exactly (it is not
// valid UTF-8), else nil.
func exactBytes(s string) []byte {
	if utf8.ValidString(s) {
		return nil
	}
	return []byte(s)
}

// fileURI turns a path into a SARIF artifact URI: relative paths stay
// relative (forward slashes), absolute ones become file:// URIs.
func fileURI(p string) string {
	slash := filepath.ToSlash(p)
	if filepath.IsAbs(p) {
		return (&url.URL{Scheme: "file", Path: slash}).String()
	}
	return (&url.URL{Path: strings.TrimPrefix(slash, "./")}).String()
}

// ParseFormat reads a --format flag: empty means text.
func ParseFormat(f string) (string, error) {
	if f == "" {
		return "text", nil
	}
	for _, known := range Formats {
		if f == known {
			return f, nil
		}
	}
	return "", fmt.Errorf("--format %q: use one of %s", f, strings.Join(Formats, ", "))
}
