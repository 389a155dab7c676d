package lint

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/generate"
)

// warningsText is one "LINE RULE DETAIL" per warning, sorted.
func warningsText(ws []generate.LintWarning) string {
	var out []string
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%5d %s %s", w.Line, w.Rule, w.Detail))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// passesOf lints src in passes of window neutral instructions and directly,
// in one pass, and returns both results; parsed is false for a file the
// parser refuses (the corpus holds some on purpose), which has no passes.
func passesOf(t *testing.T, name string, src []byte, window int) (split, whole string, passes int, parsed bool) {
	t.Helper()
	d, err := parse(Input{Path: name, Data: src})
	if err != nil {
		t.Logf("%s does not parse, so it has no passes to compare: %v", name, err)
		return "", "", 0, false
	}
	saved := bkWindow
	bkWindow = window
	defer func() { bkWindow = saved }()
	_, passes = bkPlan(d)
	ws, err := (&checker{doc: d}).bkLint()
	if err != nil {
		split = "error: " + err.Error()
	} else {
		split = warningsText(ws)
	}
	direct, err := generate.BuildKitLint(d.src)
	if err != nil {
		whole = "error: " + err.Error()
	} else {
		whole = warningsText(direct)
	}
	return split, whole, passes, true
}

// Checking in passes gives exactly BuildKit's single-pass warnings, on
// every corpus file, the benchmark's file and shapes chosen to catch a
// pass that lost a stage's context: a window of one instruction makes a
// pass of nearly every RUN and COPY.
func TestPassesMatchOnePass(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.Dockerfile")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	type tc struct {
		name string
		src  []byte
	}
	var cases []tc
	for _, f := range files {
		in, _ := corpusInput(t, f)
		cases = append(cases, tc{filepath.Base(f), in.Data})
	}
	cases = append(cases,
		tc{"bench-2000", dockerfile2000()},
		tc{"context", []byte(`# check=skip=JSONArgsRecommended
ARG BASE=debian:bookworm-slim
FROM ${BASE} AS Base
ARG TOKEN
ENV HOME_DIR=/home
RUN echo $HOME_DIR
# a comment above a RUN
RUN --mount=type=cache,target=/root/.cache echo $UNDEFINED_A
copy a /b
WORKDIR rel
RUN <<EOF
set -e
echo $HOME_DIR
EOF
COPY --chown=$NOPE a /c
run echo lower
RUN echo x
ENV PASSWORD=$TOKEN
RUN echo y

FROM base AS second
RUN echo $HOME_DIR
COPY --chown=$HOME_DIR a /d
RUN echo more
COPY --chown=$NOT_IN_BASE a /e
COPY --from=Base /a /a
RUN --mount=from=Base,target=/m echo z
RUN echo last
MAINTAINER me
CMD echo shell form
CMD ["/x"]
EXPOSE 80/TCP
`)},
		tc{"lowercase-majority", []byte("from debian AS a\nrun echo 1\nrun echo 2\nrun echo 3\nrun echo 4\nRUN echo 5\nrun echo 6\nENV X=1\nrun echo $X\nworkdir app\n")},
		// The lowercase majority is made only by neutral instructions, which
		// a pass holds one or two of.
		tc{"majority-from-neutral", []byte("FROM debian\nENV A=1\nENV B=2\nrun echo 1\nrun echo 2\nrun echo 3\ncopy a /b\nrun echo 5\n")},
		// A short parent: a pass of the child's later RUNs needs its ENV.
		tc{"parent-env", []byte("FROM debian AS Base\nENV HOME_DIR=/h\nFROM base AS second\nRUN echo 1\nCOPY --chown=$HOME_DIR a /d\nRUN echo more\nCOPY --chown=$NOT_IN_BASE a /e\n")},
		tc{"error-late", []byte("FROM debian\nRUN echo 1\nRUN echo 2\nRUN echo 3\nRUN --mount=type=bogus echo 4\nRUN echo 5\n")},
		tc{"cycle", []byte("FROM debian AS a\nRUN echo 1\nCOPY --from=b /x /x\nRUN echo 2\nFROM debian AS b\nRUN echo 3\nCOPY --from=a /y /y\nRUN echo 4\n")},
		tc{"crlf", []byte("FROM debian\r\nRUN echo $A\r\nRUN echo 2 \\\r\n\r\n  && true\r\nENV B=$C\r\nRUN echo 3\r\n")},
	)
	splitRuns := 0
	for _, c := range cases {
		for _, window := range []int{1, 2, 3} {
			split, whole, passes, parsed := passesOf(t, c.name, c.src, window)
			if !parsed {
				continue
			}
			if passes > 1 {
				splitRuns++
			}
			if split != whole {
				t.Errorf("%s, window %d (%d passes): in passes\n%s\nin one pass\n%s", c.name, window, passes, split, whole)
			}
		}
	}
	if splitRuns < 20 {
		t.Errorf("only %d of %d cases × windows were split into passes", splitRuns, 3*len(cases))
	}
}

// A stage of 20,000 RUN lines is checked in passes and gives the warnings
// BuildKit gives for it, first to last line.
func TestTwentyThousandLines(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 lines in one BuildKit pass take seconds (the comparison's cost, not lint's)")
	}
	var b strings.Builder
	b.WriteString("FROM debian:bookworm-slim\nENV KNOWN=1\n")
	for i := 0; i < 20000; i++ {
		switch i % 1000 {
		case 0:
			fmt.Fprintf(&b, "run echo %d\n", i) // casing
		case 500:
			fmt.Fprintf(&b, "COPY --chown=$UNSET_%d a /b\n", i) // UndefinedVar
		default:
			fmt.Fprintf(&b, "RUN echo %d\n", i)
		}
	}
	b.WriteString("CMD echo done\n")
	src := []byte(b.String())
	split, whole, passes, parsed := passesOf(t, "20k", src, bkWindow)
	if !parsed {
		t.Fatal("the 20,000-line Dockerfile does not parse")
	}
	if passes < 2 {
		t.Fatalf("%d passes for 20,000 RUN lines", passes)
	}
	if split != whole {
		t.Fatalf("in passes:\n%s\nin one pass:\n%s", split, whole)
	}
	// And the warnings are the ones written in: 20 casing, 20 undefined, CMD.
	var casing, undefined, jsonArgs int
	for _, l := range strings.Split(split, "\n") {
		switch {
		case strings.Contains(l, "ConsistentInstructionCasing"):
			casing++
		case strings.Contains(l, "UndefinedVar"):
			undefined++
		case strings.Contains(l, "JSONArgsRecommended"):
			jsonArgs++
		}
	}
	if casing != 20 || undefined != 20 || jsonArgs != 1 {
		t.Errorf("casing %d, undefined %d, json args %d; want 20, 20, 1:\n%s", casing, undefined, jsonArgs, split)
	}
}
