package lint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"mvdan.cc/sh/v3/syntax"

	"github.com/slipway/slipway/internal/rules"
)

// FixUser is the user `--fix` adds to a final stage without one: the
// "nonroot" uid of distroless and Chainguard images.
const FixUser = "65532:65532"

// FixResult is a rewritten Dockerfile.
type FixResult struct {
	Data    []byte
	Changed bool
	// Applied describes each rewrite, "line N: ...".
	Applied []string
	// Notes tell the user what to do next (build flags, ownership, rotation).
	Notes []string
	// Remaining are the findings of the rewritten file.
	Remaining *Result
}

// Fix rewrites what can be rewritten safely for the findings Check reports
// (suppressed findings are left alone): secret ARG/ENV into secret mounts,
// shell-form CMD/ENTRYPOINT into exec form, ADD of local files into COPY,
// and a missing USER. It edits by the parser's line ranges, so comments and
// formatting elsewhere are kept, and it fails if the result does not parse.
func Fix(ctx context.Context, in Input, o Options) (*FixResult, error) {
	out := &FixResult{Data: in.Data}
	cur := in
	// A fix can enable another (an ENV secret that referenced an ARG
	// secret); a few rounds reach the fixed point.
	for round := 0; round < 3; round++ {
		res, err := Check(ctx, cur, o)
		if err != nil {
			return nil, err
		}
		out.Remaining = res
		d, err := parse(cur)
		if err != nil {
			return nil, err
		}
		f := &fixer{doc: d, ed: newEditor(d.lines), want: map[string]bool{}}
		for _, fd := range res.Findings {
			f.want[fmt.Sprintf("%s/%d", fd.RuleID, fd.Line)] = true
		}
		f.run()
		if len(f.applied) == 0 {
			break
		}
		data := f.ed.bytes(bytes.Contains(cur.Data, []byte("\r\n")))
		if _, err := parse(Input{Path: cur.Path, Data: data}); err != nil {
			return nil, fmt.Errorf("%s: the rewrite would not parse (%v); nothing was changed", cur.Path, err)
		}
		out.Applied = append(out.Applied, f.applied...)
		out.Notes = append(out.Notes, f.notes...)
		cur.Data = data
		out.Data = data
		out.Changed = true
	}
	if out.Changed {
		res, err := Check(ctx, cur, o)
		if err != nil {
			return nil, err
		}
		out.Remaining = res
	}
	out.Notes = uniq(out.Notes)
	return out, nil
}

func uniq(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

type fixer struct {
	doc     *doc
	ed      *editor
	want    map[string]bool // "RULE/line" of the reported findings
	applied []string
	notes   []string
}

func (f *fixer) wants(id string, line int) bool { return f.want[fmt.Sprintf("%s/%d", id, line)] }

func (f *fixer) run() {
	for _, s := range f.doc.stages {
		for _, in := range s.instrs {
			switch x := in.cmd.(type) {
			case *instructions.AddCommand:
				if f.wants("SW120", in.line) {
					f.addToCopy(in, x)
				}
			case *instructions.CmdCommand:
				if f.wants("SW150", in.line) && !stageHas[*instructions.EntrypointCommand](s) {
					f.execForm(in, x.CmdLine, len(x.Files) > 0)
				}
			case *instructions.EntrypointCommand:
				if f.wants("SW150", in.line) && !stageHas[*instructions.CmdCommand](s) {
					f.execForm(in, x.CmdLine, len(x.Files) > 0)
				}
			case *instructions.ArgCommand:
				if f.wants("SW130", in.line) {
					f.secret(s, in, "ARG", argKeys(x), nil)
				}
			case *instructions.EnvCommand:
				if f.wants("SW130", in.line) {
					var keys []string
					vals := map[string]string{}
					for _, kv := range x.Env {
						keys = append(keys, kv.Key)
						vals[kv.Key] = kv.Value
					}
					f.secret(s, in, "ENV", keys, vals)
				}
			}
		}
	}
	final := f.doc.stages[len(f.doc.stages)-1]
	if f.wants("SW101", final.from.line) && !final.windows {
		f.addUser(final)
	}
}

func stageHas[T any](s *stage) bool {
	for _, in := range s.instrs {
		if _, ok := in.cmd.(T); ok {
			return true
		}
	}
	return false
}

func argKeys(x *instructions.ArgCommand) []string {
	var out []string
	for _, kv := range x.Args {
		out = append(out, kv.Key)
	}
	return out
}

// keyword finds the instruction keyword at the start of a line: its
// offset after leading blanks, and the keyword as written.
func keyword(line, want string) (int, string, bool) {
	i := len(line) - len(strings.TrimLeft(line, " \t"))
	rest := line[i:]
	if len(rest) < len(want) || !strings.EqualFold(rest[:len(want)], want) {
		return 0, "", false
	}
	if len(rest) > len(want) && rest[len(want)] != ' ' && rest[len(want)] != '\t' {
		return 0, "", false
	}
	return i, rest[:len(want)], true
}

func sameCase(written, word string) string {
	if written == strings.ToLower(written) {
		return strings.ToLower(word)
	}
	return strings.ToUpper(word)
}

func (f *fixer) addToCopy(in *instr, x *instructions.AddCommand) {
	if x.Checksum != "" || x.KeepGitDir != nil || x.Unpack != nil {
		return
	}
	for _, s := range x.SourcePaths {
		if isURL(s) || isGit(s) || isArchive(s) {
			return
		}
	}
	line := f.ed.line(in.line)
	i, kw, ok := keyword(line, "ADD")
	if !ok {
		return
	}
	if f.ed.set(in.line, line[:i]+sameCase(kw, "COPY")+line[i+len(kw):]) {
		f.applied = append(f.applied, fmt.Sprintf("line %d: ADD -> COPY", in.line))
	}
}

// execForm rewrites a shell-form CMD/ENTRYPOINT whose command is a plain
// word list (no expansion, quoting tricks, redirection or operators).
func (f *fixer) execForm(in *instr, cmdline []string, heredoc bool) {
	if heredoc || len(cmdline) != 1 {
		return
	}
	words, ok := plainWords(cmdline[0])
	if !ok {
		return
	}
	if words[0] == "exec" && len(words) > 1 {
		words = words[1:]
	}
	kwName := strings.ToUpper(in.node.Value)
	_, kw, ok := keyword(f.ed.line(in.line), kwName)
	if !ok {
		return
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(words); err != nil {
		return
	}
	arr := strings.TrimSpace(b.String())
	arr = strings.ReplaceAll(arr, `","`, `", "`)
	lead := f.ed.line(in.line)
	lead = lead[:len(lead)-len(strings.TrimLeft(lead, " \t"))]
	if f.ed.replace(in.line, in.end, []string{lead + kw + " " + arr}) {
		f.applied = append(f.applied, fmt.Sprintf("line %d: %s in exec form", in.line, kwName))
		f.notes = append(f.notes, "exec-form CMD/ENTRYPOINT: the program is PID 1 and gets SIGTERM directly; nothing expands $VARIABLES in it any more.")
	}
}

// plainWords splits a shell command into words if it is one simple command
// of literal words.
func plainWords(src string) ([]string, bool) {
	file, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(strings.NewReader(src), "")
	if err != nil || len(file.Stmts) != 1 {
		return nil, false
	}
	st := file.Stmts[0]
	if st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 {
		return nil, false
	}
	ce, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(ce.Assigns) > 0 || len(ce.Args) == 0 {
		return nil, false
	}
	var words []string
	for _, w := range ce.Args {
		s, ok := literal(w)
		if !ok {
			return nil, false
		}
		words = append(words, s)
	}
	return words, true
}

// secret moves secret ARG/ENV keys into secret mounts on the RUNs that use
// them, when every key of the instruction is a secret and nothing but RUN
// commands refers to them.
func (f *fixer) secret(s *stage, in *instr, kind string, keys []string, vals map[string]string) {
	for _, k := range keys {
		if !secretName(k) {
			return
		}
	}
	// ENV is inherited by stages built FROM this one: leave those alone.
	if kind == "ENV" {
		for _, o := range f.doc.stages {
			if o.parent == s {
				return
			}
		}
	}
	after := false
	var runs []*instr
	for _, o := range s.instrs {
		if o == in {
			after = true
			continue
		}
		if !after {
			continue
		}
		refs, ok := f.references(o, keys)
		if !ok {
			return
		}
		if len(refs) == 0 {
			continue
		}
		if _, isRun := o.cmd.(*instructions.RunCommand); !isRun || o.onbuild {
			return
		}
		runs = append(runs, o)
	}
	if !f.ed.free(in.line, in.end) {
		return
	}
	mounted := map[string]bool{}
	for _, r := range runs {
		line := f.ed.line(r.line)
		i, kw, ok := keyword(line, "RUN")
		if !ok {
			return
		}
		refs, _ := f.references(r, keys)
		var mounts []string
		existing := runMounts(r.cmd.(*instructions.RunCommand))
	next:
		for _, k := range refs {
			for _, m := range existing {
				if m.Type == instructions.MountTypeSecret && m.Env != nil && *m.Env == k {
					continue next
				}
			}
			mounts = append(mounts, fmt.Sprintf("--mount=type=secret,id=%s,env=%s", secretID(k), k))
			mounted[k] = true
		}
		if len(mounts) == 0 {
			continue
		}
		at := i + len(kw)
		if !f.ed.set(r.line, line[:at]+" "+strings.Join(mounts, " ")+line[at:]) {
			return
		}
	}
	if !f.ed.replace(in.line, in.end, nil) {
		return
	}
	for _, k := range keys {
		if mounted[k] {
			f.applied = append(f.applied, fmt.Sprintf("line %d: %s %s -> RUN --mount=type=secret,id=%s,env=%s", in.line, kind, k, secretID(k), k))
			f.notes = append(f.notes, fmt.Sprintf("build with: slipway build --secret id=%s,env=%s", secretID(k), k))
		} else {
			f.applied = append(f.applied, fmt.Sprintf("line %d: %s %s removed (no build step uses it)", in.line, kind, k))
		}
		if kind == "ENV" {
			f.notes = append(f.notes, fmt.Sprintf("ENV %s is no longer set when the container runs: if the service needs it, give it at run time from your orchestrator's secret store.", k))
			if v := vals[k]; v != "" && !strings.HasPrefix(v, "$") {
				f.notes = append(f.notes, fmt.Sprintf("the value of %s was committed in the Dockerfile and baked into images: rotate it.", k))
			}
		}
	}
}

func secretID(k string) string { return strings.ToLower(k) }

// references lists which of keys an instruction refers to; ok is false
// when that cannot be told (the fix is then skipped).
func (f *fixer) references(o *instr, keys []string) ([]string, bool) {
	var found []string
	switch x := o.cmd.(type) {
	case *instructions.RunCommand:
		src, isShell := runScript(x)
		if !isShell {
			if x.PrependShell {
				return nil, false
			}
			src = strings.Join(x.CmdLine, " ")
		}
		sc, ok := parseScript(src)
		if !ok {
			return nil, false
		}
		for _, k := range keys {
			if sc.params[k] {
				found = append(found, k)
			}
		}
		return found, true
	}
	e := newEnv(nil)
	for _, k := range keys {
		e.set(k, "x")
	}
	lex := shell.NewLex(f.doc.escape)
	texts := []string{}
	for n := o.node.Next; n != nil; n = n.Next {
		texts = append(texts, n.Value)
	}
	texts = append(texts, o.node.Flags...)
	for _, h := range o.node.Heredocs {
		texts = append(texts, h.Content)
	}
	for _, t := range texts {
		res, err := lex.ProcessWordWithMatches(t, e)
		if err != nil {
			return nil, false
		}
		for k := range res.Matched {
			found = append(found, k)
		}
	}
	return found, true
}

// addUser adds a non-root USER to the final stage, before its first
// trailing CMD/ENTRYPOINT (and the comments above it), or at the end.
func (f *fixer) addUser(s *stage) {
	at := 0
	for i := len(s.instrs) - 1; i >= 0; i-- {
		switch s.instrs[i].cmd.(type) {
		case *instructions.CmdCommand, *instructions.EntrypointCommand:
			at = s.instrs[i].line
			continue
		}
		break
	}
	text := "USER " + FixUser
	if len(s.instrs) > 0 && s.instrs[0].node.Value == strings.ToLower(s.instrs[0].node.Value) && isLowerKeyword(f.ed.line(s.instrs[0].line)) {
		text = "user " + FixUser
	}
	lines := []string{"# Added by slipway lint --fix: run as a non-root user.", text}
	if at == 0 {
		// lines ends with "" when the file ends with a newline: insert
		// before it, so the file still ends with one.
		end := len(f.doc.lines) + 1
		if f.doc.lines[len(f.doc.lines)-1] == "" {
			end--
		}
		if !f.ed.insert(end, lines) {
			return
		}
	} else {
		for at > 1 && strings.HasPrefix(strings.TrimSpace(f.ed.line(at-1)), "#") {
			at--
		}
		if !f.ed.insert(at, lines) {
			return
		}
	}
	f.applied = append(f.applied, fmt.Sprintf("line %d: USER %s added to the final stage", s.from.line, FixUser))
	f.notes = append(f.notes, "USER 65532:65532: files copied into the final stage stay owned by root and are read-only to the service; use COPY --chown=65532:65532 for what it must write, and make sure the base image has no setup that needs root at start.")
}

func isLowerKeyword(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && t[0] >= 'a' && t[0] <= 'z'
}

// editor applies line edits to a copy of the source; each line may be
// touched by one edit only, so overlapping fixes never mix.
type editor struct {
	lines   []string
	repl    map[int][]string // line -> replacement (nil: deleted)
	insert_ map[int][]string // lines inserted before a line
	touched map[int]bool
}

func newEditor(lines []string) *editor {
	return &editor{lines: lines, repl: map[int][]string{}, insert_: map[int][]string{}, touched: map[int]bool{}}
}

func (e *editor) line(n int) string {
	if r, ok := e.repl[n]; ok && len(r) == 1 {
		return r[0]
	}
	if n < 1 || n > len(e.lines) {
		return ""
	}
	return e.lines[n-1]
}

// set replaces one line's text (again, for several edits of one line).
func (e *editor) set(n int, text string) bool {
	if r, ok := e.repl[n]; ok && len(r) != 1 {
		return false
	}
	e.repl[n] = []string{text}
	e.touched[n] = true
	return true
}

// free reports whether lines [a, b] are untouched.
func (e *editor) free(a, b int) bool {
	for n := a; n <= b; n++ {
		if e.touched[n] {
			return false
		}
	}
	return true
}

// replace replaces lines [a, b] with lines (nil deletes them).
func (e *editor) replace(a, b int, lines []string) bool {
	for n := a; n <= b; n++ {
		if e.touched[n] {
			return false
		}
	}
	for n := a; n <= b; n++ {
		e.touched[n] = true
		e.repl[n] = []string{}
	}
	e.repl[a] = lines
	if lines == nil {
		e.repl[a] = []string{}
	}
	return true
}

func (e *editor) insert(before int, lines []string) bool {
	e.insert_[before] = append(e.insert_[before], lines...)
	return true
}

func (e *editor) bytes(crlf bool) []byte {
	var out []string
	for n := 1; n <= len(e.lines)+1; n++ {
		out = append(out, e.insert_[n]...)
		if n > len(e.lines) {
			break
		}
		if r, ok := e.repl[n]; ok {
			out = append(out, r...)
			continue
		}
		out = append(out, e.lines[n-1])
	}
	nl := "\n"
	if crlf {
		nl = "\r\n"
	}
	return []byte(strings.Join(out, nl))
}

// FixableIn reports the findings of res that Fix knows how to rewrite.
func FixableIn(res *Result) []rules.Finding {
	var out []rules.Finding
	for _, f := range res.Findings {
		if r, ok := catalogue.Lookup(f.RuleID); ok && r.Fixable {
			out = append(out, f)
		}
	}
	return out
}
