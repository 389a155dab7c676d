package report

import (
	"io"
	"strings"

	"github.com/slipway/slipway/internal/rules"
)

// SARIF 2.1.0 (OASIS), the subset code-scanning UIs read.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int        `json:"startLine"`
	EndLine   int        `json:"endLine,omitempty"`
	Snippet   *sarifText `json:"snippet,omitempty"`
}

func sarifLevel(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	case rules.Info:
		return "note"
	}
	return "none"
}

// SARIF prints r as a SARIF 2.1.0 log with one run: every rule the tool
// can report (id, description, help with the fix and an example, helpUri,
// CIS/hadolint/BuildKit tags) and one result per finding.
func SARIF(w io.Writer, r *Report) error {
	name := r.Tool
	if name == "" {
		name = "slipway"
	}
	d := sarifDriver{Name: name, Version: r.ToolVersion, InformationURI: "https://github.com/slipway/slipway", Rules: []sarifRule{}}
	index := map[string]int{}
	addRule := func(rl rules.Rule) int {
		if i, ok := index[rl.ID]; ok {
			return i
		}
		tags := []string{"security", "dockerfile"}
		tags = append(tags, rl.References()...)
		help := rl.HelpText()
		md := "**" + rl.Message + "**"
		if rl.Why != "" {
			md += "\n\n" + rl.Why
		}
		if rl.Fix != "" {
			md += "\n\n**Fix:** " + rl.Fix
		}
		if rl.Example != "" {
			md += "\n\n```dockerfile\n" + rl.Example + "\n```"
		}
		if refs := rl.References(); len(refs) > 0 {
			md += "\n\nReferences: " + strings.Join(refs, ", ")
		}
		d.Rules = append(d.Rules, sarifRule{
			ID: rl.ID, Name: rl.Name,
			ShortDescription:     sarifText{Text: rl.Message},
			FullDescription:      sarifText{Text: nonEmpty(rl.Why, rl.Message)},
			Help:                 sarifText{Text: help, Markdown: md},
			HelpURI:              rl.HelpURI,
			DefaultConfiguration: sarifConfig{Level: sarifLevel(rl.Severity)},
			Properties:           map[string]any{"tags": tags},
		})
		index[rl.ID] = len(d.Rules) - 1
		return len(d.Rules) - 1
	}
	for _, rl := range r.Rules {
		addRule(rl)
	}
	results := []sarifResult{}
	for _, f := range r.Findings {
		rl, ok := r.rule(f.RuleID)
		if !ok {
			rl = rules.Rule{ID: f.RuleID, Name: f.RuleID, Message: f.Message, Severity: f.Severity, HelpURI: rules.DocsBase}
		}
		i := addRule(rl)
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(f.File)}}}
		if f.Line > 0 {
			reg := &sarifRegion{StartLine: f.Line}
			if f.EndLine > f.Line {
				reg.EndLine = f.EndLine
			}
			if f.Source != "" {
				reg.Snippet = &sarifText{Text: f.Source}
			}
			loc.PhysicalLocation.Region = reg
		}
		results = append(results, sarifResult{
			RuleID: rl.ID, RuleIndex: i, Level: sarifLevel(f.Severity),
			Message: sarifText{Text: f.Message}, Locations: []sarifLocation{loc},
		})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: d}, Results: results}},
	}
	return encodeJSON(w, log)
}

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
