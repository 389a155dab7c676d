package lint

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestFix(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		notes          []string
	}{
		{
			name: "secret arg into a secret mount",
			in: `FROM node:20 AS build
# the registry token
ARG NPM_TOKEN
RUN --mount=type=cache,target=/root/.npm \
    NPM_TOKEN="$NPM_TOKEN" npm ci
RUN echo done

FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /app /app
USER 65532:65532
CMD ["/app/server.js"]
`,
			want: `FROM node:20 AS build
# the registry token
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN --mount=type=cache,target=/root/.npm \
    NPM_TOKEN="$NPM_TOKEN" npm ci
RUN echo done

FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /app /app
USER 65532:65532
CMD ["/app/server.js"]
`,
			notes: []string{"slipway build --secret id=npm_token,env=NPM_TOKEN"},
		},
		{
			name: "env secret used outside RUN is left alone",
			in: `FROM debian:bookworm-slim
ENV API_TOKEN=abc
LABEL token=$API_TOKEN
USER 10001
CMD ["/app"]
`,
			want: "",
		},
		{
			name: "shell form to exec form, ADD to COPY, missing USER",
			in: `from debian:bookworm-slim
add  app/ /app/
# start the service
cmd exec /app/server --port 8080 'a b'
`,
			want: `from debian:bookworm-slim
copy  app/ /app/
# Added by slipway lint --fix: run as a non-root user.
user 65532:65532
# start the service
cmd ["/app/server", "--port", "8080", "a b"]
`,
			notes: []string{"COPY --chown=65532:65532"},
		},
		{
			name: "shell syntax, archives and ENTRYPOINT with CMD stay",
			in: `FROM debian:bookworm-slim
ADD rootfs.tar.gz /
USER 10001
ENTRYPOINT /app/start.sh --port $PORT
CMD ["--verbose"]
`,
			want: "",
		},
		{
			name: "missing USER at the end of a file without a trailing newline",
			in:   "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app",
			want: "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\n# Added by slipway lint --fix: run as a non-root user.\nUSER 65532:65532",
		},
		{
			name: "suppressed findings are not fixed",
			in: `FROM debian:bookworm-slim
USER 10001
# slipway:ignore SW150 -- needs $PORT
CMD /app/server --port 8080
`,
			want: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Fix(context.Background(), Input{Path: "Dockerfile", Data: []byte(tc.in)}, Options{NoBuildKit: true})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if res.Changed {
					t.Fatalf("changed, want untouched:\n%s", res.Data)
				}
				return
			}
			if string(res.Data) != tc.want {
				t.Fatalf("got:\n%s\nwant:\n%s", res.Data, tc.want)
			}
			notes := strings.Join(res.Notes, "\n")
			for _, n := range tc.notes {
				if !strings.Contains(notes, n) {
					t.Errorf("notes lack %q:\n%s", n, notes)
				}
			}
			for _, f := range res.Remaining.Findings {
				switch f.RuleID {
				case "SW101", "SW120", "SW130", "SW132", "SW150":
					t.Errorf("still reported after --fix: %d %s %s", f.Line, f.RuleID, f.Message)
				}
			}
		})
	}
}

func TestFixLineEndingsKept(t *testing.T) {
	in := "FROM debian:bookworm-slim\r\nADD a /a\r\nUSER 10001\r\nCMD [\"/a\"]\r\n"
	res, err := Fix(context.Background(), Input{Path: "Dockerfile", Data: []byte(in)}, Options{NoBuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(in, "ADD", "COPY", 1); string(res.Data) != want {
		t.Fatalf("got %q, want %q", res.Data, want)
	}
}

// TestFixCorpus runs --fix over the whole corpus: the result always
// parses, never has more findings of any rule, and a second run changes
// nothing.
func TestFixCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/corpus/*.Dockerfile")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, o := corpusInput(t, file)
			before, err := Check(context.Background(), in, o)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Fix(context.Background(), in, o)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := parse(Input{Path: in.Path, Data: res.Data}); err != nil {
				t.Fatalf("fixed file does not parse: %v\n%s", err, res.Data)
			}
			count := func(r *Result) map[string]int {
				m := map[string]int{}
				for _, f := range r.Findings {
					m[f.RuleID]++
				}
				return m
			}
			b, a := count(before), count(res.Remaining)
			for id, n := range a {
				if n > b[id] {
					t.Errorf("%s: %d findings after --fix, %d before\n%s", id, n, b[id], res.Data)
				}
			}
			in.Data = res.Data
			again, err := Fix(context.Background(), in, o)
			if err != nil {
				t.Fatal(err)
			}
			if again.Changed {
				t.Errorf("a second --fix changed the file again:\n%s", again.Data)
			}
		})
	}
}
