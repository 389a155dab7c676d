package golden

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

// A golden spec is held to the words slipway.toml is: each value below is
// refused by config's Validate in a slipway.toml, and must be refused here
// too, under the same key, with the same message.
func TestSpecsShareConfigsVocabulary(t *testing.T) {
	long := strings.Repeat("x", 17<<10)
	probe := func(mod func(*config.Healthcheck)) func(*config.Project) {
		return func(p *config.Project) {
			p.Healthcheck = config.Healthcheck{Command: []string{"/app/check"}}
			mod(&p.Healthcheck)
		}
	}
	for _, tc := range []struct {
		name, toml, key string
		project         func(*config.Project) // the same value in a slipway.toml
	}{
		{"a duration BuildKit refuses", "[healthcheck]\ncommand = [\"/app/check\"]\ninterval = \"100us\"\n", "healthcheck.interval",
			probe(func(h *config.Healthcheck) { h.Interval = "100us" })},
		{"a duration without a unit", "[healthcheck]\ncommand = [\"/app/check\"]\ntimeout = \"25\"\n", "healthcheck.timeout",
			probe(func(h *config.Healthcheck) { h.Timeout = "25" })},
		{"retries out of range", "[healthcheck]\ncommand = [\"/app/check\"]\nretries = 101\n", "healthcheck.retries",
			probe(func(h *config.Healthcheck) { h.Retries = 101 })},
		{"a label value over 16 KiB", "[labels]\n\"org.example.note\" = \"" + long + "\"\n", "labels.org.example.note",
			func(p *config.Project) { p.Labels = map[string]string{"org.example.note": long} }},
		{"a label key in capitals", "[labels]\n\"Org.Example\" = \"x\"\n", "labels.Org.Example",
			func(p *config.Project) { p.Labels = map[string]string{"Org.Example": "x"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeSpecs(t, map[string]string{"base.toml": minimalSpec + "\n" + tc.toml})
			_, err := Load(filepath.Join(dir, "base.toml"))
			if err == nil {
				t.Fatal("Load accepted it")
			}
			var golden string
			for _, fe := range fieldErrors(t, err) {
				if fe.Key == tc.key {
					golden = fe.Msg
				}
			}
			if golden == "" {
				t.Fatalf("no problem under %s: %v", tc.key, err)
			}
			p := config.Project{Name: "api", Language: "go"}
			tc.project(&p)
			var msg string
			for _, fe := range fieldErrors(t, p.Validate()) {
				if fe.Key == tc.key {
					msg = fe.Msg
				}
			}
			if msg != golden {
				t.Errorf("%s:\n golden spec: %q\n slipway.toml: %q", tc.key, golden, msg)
			}
		})
	}
}

// Paths are read alike: a file source starting with '-' (taken for an
// option by the tools that copy it) is refused, as in slipway.toml.
func TestSpecFileSourceIsAPlainRelativePath(t *testing.T) {
	dir := writeSpecs(t, map[string]string{"base.toml": minimalSpec + "\n[[file]]\nsrc = \"-rf\"\ndst = \"/etc/x\"\n", "-rf": "x"})
	_, err := Load(filepath.Join(dir, "base.toml"))
	if err == nil {
		t.Fatal("Load accepted a file source named -rf")
	}
	found := false
	for _, fe := range fieldErrors(t, err) {
		found = found || fe.Key == "file[0].src"
	}
	if !found {
		t.Errorf("no problem under file[0].src: %v", err)
	}
}
