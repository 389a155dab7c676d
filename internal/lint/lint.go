// Package lint checks Dockerfiles against slipway's policy rules (the SW1xx
// rules of internal/rules) and BuildKit's own Dockerfile checks. Dockerfiles
// are read with BuildKit's parser (frontend/dockerfile/parser and
// instructions), RUN commands with a real shell parser (mvdan.cc/sh), and a
// .dockerignore with BuildKit's pattern matcher, so what lint sees is what a
// build would do. Check is pure: bytes in, findings out.
package lint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/rules"
)

// Input is one Dockerfile to check.
type Input struct {
	// Path names the file in findings (as the user gave it).
	Path string
	Data []byte
	// Ignore is the .dockerignore that applies to the build context, nil
	// when the context has none.
	Ignore *Dockerignore
}

// Dockerignore is the content of the ignore file a build would use.
type Dockerignore struct {
	Path string
	Data []byte
}

// Options tune Check.
type Options struct {
	// Team is the team standard (allowed bases, required labels,
	// healthcheck, min_uid, rule overrides); nil means none.
	Team *config.Team
	// NoBuildKit skips BuildKit's own checks.
	NoBuildKit bool
	// BuildArgs are the --build-arg values of a build about to run: an ARG
	// takes them over its default when the USER is resolved (slipway build
	// checks the floors with the values it will really pass).
	BuildArgs map[string]string
	// Target is the stage a build stops at: the rules about the shipped
	// image judge it instead of the last stage.
	Target string

	// floors returns every finding as found: no team severity overrides,
	// no slipway:ignore suppressions (CheckFloors).
	floors bool
}

// Result is what Check found.
type Result struct {
	// Findings, sorted by line then rule id, with team overrides applied and
	// suppressed findings removed.
	Findings []rules.Finding
	// Suppressed counts findings removed by slipway:ignore comments.
	Suppressed int
}

// ParseError means a Dockerfile could not be parsed at all.
type ParseError struct {
	File string
	Line int
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}
func (e *ParseError) Unwrap() error { return e.Err }
func (e *ParseError) BadInput()     {}

var catalogue = rules.Default()

// Catalogue is the rule catalogue lint reports from.
func Catalogue() *rules.Catalogue { return catalogue }

// Check lints one Dockerfile.
func Check(ctx context.Context, in Input, o Options) (*Result, error) {
	d, err := parse(in)
	if err != nil {
		return nil, maskParseError(err, in.Data)
	}
	team := o.Team
	if team == nil {
		team = &config.Team{}
	}
	c := &checker{doc: d, team: team, buildArgs: o.BuildArgs, target: o.Target}
	if err := c.run(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !o.NoBuildKit {
		c.buildKit()
	}
	if o.floors {
		return &Result{Findings: d.maskFindings(c.findings)}, nil
	}
	res := c.finish()
	res.Findings = d.maskFindings(res.Findings)
	return res, nil
}

// maskFindings hides the doc's credentials in the messages of fs
// (mask.go); their sources were masked when they were cut (checker.source).
func (d *doc) maskFindings(fs []rules.Finding) []rules.Finding {
	for i := range fs {
		fs[i].Message = d.mask(fs[i].Message)
	}
	return fs
}

// maskParseError hides credentials in a parse error: BuildKit's messages
// can quote the line they refuse.
func maskParseError(err error, src []byte) error {
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Err == nil {
		return err
	}
	m := maskText(src)
	if msg := m.mask(pe.Err.Error()); msg != pe.Err.Error() {
		c := *pe
		c.Err = &maskedError{msg: msg, err: pe.Err}
		return &c
	}
	return err
}

// maskedError is an error whose text had a credential hidden; it still
// wraps the original for errors.As.
type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// utf8BOM is the byte order mark some editors write first.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decode turns a file's bytes into the text BuildKit builds. A UTF-8 BOM at
// the start is dropped, as BuildKit's parser drops it (kept, it would hide
// the first instruction from every check). A NUL byte is refused with the
// file, line and column: a Dockerfile is text, and BuildKit's shell lexer
// (text/scanner) prints its complaint about one straight to stderr, with no
// file name and the raw bytes. Line numbers are unchanged.
func decode(in Input) ([]byte, error) {
	data := bytes.TrimPrefix(in.Data, utf8BOM)
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line := 1 + bytes.Count(data[:i], []byte("\n"))
		col := i - bytes.LastIndexByte(data[:i], '\n')
		return nil, &ParseError{File: in.Path, Line: line, Err: fmt.Errorf("column %d: a NUL byte; a Dockerfile is text", col)}
	}
	return data, nil
}

// parse reads the Dockerfile with BuildKit's parser.
func parse(in Input) (*doc, error) {
	data, err := decode(in)
	if err != nil {
		return nil, err
	}
	in.Data = data
	res, err := parser.Parse(bytes.NewReader(in.Data))
	if err != nil {
		pe := &ParseError{File: in.Path, Err: err}
		var le *parser.LocationError
		if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
			pe.Line = le.Locations[0][0].Start.Line
		}
		return nil, pe
	}
	d := &doc{path: in.Path, src: in.Data, ignore: in.Ignore, ast: res.AST, escape: res.EscapeToken}
	d.lines = strings.Split(strings.ReplaceAll(string(in.Data), "\r\n", "\n"), "\n")
	if err := d.build(); err != nil {
		return nil, err
	}
	return d, nil
}

// buildKit runs BuildKit's own checks in process (in passes that keep them
// linear, see bkLint) and merges their warnings,
// dropping those that one of our rules already reports on the same line.
func (c *checker) buildKit() {
	ws, err := c.bkLint() // see buildkit.go: linear however long a stage is
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "linting Dockerfile: ")
		line := c.firstLine()
		// BuildKitLint reports "line N: message" when BuildKit gave a place.
		var n int
		if _, serr := fmt.Sscanf(msg, "line %d: ", &n); serr == nil && n > 0 {
			line = n
			msg = msg[strings.Index(msg, ": ")+2:]
		}
		c.add("SW199", line, "BuildKit cannot evaluate the Dockerfile: %s", msg)
		return
	}
	covered := map[string]bool{} // "line/BuildKitRule"
	for _, f := range c.findings {
		if r, ok := catalogue.Lookup(f.RuleID); ok {
			for _, b := range r.BuildKit {
				covered[fmt.Sprintf("%d/%s", f.Line, b)] = true
			}
		}
	}
	for _, w := range ws {
		if covered[fmt.Sprintf("%d/%s", w.Line, w.Rule)] || c.windowsAbsWorkdir(w) {
			continue
		}
		msg := w.Detail
		if msg == "" {
			msg = w.Description
		}
		c.addAt(w.Rule, w.Line, w.Line, msg)
	}
}

// finish applies team overrides and suppressions and sorts.
func (c *checker) finish() *Result {
	res := &Result{}
	sups := c.doc.suppressions()
	var out []rules.Finding
	for _, f := range c.findings {
		f.Severity = c.team.RuleSeverity(f.RuleID, f.Severity)
		if f.Severity == rules.Off {
			continue
		}
		if sups.suppress(f, c.doc) {
			res.Suppressed++
			continue
		}
		out = append(out, f)
	}
	out = append(out, c.team.ApplyRules(sups.findings(c.doc))...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].RuleID < out[j].RuleID
	})
	// One finding per rule and line: several causes on one instruction are
	// joined by the rule's message already.
	res.Findings = dedupe(out)
	return res
}

func dedupe(fs []rules.Finding) []rules.Finding {
	var out []rules.Finding
	seen := map[string]bool{}
	for _, f := range fs {
		k := fmt.Sprintf("%d/%s/%s", f.Line, f.RuleID, f.Message)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

// windowsAbsWorkdir reports a BuildKit WorkdirRelativePath warning about a
// drive-letter path in a Windows stage: BuildKit lints for the platform it
// runs on, where C:\app is relative; for the Windows image it is not.
func (c *checker) windowsAbsWorkdir(w generate.LintWarning) bool {
	if w.Rule != "WorkdirRelativePath" {
		return false
	}
	for _, s := range c.doc.stages {
		for _, in := range s.instrs {
			if x, ok := in.cmd.(*instructions.WorkdirCommand); ok && in.line == w.Line {
				return s.windows && absPath(x.Path, true)
			}
		}
	}
	return false
}
