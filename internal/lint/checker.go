package lint

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/rules"
)

// checker runs slipway's rules over a doc.
type checker struct {
	doc  *doc
	team *config.Team
	// buildArgs are the values a build passes (Options.BuildArgs);
	// target is the stage it builds (Options.Target), "" for the last.
	buildArgs map[string]string
	target    string
	findings  []rules.Finding

	lineIndex map[int]*instr // see byLine
	sources   map[[2]int]string
}

// source is the redacted excerpt of lines start..end, made once for all
// the findings on one instruction.
func (c *checker) source(start, end int) string {
	k := [2]int{start, end}
	if s, ok := c.sources[k]; ok {
		return s
	}
	if c.sources == nil {
		c.sources = map[[2]int]string{}
	}
	s := c.doc.mask(c.doc.source(start, end))
	c.sources[k] = s
	return s
}

// add records a finding of rule id on the instruction that starts at line.
func (c *checker) add(id string, line int, format string, args ...any) {
	end := line
	if in, ok := c.byLine()[line]; ok {
		end = in.end
	}
	c.addAt(id, line, end, fmt.Sprintf(format, args...))
}

func (c *checker) addAt(id string, line, end int, msg string) {
	sev := rules.Warning
	if r, ok := catalogue.Lookup(id); ok {
		sev = r.Severity
		id = r.ID
	}
	c.findings = append(c.findings, rules.Finding{
		RuleID: id, Severity: sev, Message: msg,
		File: c.doc.path, Line: line, EndLine: end,
		Source: c.source(line, end),
	})
}

func (c *checker) firstLine() int {
	if len(c.doc.all) > 0 {
		return c.doc.all[0].line
	}
	return 1
}

// byLine indexes the doc's instructions by first line (the first one when
// several start on a line), built once: a finding looks up its instruction's
// end without a walk over the whole file.
func (c *checker) byLine() map[int]*instr {
	if c.lineIndex == nil {
		c.lineIndex = make(map[int]*instr, len(c.doc.all))
		for _, in := range c.doc.all {
			if _, ok := c.lineIndex[in.line]; !ok {
				c.lineIndex[in.line] = in
			}
		}
	}
	return c.lineIndex
}

// stageState is what the walk over one stage knows so far.
type stageState struct {
	st         *stage
	shell      []string        // the SHELL in effect (nil: the default /bin/sh -c)
	args       map[string]bool // build arguments in scope
	secretArgs map[string]bool // ... of them, those with secret-looking names
}

func (c *checker) run() error {
	for _, in := range c.doc.metaArgs {
		c.checkArg(in, in.cmd.(*instructions.ArgCommand), nil)
	}
	for _, s := range c.doc.stages {
		c.checkBase(s)
		ss := &stageState{st: s, args: map[string]bool{}, secretArgs: map[string]bool{}}
		if s.parent != nil {
			// SHELL is inherited from the parent stage; build args are not.
			ss.shell = c.finalShell(s.parent)
		}
		for _, in := range s.instrs {
			c.checkInstr(ss, in, false)
			if ob, ok := in.cmd.(*instructions.OnbuildCommand); ok {
				c.checkOnbuild(ss, in, ob)
			}
		}
	}
	final := c.doc.stages[len(c.doc.stages)-1]
	if c.target != "" {
		final = nil
		for _, s := range c.doc.stages {
			if strings.EqualFold(s.name, c.target) {
				final = s
			}
		}
		if final == nil {
			return &ParseError{File: c.doc.path, Err: fmt.Errorf("no stage named %q (--target)", c.target)}
		}
	}
	c.checkFinal(final)
	return nil
}

func (c *checker) finalShell(s *stage) []string {
	var sh []string
	for _, st := range reverse(s.chain()) {
		for _, in := range st.instrs {
			if x, ok := in.cmd.(*instructions.ShellCommand); ok {
				sh = x.Shell
			}
		}
	}
	return sh
}

func reverse[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// checkOnbuild checks the instruction an ONBUILD trigger will run in the
// child image, reporting on the ONBUILD line.
func (c *checker) checkOnbuild(ss *stageState, in *instr, ob *instructions.OnbuildCommand) {
	res, err := parser.Parse(strings.NewReader(ob.Expression))
	if err != nil || len(res.AST.Children) == 0 {
		return
	}
	n := res.AST.Children[0]
	cmd, err := parseInstruction(n)
	if err != nil {
		return
	}
	inner := &instr{node: n, cmd: cmd, line: in.line, end: in.end, onbuild: true}
	// The child's build args and shell are unknown: check with a copy.
	cp := &stageState{st: ss.st, shell: ss.shell, args: map[string]bool{}, secretArgs: map[string]bool{}}
	c.checkInstr(cp, inner, true)
}

func (c *checker) checkInstr(ss *stageState, in *instr, onbuild bool) {
	c.checkSecretValues(in)
	switch x := in.cmd.(type) {
	case *instructions.ArgCommand:
		c.checkArg(in, x, ss)
	case *instructions.EnvCommand:
		for _, kv := range x.Env {
			if secretName(kv.Key) {
				c.add("SW130", in.line, "ENV %s looks like a secret: ENV values are stored in the image config", kv.Key)
			}
			c.checkSecretArgRef(ss, in, "ENV "+kv.Key, kv.Value)
		}
	case *instructions.LabelCommand:
		for _, kv := range x.Labels {
			c.checkSecretArgRef(ss, in, "LABEL "+kv.Key, kv.Value)
		}
	case *instructions.ShellCommand:
		if !onbuild {
			ss.shell = x.Shell
		}
	case *instructions.RunCommand:
		c.checkRun(ss, in, x)
	case *instructions.CmdCommand:
		c.checkShellForm(in, "CMD", x.PrependShell, x.CmdLine)
	case *instructions.EntrypointCommand:
		c.checkShellForm(in, "ENTRYPOINT", x.PrependShell, x.CmdLine)
	case *instructions.WorkdirCommand:
		p := x.Path
		if p != "" && !strings.HasPrefix(p, "$") && !absPath(p, ss.st.windows) {
			c.add("SW153", in.line, "WORKDIR %s is relative; use an absolute path", p)
		}
	case *instructions.AddCommand:
		c.checkAdd(in, x)
		if x.Chmod != "" && setuidMode(x.Chmod) {
			c.add("SW154", in.line, "ADD --chmod=%s sets a setuid/setgid bit", x.Chmod)
		}
		c.checkContextCopy(in, x.SourcePaths, "", x.ExcludePatterns)
	case *instructions.CopyCommand:
		if x.Chmod != "" && setuidMode(x.Chmod) {
			c.add("SW154", in.line, "COPY --chmod=%s sets a setuid/setgid bit", x.Chmod)
		}
		c.checkContextCopy(in, x.SourcePaths, x.From, x.ExcludePatterns)
	}
}

func (c *checker) checkArg(in *instr, x *instructions.ArgCommand, ss *stageState) {
	for _, kv := range x.Args {
		secret := secretName(kv.Key)
		if secret {
			c.add("SW130", in.line, "ARG %s looks like a secret: build arguments are recorded in the image history", kv.Key)
		}
		if ss != nil {
			ss.args[kv.Key] = true
			if secret {
				ss.secretArgs[kv.Key] = true
			}
		}
	}
}

// checkSecretArgRef reports an ENV or LABEL value that copies a secret
// build argument into the image config.
func (c *checker) checkSecretArgRef(ss *stageState, in *instr, what, value string) {
	if len(ss.secretArgs) == 0 || !strings.Contains(value, "$") {
		return
	}
	e := newEnv(nil)
	for k := range ss.secretArgs {
		e.set(k, "x")
	}
	res, err := shell.NewLex(c.doc.escape).ProcessWordWithMatches(value, e)
	if err != nil {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(res.Matched)) {
		c.add("SW132", in.line, "%s copies the build argument %s into the image config", what, k)
	}
}

func (c *checker) checkSecretValues(in *instr) {
	var values []string
	for n := in.node.Next; n != nil; n = n.Next {
		values = append(values, n.Value)
	}
	for _, h := range in.node.Heredocs {
		values = append(values, h.Content)
	}
	for _, v := range values {
		if kind := secretValue(v); kind != "" {
			c.add("SW131", in.line, "%s contains what looks like %s", strings.ToUpper(in.node.Value), kind)
			return
		}
	}
}

func (c *checker) checkShellForm(in *instr, name string, prepend bool, cmdline []string) {
	if !prepend || len(cmdline) == 0 {
		return
	}
	c.add("SW150", in.line, "%s is in shell form: the service runs under /bin/sh -c and does not get SIGTERM; use exec form", name)
}

func (c *checker) checkAdd(in *instr, x *instructions.AddCommand) {
	var local, archives []string
	for _, src := range x.SourcePaths {
		switch {
		case isGit(src):
			// a git source is ADD's own feature
		case isURL(src):
			if x.Checksum == "" {
				c.add("SW121", in.line, "ADD downloads %s without --checksum", src)
			}
		case isArchive(src):
			archives = append(archives, src)
		default:
			local = append(local, src)
		}
	}
	if len(x.SourceContents) > 0 {
		local = append(local, "<<"+x.SourceContents[0].Path)
	}
	if len(local) > 0 && len(archives) == 0 {
		c.add("SW120", in.line, "ADD copies local files (%s); use COPY", strings.Join(local, ", "))
	}
}

func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

func isGit(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "git@") || strings.HasPrefix(l, "git://") || strings.HasPrefix(l, "ssh://") ||
		(isURL(l) && strings.Contains(l, ".git"))
}

func isArchive(s string) bool {
	l := strings.ToLower(s)
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar.lz4"} {
		if strings.HasSuffix(l, ext) {
			return true
		}
	}
	return false
}

// setuidMode reports whether a chmod mode sets the setuid or setgid bit.
func setuidMode(m string) bool {
	m = strings.TrimSpace(m)
	if m == "" {
		return false
	}
	if n, err := strconv.ParseUint(m, 8, 32); err == nil {
		return n&0o6000 != 0
	}
	// symbolic: u+s, g+s, +s, a+s, ug=rws ...
	for _, clause := range strings.Split(m, ",") {
		i := strings.IndexAny(clause, "+=")
		if i >= 0 && strings.Contains(clause[i+1:], "s") {
			return true
		}
	}
	return false
}
