package golden

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// FuzzRenderValues renders a spec whose env value, label value and
// entrypoint argument come from the fuzzer: whatever passes validation
// must render to a Dockerfile that BuildKit parses into exactly the
// instructions the spec asks for, with the values unchanged.
func FuzzRenderValues(f *testing.F) {
	for _, s := range []string{"plain", `with "quotes"`, `back\slash`, "$HOME and ${X}", "`cmd`", "new\nline", "tab\there", "\u2028", "'single'", `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s := &Spec{
			Name: "fz", From: "docker.io/library/debian:bookworm-slim", Hardening: DefaultHardening(),
			User:       &User{Name: "app", UID: 10001},
			Env:        map[string]string{"FUZZ": v},
			Labels:     map[string]string{"org.example.fuzz": v},
			Entrypoint: []string{"/app", v},
		}
		if s.Validate() != nil {
			return
		}
		p, err := NewPlan([]*Spec{s})
		if err != nil {
			t.Fatal(err)
		}
		df, err := p.Render(s, NewBase(s.From, fakeDigest))
		if err != nil {
			t.Fatal(err)
		}
		res, err := parser.Parse(strings.NewReader(string(df)))
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, df)
		}
		stages, _, err := instructions.Parse(res.AST, nil)
		if err != nil {
			t.Fatalf("instructions: %v\n%s", err, df)
		}
		last := stages[len(stages)-1]
		lex := shell.NewLex('\\')
		var env, labels int
		for _, c := range last.Commands {
			switch c := c.(type) {
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					if kv.Key == "FUZZ" {
						env++
						got, _, err := lex.ProcessWord(kv.Value, shell.EnvsFromSlice(nil))
						if err != nil || got != v {
							t.Errorf("ENV value %q became %q (%v)\n%s", v, got, err, df)
						}
					}
				}
			case *instructions.LabelCommand:
				labels += len(c.Labels)
			case *instructions.EntrypointCommand:
				if len(c.CmdLine) != 2 || c.CmdLine[1] != v {
					t.Errorf("ENTRYPOINT %q, want [/app %q]", c.CmdLine, v)
				}
			}
		}
		if env != 1 || labels != 4 {
			t.Errorf("got %d FUZZ env and %d labels, want 1 and 4:\n%s", env, labels, df)
		}
	})
}
