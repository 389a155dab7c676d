package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// BaseImage is one FROM line that names an image (not scratch, not an
// earlier stage), with the build's arguments expanded.
type BaseImage struct {
	Line int
	// Ref is the image as BuildKit will pull it (build args expanded).
	Ref string
}

// BaseImages lists the images a Dockerfile's FROM lines name, in order,
// with meta ARGs taking the build's --build-arg values over their
// defaults. A FROM whose image depends on an argument without a value is
// an error naming the line: what would be pulled cannot be known.
func BaseImages(in Input, buildArgs map[string]string) ([]BaseImage, error) {
	d, err := parse(in)
	if err != nil {
		return nil, err
	}
	// Meta ARGs again, with the build's values: BuildKit lets --build-arg
	// override a declared meta ARG's default.
	meta := newEnv(builtinArgs())
	lex := shell.NewLex(d.escape)
	for _, in := range d.metaArgs {
		for _, kv := range in.cmd.(*instructions.ArgCommand).Args {
			if v, ok := buildArgs[kv.Key]; ok {
				meta.set(kv.Key, v)
				continue
			}
			if kv.Value == nil {
				meta.declare(kv.Key)
				continue
			}
			v, _, err := lex.ProcessWord(*kv.Value, meta)
			if err != nil {
				v = *kv.Value
			}
			meta.set(kv.Key, v)
		}
	}
	var out []BaseImage
	var names []string
	for _, s := range d.stages {
		res, err := lex.ProcessWordWithMatches(s.raw, meta)
		if err != nil {
			return nil, &ParseError{File: d.path, Line: s.from.line, Err: err}
		}
		unset := meta.unset(res.Matched)
		for k := range res.Unmatched {
			unset = append(unset, k)
		}
		base := strings.TrimSpace(res.Result)
		if len(unset) > 0 || base == "" {
			sort.Strings(unset)
			return nil, &ParseError{File: d.path, Line: s.from.line, Err: fmt.Errorf("FROM %s: the image depends on build arguments without a value (%s); pass --build-arg", printable(s.raw), strings.Join(unset, ", "))}
		}
		stage := false
		for _, n := range names {
			if strings.EqualFold(n, base) {
				stage = true
			}
		}
		if s.name != "" {
			names = append(names, s.name)
		}
		if stage || strings.EqualFold(base, "scratch") {
			continue
		}
		out = append(out, BaseImage{Line: s.from.line, Ref: base})
	}
	return out, nil
}
