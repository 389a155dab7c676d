package wizard

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/initflow"
	"github.com/slipway/slipway/templates"
)

func loadSet(t *testing.T) *templates.Set {
	t.Helper()
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func options(set *templates.Set, in string, out *bytes.Buffer) Options {
	return Options{In: strings.NewReader(in), Out: out, Accessible: true, Questions: initflow.Questions{
		Set:   set,
		Bases: func(lang string) []templates.Base { return generate.FittingBases(set, lang) },
		Render: func(p *config.Project) ([]byte, error) {
			o, err := generate.Render(set, p, nil)
			if err != nil {
				return nil, err
			}
			return o.Dockerfile, nil
		},
		Entrypoint: func(p *config.Project) []string { return initflow.Entrypoint(set, nil, p) },
	}}
}

// number is the 1-based position of v among a select's option values.
func number(t *testing.T, values []string, v string) string {
	t.Helper()
	i := slices.Index(values, v)
	if i < 0 {
		t.Fatalf("%q not among %q", v, values)
	}
	return strconv.Itoa(i + 1)
}

func baseKeys(set *templates.Set, lang string) []string {
	var keys []string
	for _, b := range generate.FittingBases(set, lang) {
		keys = append(keys, b.Key)
	}
	return keys
}

// Every question answered through piped input in accessible mode, with two
// invalid answers that must be asked again.
func TestRunAccessibleAnswersEverything(t *testing.T) {
	set := loadSet(t)
	goVersions := set.Manifests["go"].Versions
	if len(goVersions) < 2 {
		t.Fatalf("go manifest lists %d versions; the test picks the second", len(goVersions))
	}
	answers := []string{
		"Bad Name!",                      // name: invalid, asked again
		"my-api",                         // name
		number(t, set.Languages(), "go"), // language
		"2",                              // version: the second listed
		"./cmd/api",                      // main
		number(t, baseKeys(set, "go"), "distroless-base"), // base
		"99999",                           // port: out of range, asked again
		"9000",                            // port
		"2",                               // healthcheck: command
		`["/app/my-api", "-healthcheck"]`, // the command
		"y",                               // add a secret
		"npm token",                       // id: invalid, asked again
		"netrc",                           // id
		"2",                               // as a file
		"/root/.netrc",                    // target
		"y",                               // another
		"gh_token",                        // id
		"1",                               // as env
		"",                                // env: keep the suggested GH_TOKEN
		"n",                               // no more secrets
		"y",                               // write
	}
	var out bytes.Buffer
	var p config.Project
	err := Run(context.Background(), &p, options(set, strings.Join(answers, "\n")+"\n", &out))
	if err != nil {
		t.Fatalf("Run: %v\noutput:\n%s", err, out.String())
	}
	want := config.Project{
		Name: "my-api", Language: "go", Version: goVersions[1], Main: "./cmd/api", Base: "distroless-base", Port: 9000,
		Healthcheck: config.Healthcheck{Command: []string{"/app/my-api", "-healthcheck"}},
		Secrets:     []config.Secret{{ID: "netrc", Target: "/root/.netrc"}, {ID: "gh_token", Env: "GH_TOKEN"}},
	}
	if got := p; !equalProject(got, want) {
		t.Errorf("answers:\n got %+v\nwant %+v", got, want)
	}
	o := out.String()
	for _, s := range []string{
		"is not a valid name",            // the invalid name's message
		"65535",                          // the port's range message
		"is not a valid secret id",       // the invalid id's message
		"---- Dockerfile (preview) ----", // the preview
		`CMD ["/app/my-api", "-healthcheck"]`,
		"--mount=type=secret,id=netrc,target=/root/.netrc",
	} {
		if !strings.Contains(o, s) {
			t.Errorf("output lacks %q:\n%s", s, o)
		}
	}
}

// Keys given by flags are not asked; empty lines keep the defaults.
func TestRunSkipsGivenAndKeepsDefaults(t *testing.T) {
	set := loadSet(t)
	p := config.Project{Name: "svc", Language: "go", Version: "1.26", Main: "./cmd/svc", Port: 8081}
	o := options(set, "", nil)
	var out bytes.Buffer
	o.Out = &out
	o.Given = map[string]bool{KeyName: true, KeyLanguage: true, KeySecret: true}
	// version, main, base, port, healthcheck (none by default), write.
	o.In = strings.NewReader("\n\n\n\n\ny\n")
	if err := Run(context.Background(), &p, o); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "Service name") || strings.Contains(out.String(), "Language") || strings.Contains(out.String(), "build secret") {
		t.Errorf("a given key was asked:\n%s", out.String())
	}
	want := config.Project{Name: "svc", Language: "go", Version: "1.26", Main: "./cmd/svc", Base: set.Manifests["go"].DefaultBase, Port: 8081}
	if !equalProject(p, want) {
		t.Errorf("got %+v\nwant %+v", p, want)
	}
}

// An answer set that does not render (a shell healthcheck on a base with no
// shell) is shown, and the user can decline.
func TestRunRenderErrorThenDecline(t *testing.T) {
	set := loadSet(t)
	p := config.Project{Name: "svc", Language: "go", Base: "distroless-static", Healthcheck: config.Healthcheck{Command: []string{"/bin/sh", "-c", "true"}}}
	var out bytes.Buffer
	o := options(set, "", &out)
	o.Given = map[string]bool{KeyName: true, KeyLanguage: true, KeyVersion: true, KeyMain: true, KeyBase: true, KeyPort: true, KeyHealthcheck: true, KeySecret: true}
	o.In = strings.NewReader("n\n")
	err := Run(context.Background(), &p, o)
	if err == nil || !strings.Contains(err.Error(), "do not render") {
		t.Fatalf("err = %v, want a render error", err)
	}
	if !strings.Contains(out.String(), "has no shell") {
		t.Errorf("the render problem was not shown:\n%s", out.String())
	}
	p.Healthcheck = config.Healthcheck{}
	o.In = strings.NewReader("n\n")
	if err := Run(context.Background(), &p, o); !errors.Is(err, ErrDeclined) {
		t.Errorf("declining the preview: err = %v, want ErrDeclined", err)
	}
}

func TestParseCommand(t *testing.T) {
	for in, want := range map[string][]string{
		`/app/x -healthcheck`: {"/app/x", "-healthcheck"},
		`["/app/x", "--a b"]`: {"/app/x", "--a b"},
		"  ":                  nil,
	} {
		got, err := ParseCommand(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
		if len(want) > 0 {
			back, _ := ParseCommand(formatCommand(want))
			if !slices.Equal(back, want) {
				t.Errorf("formatCommand(%q) does not read back: %q", want, back)
			}
		}
	}
	if _, err := ParseCommand(`["unterminated`); err == nil {
		t.Error("a broken JSON array parsed")
	}
}

func TestLineReader(t *testing.T) {
	r := &lineReader{r: newBufReader("a\nbb\nccc")}
	buf := make([]byte, 64)
	var got []string
	for {
		n, err := r.Read(buf)
		if n > 0 {
			got = append(got, string(buf[:n]))
		}
		if err != nil {
			break
		}
	}
	if !slices.Equal(got, []string{"a\n", "bb\n", "ccc"}) {
		t.Errorf("reads = %q, want one line each", got)
	}
}

func equalProject(a, b config.Project) bool {
	return a.Name == b.Name && a.Language == b.Language && a.Version == b.Version && a.PackageManager == b.PackageManager &&
		a.Main == b.Main && a.Base == b.Base && a.Port == b.Port &&
		slices.Equal(a.Healthcheck.Command, b.Healthcheck.Command) && a.Healthcheck.HTTPPath == b.Healthcheck.HTTPPath &&
		slices.Equal(a.Secrets, b.Secrets)
}

func newBufReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// A probe binary or a gRPC health service seen in the source is offered
// and is the default: an empty answer keeps it, and the preview shows the
// HEALTHCHECK it renders.
func TestRunOffersDetectedProbes(t *testing.T) {
	set := loadSet(t)
	for _, tc := range []struct {
		name  string
		p     config.Project
		hints Hints
		want  config.Healthcheck
		shown string
	}{
		{"rust healthcheck binary", config.Project{Name: "shipping", Language: "rust", Main: "shipping", Port: 50050},
			Hints{HealthBinary: "healthcheck", HealthPath: "/health"}, config.Healthcheck{Binary: "healthcheck"}, `CMD ["/app/healthcheck"]`},
		{"grpc health service", config.Project{Name: "quote", Language: "go", Main: ".", Port: 50053},
			Hints{HealthGRPC: true}, config.Healthcheck{GRPC: true}, `CMD ["/usr/local/bin/slipway-probe", "grpc", "127.0.0.1:50053"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			o := options(set, "", &out)
			o.Given = map[string]bool{KeyName: true, KeyLanguage: true, KeyVersion: true, KeyMain: true, KeyBase: true, KeyPort: true, KeySecret: true}
			o.Hints = tc.hints
			o.In = strings.NewReader("\ny\n") // the healthcheck's default, then write
			p := tc.p
			if err := Run(context.Background(), &p, o); err != nil {
				t.Fatalf("Run: %v\n%s", err, out.String())
			}
			if !reflect.DeepEqual(p.Healthcheck, tc.want) {
				t.Errorf("healthcheck %+v, want %+v", p.Healthcheck, tc.want)
			}
			if !strings.Contains(out.String(), tc.shown) {
				t.Errorf("preview lacks %s:\n%s", tc.shown, out.String())
			}
		})
	}
}

// In accessible mode a select prints its question (title, then
// description) before its numbered options, and the number typed picks
// the option it was printed beside.
func TestAccessibleSelectPrintsQuestionBeforeOptions(t *testing.T) {
	set := loadSet(t)
	keys := baseKeys(set, "go")
	var out bytes.Buffer
	o := options(set, "", &out)
	o.Given = map[string]bool{KeyName: true, KeyLanguage: true, KeyVersion: true, KeyMain: true, KeyPort: true, KeyHealthcheck: true, KeySecret: true}
	o.In = strings.NewReader(number(t, keys, "distroless-cc") + "\ny\n")
	p := config.Project{Name: "svc", Language: "go"}
	if err := Run(context.Background(), &p, o); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if p.Base != "distroless-cc" {
		t.Errorf("base = %q, want distroless-cc", p.Base)
	}
	s := out.String()
	title := strings.Index(s, "Final base image [")
	desc := strings.Index(s, "What the service runs on.")
	first := strings.Index(s, "1. "+keys[0])
	picked := strings.Index(s, number(t, keys, "distroless-cc")+". distroless-cc")
	prompt := strings.Index(s, "Enter a number between 1 and ")
	if title < 0 || desc < 0 || first < 0 || picked < 0 || prompt < 0 ||
		!(title < desc && desc < first && first < picked && picked < prompt) {
		t.Errorf("want title < description < options < prompt, got offsets %d %d %d %d %d in:\n%s", title, desc, first, picked, prompt, s)
	}
	if !strings.Contains(s, "FROM gcr.io/distroless/cc") {
		t.Errorf("preview does not run on the picked base:\n%s", s)
	}
}
