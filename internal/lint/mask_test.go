package lint

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// canary is a fresh random credential-like value of n characters of
// alphabet: no output can hold a run of it by chance.
func canary(t *testing.T, n int, alphabet string) string {
	t.Helper()
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			t.Fatal(err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// leak returns the first run of 6 characters of secret found in out.
func leak(out, secret string) string {
	for i := 0; i+6 <= len(secret); i++ {
		if strings.Contains(out, secret[i:i+6]) {
			return secret[i : i+6]
		}
	}
	return ""
}

// lint on a Dockerfile holding credentials in every place one is put
// (ENV, ARG, LABEL under secret names, RUN assignments, --build-arg,
// --password VALUE, a script quoted in a script, an ONBUILD trigger, a
// token of a known shape under an innocent name) prints no run of six
// characters of any of them, in text, JSON or SARIF, in --fix's diff, and
// still shows each of those lines (masked) as a finding's source.
func TestLintMasksCredentialsInEveryFormat(t *testing.T) {
	c := map[string]string{}
	for _, k := range []string{"aws", "npm", "db", "label", "gh", "buildarg", "mysql", "quoted", "onbuild"} {
		c[k] = canary(t, 24, alnum)
	}
	akiaBody := canary(t, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
	lines := []string{
		"FROM debian:bookworm-slim",                                                      // 1
		"ENV AWS_SECRET_ACCESS_KEY=" + c["aws"],                                          // 2 SW130
		"ARG NPM_TOKEN=" + c["npm"],                                                      // 3 SW130
		`env DB_PASSWORD="` + c["db"] + `"`,                                              // 4 SW130, casing
		"label api_key=" + c["label"],                                                    // 5 casing
		"RUN export GITHUB_TOKEN=" + c["gh"] + " && cd /tmp && true",                     // 6 SW151
		"RUN docker build --build-arg MY_SECRET=" + c["buildarg"] + " . && cd / && true", // 7 SW151
		"RUN mysql --password " + c["mysql"] + " -e 'select 1' && cd / && true",          // 8 SW151
		`RUN sh -c "API_TOKEN=` + c["quoted"] + ` && cd /x && true"`,                     // 9 SW151
		"ONBUILD RUN SERVICE_PASSWORD=" + c["onbuild"] + " cd /x",                        // 10
		"ENV KEYID=AKIA" + akiaBody,                                                      // 11 SW131
		"USER 65532",
		`CMD ["/a"]`,
	}
	src := strings.Join(lines, "\n") + "\n"
	dir := t.TempDir()
	file := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	secretsIn := func(t *testing.T, what, out string) {
		t.Helper()
		for k, v := range c {
			if l := leak(out, v); l != "" {
				t.Errorf("%s: %q of the %s credential is printed:\n%s", what, l, k, out)
			}
		}
		if l := leak(out, akiaBody); l != "" {
			t.Errorf("%s: %q of the AWS key id is printed:\n%s", what, l, out)
		}
	}
	run := func(t *testing.T, o RunOptions) (string, string) {
		t.Helper()
		var out, errw bytes.Buffer
		o.Files, o.Out, o.Err, o.Version = []string{file}, &out, &errw, "test"
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		return out.String(), errw.String()
	}
	for _, format := range []string{"text", "json", "sarif"} {
		out, errs := run(t, RunOptions{Format: format})
		secretsIn(t, format, out+errs)
		if !strings.Contains(out, "****") {
			t.Errorf("%s: nothing masked: the credentials' lines are not shown at all:\n%s", format, out)
		}
	}
	out, errs := run(t, RunOptions{Format: "text", Fix: true, DryRun: true})
	secretsIn(t, "--fix --dry-run", out+errs)
	if !strings.Contains(out, "-ENV AWS_SECRET_ACCESS_KEY=****") {
		t.Errorf("--fix's diff does not show the removed line masked:\n%s", out)
	}

	// Every line that holds a credential is a finding's source, masked,
	// with the rest of the line kept.
	js, _ := run(t, RunOptions{Format: "json"})
	var rep struct {
		Findings []struct {
			Rule   string `json:"rule"`
			Line   int    `json:"line"`
			Source string `json:"source"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	shown := map[int]string{}
	for _, f := range rep.Findings {
		shown[f.Line] = f.Source
	}
	for line, want := range map[int]string{
		2:  "ENV AWS_SECRET_ACCESS_KEY=****",
		3:  "ARG NPM_TOKEN=****",
		4:  "env DB_PASSWORD=****",
		5:  "label api_key=****",
		6:  "RUN export GITHUB_TOKEN=**** && cd /tmp && true",
		7:  "RUN docker build --build-arg MY_SECRET=**** . && cd / && true",
		8:  "RUN mysql --password **** -e 'select 1' && cd / && true",
		9:  `RUN sh -c "API_TOKEN=**** && cd /x && true"`,
		11: "ENV KEYID=AKIA****",
	} {
		if shown[line] != want {
			t.Errorf("line %d: source %q, want %q", line, shown[line], want)
		}
	}
}

// A Dockerfile that does not parse is an error, and the error hides the
// credentials of the text too.
func TestParseErrorMasksCredentials(t *testing.T) {
	secret := canary(t, 24, alnum)
	src := "FROM debian:bookworm-slim\nUSER 65532\nRUN echo a\x00 TOKEN=" + secret + "\n"
	_, err := Check(context.Background(), Input{Path: "Dockerfile", Data: []byte(src)}, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	if l := leak(err.Error(), secret); l != "" {
		t.Errorf("the error prints %q: %v", l, err)
	}
	// maskParseError on a message that quotes the line.
	pe := &ParseError{File: "Dockerfile", Line: 3, Err: errorString("unknown instruction: TOKEN=" + secret)}
	got := maskParseError(pe, []byte(src))
	if l := leak(got.Error(), secret); l != "" || !strings.Contains(got.Error(), "TOKEN=****") {
		t.Errorf("masked parse error = %q", got)
	}
	var back *ParseError
	if !errorsAs(got, &back) || back.Line != 3 {
		t.Errorf("the masked error is no longer a *ParseError with its line: %#v", got)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func errorsAs(err error, target any) bool { return errors.As(err, target) }
