package lint

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// script is what the shell parser found in one RUN.
type script struct {
	calls    []call
	pipes    []uint // offsets of | and |& operators
	pipefail []uint // offsets of `set -o pipefail`
	params   map[string]bool
}

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
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		return nil, false
	}
	s := &script{params: map[string]bool{}}
	s.walk(f, false)
	return s, true
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
		case *syntax.CallExpr:
			cl, ok := newCall(x.Args)
			if !ok {
				return true
			}
			s.calls = append(s.calls, cl)
			if cl.name == "set" && setsPipefail(cl.args) {
				s.pipefail = append(s.pipefail, x.Pos().Offset())
			}
		}
		return true
	})
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
	switch strings.ToLower(path.Base(strings.ReplaceAll(sh[0], `\`, "/"))) {
	case "sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox":
		return true
	}
	return false
}
