package lint

import (
	"bytes"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/slipway/slipway/internal/generate"
)

// BuildKit's checks run by converting the Dockerfile to LLB
// (dockerfile2llb), and that conversion is quadratic in the length of a
// stage: every llb.State links to the one before it, and each RUN asks its
// state for the platform (and expansions ask for the environment), which
// walks the links back to the FROM that set it. 20,000 RUN lines in one
// stage take seconds, 100,000 take minutes.
//
// bkWindows feeds BuildKit the same checks in a shape that is linear. The
// instructions whose effect on the state later instructions are checked in is
// nothing but a new filesystem ("neutral": RUN and COPY/ADD that name no
// other stage with --from or a from= mount) are spread over several passes;
// everything else (FROM, ARG, ENV, WORKDIR, SHELL, USER, LABEL, CMD, ...,
// and the neutral instructions of short stages) is in the first pass, so the
// state each instruction is checked in is exactly the state of a single
// pass. A pass k > 0 holds, of a long stage, the k-th window of its neutral
// instructions and every other instruction of that stage and of the stages it
// builds FROM; other stages are reduced to their FROM line, so that stage
// names and indexes still resolve. Each instruction's warnings are taken from
// the one pass that owns it; lines are mapped back. Instructions are cut at
// the parser's line ranges with the comments above them, so the check
// directives in comments stay with their instruction. The one check that
// looks at the whole file, ConsistentInstructionCasing (which casing the
// majority of instructions use), is kept by adding to a pass, when its
// majority differs from the file's, LABEL lines in the file's majority
// casing, whose own warnings are dropped.
//
// Passes are independent and run side by side, one per CPU.
//
// An error (the file does not convert) ends BuildKit's single pass at the
// first failing instruction; of the passes' errors the one on the earliest
// line is returned. A file with no stage longer than bkWindow neutral
// instructions is checked in one pass, as written; 512 was the fastest
// window measured on 100,000 RUN lines (smaller windows pay BuildKit's
// per-pass cost more often, larger ones its quadratic walk).
var bkWindow = 512

// bkPart is one top-level instruction as lines of the source.
type bkPart struct {
	in      *instr
	stage   int // index of its stage; -1 for ARGs before the first FROM
	from    bool
	neutral bool
	first   int // first line it owns: the line after the previous part
	// window is the pass that checks it: 0, or 1+ the window of a neutral
	// instruction in a long stage.
	window int
	lower  bool // its instruction keyword is all lowercase
	upper  bool // ... all uppercase
}

// bkLint returns BuildKit's warnings for the doc, lines in the doc's terms.
func (c *checker) bkLint() ([]generate.LintWarning, error) {
	d := c.doc
	// BuildKit's shell lexer prints "invalid UTF-8 encoding" to stderr for
	// each bad byte it scans; no check looks at those bytes, so it is given
	// them as U+FFFD (lines are unchanged).
	src := []byte(strings.ToValidUTF8(string(d.src), "\uFFFD"))
	parts, passes := bkPlan(d)
	if passes <= 1 {
		return generate.BuildKitLint(src)
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	owner := make([]int, len(lines)+2) // line → index into parts, -1 header
	for i := range owner {
		owner[i] = -1
	}
	for i, p := range parts {
		for l := p.first; l <= p.in.end && l <= len(lines); l++ {
			owner[l] = i
		}
	}
	all := make([]int, len(parts))
	for i := range all {
		all[i] = i
	}
	full := casing(parts, all)

	pl := newPassPlan(d, parts)
	// Passes are independent: they run side by side, one per CPU.
	type result struct {
		lmap []int // pass line → doc line (0: added)
		ws   []generate.LintWarning
		err  error
	}
	results := make([]result, passes)
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for k := 0; k < passes; k++ {
		idx := pl.pass(k)
		kept := casing(parts, idx)
		var b bytes.Buffer
		var lmap []int
		emit := func(from, to int) {
			for l := from; l <= to && l <= len(lines); l++ {
				b.Write(lines[l-1])
				lmap = append(lmap, l)
			}
		}
		dummies := false
		for _, i := range idx {
			p := parts[i]
			emit(p.first, p.in.end)
			if p.from && !dummies {
				dummies = true
				if !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
					b.WriteByte('\n')
				}
				for _, l := range casingDummies(full, kept) {
					b.WriteString(l)
					lmap = append(lmap, 0)
				}
			}
		}
		if last := parts[len(parts)-1].in.end; last < len(lines) {
			emit(last+1, len(lines))
		}
		results[k].lmap = lmap
		sem <- struct{}{}
		wg.Add(1)
		go func(k int, src []byte) {
			defer wg.Done()
			results[k].ws, results[k].err = generate.BuildKitLint(src)
			<-sem
		}(k, b.Bytes())
	}
	wg.Wait()

	var out []generate.LintWarning
	var firstErr error
	errLine := 0
	for k, r := range results {
		lmap := r.lmap
		if r.err != nil {
			line, msg := splitLine(r.err)
			if line > 0 && line <= len(lmap) {
				line = lmap[line-1]
			} else {
				line = 0
			}
			if firstErr == nil || line > 0 && (errLine == 0 || line < errLine) {
				errLine = line
				firstErr = fmt.Errorf("linting Dockerfile: line %d: %s", line, msg)
				if line == 0 {
					firstErr = fmt.Errorf("linting Dockerfile: %s", msg)
				}
			}
			continue
		}
		for _, w := range r.ws {
			if w.Line <= 0 || w.Line > len(lmap) || lmap[w.Line-1] == 0 {
				continue
			}
			w.Line = lmap[w.Line-1]
			win := 0
			if i := owner[w.Line]; i >= 0 {
				win = parts[i].window
			}
			if win == k {
				out = append(out, w)
			}
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out, nil
}

// bkPlan splits the doc into parts and assigns each neutral instruction of
// a long stage to a window; passes is 1 when no stage is long.
func bkPlan(d *doc) (parts []bkPart, passes int) {
	stageOf := map[*instr]int{}
	for i, s := range d.stages {
		stageOf[s.from] = i
		for _, in := range s.instrs {
			stageOf[in] = i
		}
	}
	prevEnd := 0
	for _, in := range d.all {
		p := bkPart{in: in, stage: -1, first: prevEnd + 1}
		if i, ok := stageOf[in]; ok {
			p.stage = i
		}
		_, p.from = in.cmd.(*instructions.Stage)
		p.neutral = neutral(in)
		word := strings.Fields(in.node.Original)
		if len(word) > 0 && p.stage >= 0 { // BuildKit counts no ARG before the first FROM
			p.lower = word[0] == strings.ToLower(word[0])
			p.upper = !p.lower && word[0] == strings.ToUpper(word[0])
		}
		prevEnd = max(prevEnd, in.end)
		parts = append(parts, p)
	}
	passes = 1
	byStage := map[int][]int{}
	others := map[int]int{}
	for i, p := range parts {
		if p.stage < 0 {
			continue
		}
		if p.neutral {
			byStage[p.stage] = append(byStage[p.stage], i)
		} else {
			others[p.stage]++
		}
	}
	for s, idx := range byStage {
		// A window at least as large as the rest of the stage, so that a
		// stage of mostly state-changing instructions is not checked again
		// and again with all of them.
		w := max(bkWindow, others[s])
		if len(idx) <= w {
			continue
		}
		for j, i := range idx {
			parts[i].window = j / w
		}
		passes = max(passes, (len(idx)+w-1)/w)
	}
	return parts, passes
}

// neutral reports whether an instruction leaves nothing behind that a later
// instruction is checked against: a RUN, COPY or ADD that reads no other
// stage. ONBUILD triggers and everything else are not neutral.
func neutral(in *instr) bool {
	switch in.cmd.(type) {
	case *instructions.RunCommand:
		for _, f := range in.node.Flags {
			if strings.Contains(strings.ToLower(f), "from=") {
				return false
			}
		}
		return true
	case *instructions.CopyCommand, *instructions.AddCommand:
		for _, f := range in.node.Flags {
			if strings.HasPrefix(strings.ToLower(f), "--from") {
				return false
			}
		}
		return true
	}
	return false
}

// passPlan lists, once, what each pass is made of, so that building a pass
// costs its own size, not the file's.
type passPlan struct {
	d        *doc
	parts    []bkPart
	first    []int         // pass 0: every part of window 0
	skeleton []int         // ARGs before the first FROM, and every FROM
	rest     map[int][]int // stage → its parts that are neither FROM nor neutral
	windows  map[int][]int // pass k > 0 → its neutral parts
}

func newPassPlan(d *doc, parts []bkPart) *passPlan {
	pl := &passPlan{d: d, parts: parts, rest: map[int][]int{}, windows: map[int][]int{}}
	for i, p := range parts {
		if p.window == 0 {
			pl.first = append(pl.first, i)
		} else {
			pl.windows[p.window] = append(pl.windows[p.window], i)
		}
		switch {
		case p.stage < 0 || p.from:
			pl.skeleton = append(pl.skeleton, i)
		case !p.neutral:
			pl.rest[p.stage] = append(pl.rest[p.stage], i)
		}
	}
	return pl
}

// pass returns the parts pass k holds, in file order. Pass 0 holds every
// instruction but the later windows of long stages; a pass k > 0 holds the
// k-th window of the long stages that have one, every other instruction of
// those stages and of the stages they build FROM, and of the other stages
// only their FROM line.
func (pl *passPlan) pass(k int) []int {
	if k == 0 {
		return pl.first
	}
	full := map[int]bool{}
	for _, i := range pl.windows[k] {
		for s := pl.d.stages[pl.parts[i].stage]; s != nil && !full[s.index]; s = s.parent {
			full[s.index] = true
		}
	}
	idx := append([]int(nil), pl.skeleton...)
	for s := range full {
		idx = append(idx, pl.rest[s]...)
	}
	idx = append(idx, pl.windows[k]...)
	sort.Ints(idx)
	return idx
}

// casing counts lowercase and uppercase keywords as BuildKit's
// ConsistentInstructionCasing does, over the parts idx.
func casing(parts []bkPart, idx []int) (counts [2]int) {
	for _, i := range idx {
		p := parts[i]
		if p.lower {
			counts[0]++
		} else if p.upper {
			counts[1]++
		}
	}
	return counts
}

// casingDummies are the LABEL lines that give a pass the file's majority
// casing (BuildKit: lowercase when lower > upper).
func casingDummies(full, kept [2]int) []string {
	var n int
	var line string
	if full[0] > full[1] {
		n, line = kept[1]-kept[0]+1, "label slipway.lint.casing=1\n"
	} else {
		n, line = kept[0]-kept[1], "LABEL slipway.lint.casing=1\n"
	}
	out := make([]string, 0, max(n, 0))
	for i := 0; i < n; i++ {
		out = append(out, line)
	}
	return out
}

// splitLine takes BuildKitLint's "linting Dockerfile: line N: message" apart.
func splitLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "linting Dockerfile: ")
	var n int
	if _, serr := fmt.Sscanf(msg, "line %d: ", &n); serr == nil {
		return n, msg[strings.Index(msg, ": ")+2:]
	}
	return 0, msg
}
