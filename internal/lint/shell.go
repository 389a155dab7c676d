package lint

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/slipway/slipway/internal/shells"
)

// script is what the shell parser found in one RUN, including the
// scripts of the shells it starts (sh -c '...', bash <<EOF ... EOF).
type script struct {
	calls    []call
	pipes    []uint // offsets of | and |& operators in this script's own source
	pipefail []uint // offsets of `set -o pipefail` in this script's own source
	params   map[string]bool
	// innerPipe is set when a shell this script starts runs a pipe without
	// pipefail (its own offsets are not comparable with pipes above).
	innerPipe bool
	depth     int // how many shells deep this script is
}

const (
	// maxShellDepth bounds how many nested sh -c / heredoc scripts are
	// analysed (sh -c "bash -c '...'" is depth 2).
	maxShellDepth = 3
	// maxInnerScript bounds the size of one nested script.
	maxInnerScript = 64 << 10
)

// call is one simple command, with the wrappers (sudo, env, ...) removed.
type call struct {
	name  string   // base name of the command ("apt-get")
	args  []string // arguments; a word with expansions is its literal parts with "$" markers
	sudo  bool
	cd    bool
	words []*syntax.Word
}

// parseScript parses POSIX/bash shell source; ok is false when it is not
// valid shell (the shell rules then stay silent).
func parseScript(src string) (*script, bool) {
	return parseScriptDepth(src, 0)
}

func parseScriptDepth(src string, depth int) (*script, bool) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		return nil, false
	}
	s := &script{params: map[string]bool{}, depth: depth}
	s.walk(f, false)
	return s, true
}

// pipeWithoutPipefail reports whether the script runs a pipe, outside
// $(...), before any `set -o pipefail` of its own, or starts a shell that
// does.
func (s *script) pipeWithoutPipefail() bool {
	return s.innerPipe || len(s.pipes) > 0 && (len(s.pipefail) == 0 || s.pipefail[0] > s.pipes[0])
}

// walk collects calls, parameters and pipes. The status of a pipe inside
// $(...) or <(...) is not the RUN's status, so those pipes do not count.
func (s *script) walk(root syntax.Node, inSubst bool) {
	syntax.Walk(root, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			if n != root {
				s.walk(n, true)
				return false
			}
		case *syntax.BinaryCmd:
			if !inSubst && (x.Op == syntax.Pipe || x.Op == syntax.PipeAll) {
				s.pipes = append(s.pipes, x.OpPos.Offset())
			}
		case *syntax.ParamExp:
			if x.Param != nil {
				s.params[x.Param.Value] = true
			}
		case *syntax.Stmt:
			// bash <<'EOF' ... EOF: the heredoc is the shell's script.
			ce, ok := x.Cmd.(*syntax.CallExpr)
			if !ok {
				return true
			}
			cl, ok := newCall(ce.Args)
			if !ok {
				return true
			}
			if inv, ok := shellInvocation(cl); ok && inv.stdin {
				if src, ok := stdinScript(x.Redirs); ok {
					s.inner(src, inv.pipefail, inSubst)
				}
			}
		case *syntax.CallExpr:
			cl, ok := newCall(x.Args)
			if !ok {
				return true
			}
			s.addCall(cl, inSubst)
			if cl.name == "set" && setsPipefail(cl.args) {
				s.pipefail = append(s.pipefail, x.Pos().Offset())
			}
		}
		return true
	})
}

// addCall records a call and, when it is a shell given its script with
// -c, analyses that script as part of this one.
func (s *script) addCall(cl call, inSubst bool) {
	s.calls = append(s.calls, cl)
	inv, ok := shellInvocation(cl)
	if !ok || inv.script == nil {
		return
	}
	if src, ok := wordText(inv.script, textWord); ok {
		s.inner(src, inv.pipefail, inSubst)
	}
}

// inner parses the script of a shell this script starts and merges what
// it finds. Its pipes count only if that shell runs them without pipefail
// and its status is the RUN's (not inside $(...)).
func (s *script) inner(src string, pipefail, inSubst bool) {
	if s.depth >= maxShellDepth || len(src) > maxInnerScript {
		return
	}
	in, ok := parseScriptDepth(src, s.depth+1)
	if !ok {
		return
	}
	s.calls = append(s.calls, in.calls...)
	for p := range in.params {
		s.params[p] = true
	}
	if !inSubst && (in.innerPipe || !pipefail && in.pipeWithoutPipefail()) {
		s.innerPipe = true
	}
}

// invocation is how a call starts a POSIX shell.
type invocation struct {
	script   *syntax.Word // the -c command string, or nil
	stdin    bool         // the shell reads its script from standard input
	pipefail bool         // started with -o pipefail
}

// shellInvocation reports whether a call runs a POSIX shell (shells.IsPOSIX:
// any path, or busybox sh), and where its script comes from.
func shellInvocation(cl call) (invocation, bool) {
	var inv invocation
	args, words := cl.args, cl.words
	name := cl.name
	if name == "busybox" && len(args) > 0 {
		name, args, words = path.Base(args[0]), args[1:], words[1:]
	}
	if !shells.IsPOSIX(name) {
		return inv, false
	}
	dashC, dashS := false, false
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-" {
			i++
			break
		}
		if len(a) < 2 || (a[0] != '-' && a[0] != '+') {
			break
		}
		if strings.HasPrefix(a, "--") {
			if a == "--rcfile" || a == "--init-file" {
				i++
			}
			continue
		}
		if a[0] == '-' {
			dashC = dashC || strings.IndexByte(a, 'c') > 0
			dashS = dashS || strings.IndexByte(a, 's') > 0
		}
		// -o NAME and -O NAME take the next word (also combined: -euo).
		if strings.ContainsAny(a[1:], "oO") && i+1 < len(args) {
			if a[0] == '-' && strings.IndexByte(a, 'o') > 0 && args[i+1] == "pipefail" {
				inv.pipefail = true
			}
			i++
		}
	}
	switch {
	case dashC:
		if i < len(words) {
			inv.script = words[i]
		}
	case dashS || i >= len(args):
		inv.stdin = true
	}
	return inv, true
}

// stdinScript returns the text of the heredoc or here-string that is a
// command's standard input, when it can be known.
func stdinScript(redirs []*syntax.Redirect) (string, bool) {
	var last *syntax.Redirect
	for _, r := range redirs {
		if r.N != nil && r.N.Value != "0" {
			continue
		}
		switch r.Op {
		case syntax.RdrIn, syntax.RdrInOut, syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
			last = r
		}
	}
	if last == nil {
		return "", false
	}
	switch last.Op {
	case syntax.WordHdoc:
		return wordText(last.Word, textWord)
	case syntax.Hdoc, syntax.DashHdoc:
		if last.Hdoc == nil {
			return "", false
		}
		if quotedDelim(last.Word) {
			return wordText(last.Hdoc, textRaw)
		}
		return wordText(last.Hdoc, textHeredoc)
	}
	return "", false
}

// quotedDelim reports whether a heredoc delimiter is quoted (the body is
// then taken literally).
func quotedDelim(w *syntax.Word) bool {
	if w == nil {
		return false
	}
	for _, p := range w.Parts {
		switch x := p.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			return true
		case *syntax.Lit:
			if strings.Contains(x.Value, `\`) {
				return true
			}
		}
	}
	return false
}

// How the literal parts of a word are unquoted.
const (
	textWord    = iota // an argument: backslash escapes any character
	textHeredoc        // an unquoted heredoc body: \$ \` \\ and \newline only
	textRaw            // a quoted heredoc body: as written
)

// wordText is the text a word passes to the program it is given to, when
// it can be known: its literal and quoted parts unquoted, with parameters
// inside double quotes (or an unquoted heredoc) kept as $NAME for the
// receiving shell's parser. A word with other expansions ($(...), $((...)),
// unquoted $VAR) or without literal text is unknowable.
func wordText(w *syntax.Word, mode int) (string, bool) {
	var b strings.Builder
	lit := false
	param := func(x *syntax.ParamExp) bool {
		if err := syntax.NewPrinter().Print(&b, x); err != nil {
			return false
		}
		return true
	}
	for _, p := range w.Parts {
		switch x := p.(type) {
		case *syntax.Lit:
			switch mode {
			case textWord:
				b.WriteString(unescape(x.Value, ""))
			case textHeredoc:
				b.WriteString(unescape(x.Value, "$`\\"))
			default:
				b.WriteString(x.Value)
			}
			lit = lit || strings.TrimSpace(x.Value) != ""
		case *syntax.SglQuoted:
			if x.Dollar {
				return "", false
			}
			b.WriteString(x.Value)
			lit = lit || strings.TrimSpace(x.Value) != ""
		case *syntax.DblQuoted:
			if x.Dollar {
				return "", false
			}
			for _, q := range x.Parts {
				switch y := q.(type) {
				case *syntax.Lit:
					b.WriteString(unescape(y.Value, "$`\"\\"))
					lit = lit || strings.TrimSpace(y.Value) != ""
				case *syntax.ParamExp:
					if !param(y) {
						return "", false
					}
				default:
					return "", false
				}
			}
		case *syntax.ParamExp:
			if mode != textHeredoc || !param(x) {
				return "", false
			}
		default:
			return "", false
		}
		if b.Len() > maxInnerScript {
			return "", false
		}
	}
	return b.String(), lit
}

// unescape removes the backslashes the shell removes: before a character
// of set (any character when set is empty), and a backslash-newline.
func unescape(s, set string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			n := s[i+1]
			if n == '\n' {
				i++
				continue
			}
			if set == "" || strings.IndexByte(set, n) >= 0 {
				b.WriteByte(n)
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func newCall(words []*syntax.Word) (call, bool) {
	var cl call
	args := make([]string, len(words))
	for i, w := range words {
		args[i] = wordString(w)
	}
	i := 0
	for i < len(args) {
		switch path.Base(args[i]) {
		case "sudo":
			cl.sudo = true
			i++
			for i < len(args) && strings.HasPrefix(args[i], "-") {
				if a := args[i]; a == "-u" || a == "-g" || a == "-C" || a == "-h" || a == "-p" || a == "-U" {
					i++
				}
				i++
			}
		case "env":
			i++
			for i < len(args) && (strings.HasPrefix(args[i], "-") || strings.Contains(args[i], "=")) {
				i++
			}
		case "command", "exec", "nohup", "time", "nice", "stdbuf":
			i++
			for i < len(args) && strings.HasPrefix(args[i], "-") {
				i++
			}
		default:
			cl.name = path.Base(args[i])
			cl.args = args[i+1:]
			cl.words = words[i+1:]
			cl.cd = cl.name == "cd" || cl.name == "pushd"
			return cl, true
		}
	}
	if cl.sudo {
		return cl, true
	}
	return cl, false
}

// wordString is the value of a word: literals and quoted text as the shell
// would see them; expansions become "$".
func wordString(w *syntax.Word) string {
	var b strings.Builder
	var part func(p syntax.WordPart)
	part = func(p syntax.WordPart) {
		switch x := p.(type) {
		case *syntax.Lit:
			b.WriteString(x.Value)
		case *syntax.SglQuoted:
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			for _, q := range x.Parts {
				part(q)
			}
		default:
			b.WriteString("$")
		}
	}
	for _, p := range w.Parts {
		part(p)
	}
	return b.String()
}

// literal reports whether a word has no expansions, globs or tilde.
func literal(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, p := range w.Parts {
		switch x := p.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(x.Value, "*?[~{") {
				return "", false
			}
			b.WriteString(x.Value)
		case *syntax.SglQuoted:
			if x.Dollar {
				return "", false
			}
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			for _, q := range x.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(l.Value)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

func setsPipefail(args []string) bool {
	for i, a := range args {
		if a == "pipefail" && i > 0 {
			p := args[i-1]
			if strings.HasPrefix(p, "-") && strings.Contains(p, "o") {
				return true
			}
		}
	}
	return false
}

// shellPipefail reports whether a SHELL instruction's command line turns
// pipefail on.
func shellPipefail(sh []string) bool {
	return setsPipefail(sh)
}

// posixShell reports whether a SHELL command line runs a POSIX-like shell
// (the shell rules only understand those).
func posixShell(sh []string) bool {
	if len(sh) == 0 {
		return true
	}
	name := strings.ToLower(path.Base(strings.ReplaceAll(sh[0], `\`, "/")))
	return shells.IsPOSIX(name) || name == "busybox"
}
