package lint

import (
	"fmt"
	"path"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// doc is a parsed Dockerfile: BuildKit's AST, each instruction parsed by
// BuildKit's instructions package, grouped into stages.
type doc struct {
	path   string
	src    []byte
	lines  []string // raw source lines; lines[0] is line 1
	ignore *Dockerignore
	ast    *parser.Node
	escape rune

	metaArgs []*instr // ARGs before the first FROM
	meta     *env     // their default values, for FROM expansion
	stages   []*stage
	all      []*instr // every instruction, in order

	mk *masker // the credentials to hide in what is printed (mask.go)
}

// instr is one instruction: its AST node and its parsed form.
type instr struct {
	node *parser.Node
	cmd  any // an instructions.Command, or *instructions.Stage for FROM
	line int // first line (of the ONBUILD that carries it, for triggers)
	end  int
	// onbuild is set for the instruction inside an ONBUILD trigger.
	onbuild bool
}

// stage is one FROM and what follows it.
type stage struct {
	index  int
	from   *instr
	name   string // AS name, as written
	raw    string // the base as written
	base   string // the base with build arguments expanded
	parent *stage // set when the base is an earlier stage
	image  reference.Named
	// scratch, unresolved and invalid bases have no image.
	scratch    bool
	unresolved []string // build arguments without a default used in the base
	invalid    error
	windows    bool
	instrs     []*instr
}

func (d *doc) build() error {
	d.meta = newEnv(builtinArgs())
	for _, n := range d.ast.Children {
		cmd, err := parseInstruction(n)
		if err != nil {
			return &ParseError{File: d.path, Line: n.StartLine, Err: err}
		}
		in := &instr{node: n, cmd: cmd, line: n.StartLine, end: n.EndLine}
		d.all = append(d.all, in)
		switch c := cmd.(type) {
		case *instructions.Stage:
			d.stages = append(d.stages, d.newStage(in, c))
		case *instructions.ArgCommand:
			if len(d.stages) == 0 {
				d.metaArgs = append(d.metaArgs, in)
				for _, kv := range c.Args {
					if kv.Value != nil {
						v, _, err := shell.NewLex(d.escape).ProcessWord(*kv.Value, d.meta)
						if err != nil {
							v = *kv.Value
						}
						d.meta.set(kv.Key, v)
					} else {
						d.meta.declare(kv.Key)
					}
				}
				continue
			}
			d.current().instrs = append(d.current().instrs, in)
		default:
			if len(d.stages) == 0 {
				return &ParseError{File: d.path, Line: n.StartLine, Err: fmt.Errorf("%s before the first FROM", strings.ToUpper(n.Value))}
			}
			d.current().instrs = append(d.current().instrs, in)
		}
	}
	if len(d.stages) == 0 {
		return &ParseError{File: d.path, Err: fmt.Errorf("no FROM instruction")}
	}
	return nil
}

func (d *doc) current() *stage { return d.stages[len(d.stages)-1] }

func (d *doc) newStage(in *instr, c *instructions.Stage) *stage {
	s := &stage{index: len(d.stages), from: in, name: c.Name, raw: c.BaseName}
	res, err := shell.NewLex(d.escape).ProcessWordWithMatches(c.BaseName, d.meta)
	s.base = res.Result
	if err != nil {
		s.invalid = err
		return s
	}
	for k := range res.Unmatched {
		s.unresolved = append(s.unresolved, k)
	}
	for _, k := range d.meta.unset(res.Matched) {
		s.unresolved = append(s.unresolved, k)
	}
	if len(s.unresolved) > 0 || strings.TrimSpace(s.base) == "" {
		if len(s.unresolved) == 0 {
			s.unresolved = []string{c.BaseName}
		}
		return s
	}
	for _, p := range d.stages {
		if p.name != "" && strings.EqualFold(p.name, s.base) {
			s.parent = p
			s.windows = p.windows
			return s
		}
	}
	if strings.EqualFold(s.base, "scratch") {
		s.scratch = true
		return s
	}
	named, err := reference.ParseNormalizedNamed(s.base)
	if err != nil {
		s.invalid = err
		return s
	}
	s.image = named
	s.windows = isWindowsImage(named)
	return s
}

// root follows stage references to the stage that names an image.
func (s *stage) root() *stage {
	for s.parent != nil {
		s = s.parent
	}
	return s
}

// chain is the stage and the stages it builds on, nearest first.
func (s *stage) chain() []*stage {
	var out []*stage
	for ; s != nil; s = s.parent {
		out = append(out, s)
	}
	return out
}

func isWindowsImage(n reference.Named) bool {
	p := reference.Path(n)
	d := reference.Domain(n)
	return (d == "mcr.microsoft.com" && (strings.HasPrefix(p, "windows") || strings.Contains(p, "nanoserver") || strings.Contains(p, "servercore"))) ||
		strings.Contains(p, "windowsservercore") || strings.Contains(p, "nanoserver")
}

// familiar is the short form of a reference's name, without tag or digest
// ("golang", "gcr.io/distroless/static-debian12").
func familiar(n reference.Named) string {
	return reference.FamiliarName(reference.TrimNamed(n))
}

// source is the text of lines [start, end], at most 6 lines.
func (d *doc) source(start, end int) string {
	if start <= 0 || start > len(d.lines) {
		return ""
	}
	if end < start {
		end = start
	}
	if end > len(d.lines) {
		end = len(d.lines)
	}
	const max = 6
	more := 0
	if end-start+1 > max {
		more = end - start + 1 - max
		end = start + max - 1
	}
	s := strings.Join(d.lines[start-1:end], "\n")
	s = strings.TrimRight(s, "\r\n")
	if more > 0 {
		s += fmt.Sprintf("\n... (%d more lines)", more)
	}
	return s
}

// env is a build-argument scope for BuildKit's shell lexer.
type env struct {
	vals map[string]string
	set_ map[string]bool // declared with a value
	keys []string
}

func newEnv(init map[string]string) *env {
	e := &env{vals: map[string]string{}, set_: map[string]bool{}}
	for k, v := range init {
		e.set(k, v)
	}
	return e
}

func (e *env) set(k, v string) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
	e.set_[k] = true
}

func (e *env) declare(k string) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
		e.vals[k] = ""
	}
}

// unset lists the matched names that were declared without a value.
func (e *env) unset(matched map[string]struct{}) []string {
	var out []string
	for k := range matched {
		if !e.set_[k] {
			out = append(out, k)
		}
	}
	return out
}

func (e *env) Get(k string) (string, bool) { v, ok := e.vals[k]; return v, ok }
func (e *env) Keys() []string              { return e.keys }

// builtinArgs are the platform arguments BuildKit defines for FROM.
func builtinArgs() map[string]string {
	return map[string]string{
		"BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
		"TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": "",
	}
}

// absPath reports whether a WORKDIR-style path is absolute; Windows stages
// also accept drive letters and backslashes.
func absPath(p string, windows bool) bool {
	if path.IsAbs(p) {
		return true
	}
	if windows {
		if strings.HasPrefix(p, `\`) {
			return true
		}
		if len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') {
			c := p[0] | 0x20
			return 'a' <= c && c <= 'z'
		}
	}
	return false
}

// parseInstruction parses one AST node with BuildKit's instructions
// package. A non-nil (silent) linter is passed because BuildKit's
// ParseInstruction dereferences a nil one when a `# check=` comment
// precedes the instruction (found by FuzzLint).
func parseInstruction(n *parser.Node) (any, error) {
	return instructions.ParseInstructionWithLinter(n, linter.New(&linter.Config{}))
}
