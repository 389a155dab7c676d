package generate_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/pmezard/go-difflib/difflib"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/tomlx"
	"github.com/slipway/slipway/templates"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the templates")

const goldenDir = "testdata/golden"

// refusedOn returns the word the preflight's error must contain when it
// refuses the language on a base the catalogue lets it fit (a fixture's
// refused_bases), and whether it does.
func refusedOn(lang, base string) (string, bool) {
	fx, err := goldenFixtures()
	if err != nil {
		return "", false
	}
	w, ok := fx[lang].RefusedBases[base]
	return w, ok
}

// goldenFixture is a language's representative service, read from its
// folder's testdata/golden.toml: a new language brings its own, and this
// test finds it.
type goldenFixture struct {
	Main        string             `toml:"main"`
	Secret      config.Secret      `toml:"secret"`
	Healthcheck config.Healthcheck `toml:"healthcheck"`
	// RefusedBases are bases the catalogue lets the language fit but the
	// preflight refuses, each with a word its error must contain.
	RefusedBases map[string]string `toml:"refused_bases"`
	// PackageManager overrides the fields above for one package manager.
	PackageManager map[string]struct {
		Main     string         `toml:"main"`
		Secret   *config.Secret `toml:"secret"`
		NoSecret bool           `toml:"no_secret"`
	} `toml:"package_manager"`
}

var (
	fixturesOnce sync.Once
	fixtures     map[string]goldenFixture
	fixturesErr  error
)

// goldenFixtures reads every registered language's testdata/golden.toml.
func goldenFixtures() (map[string]goldenFixture, error) {
	fixturesOnce.Do(func() {
		fixtures = map[string]goldenFixture{}
		for _, lang := range templates.Keys() {
			path := filepath.Join("..", "..", "templates", lang, "testdata", "golden.toml")
			src, err := os.ReadFile(path)
			if err != nil {
				fixturesErr = fmt.Errorf("%s: every language needs its golden fixture: %w", lang, err)
				return
			}
			var f goldenFixture
			if _, err := tomlx.Decode(path, src, &f); err != nil {
				fixturesErr = err
				return
			}
			fixtures[lang] = f
		}
	})
	return fixtures, fixturesErr
}

// goldenProject is a representative service of a language on a base: a
// port, a healthcheck the base can run, one secret and one label, from the
// language's fixture.
func goldenProject(lang, pm string, base templates.Base) config.Project {
	fx, err := goldenFixtures()
	if err != nil {
		panic(err) // TestGoldenCoversEveryLanguage reports it
	}
	f := fx[lang]
	p := config.Project{
		Name:           "hello",
		Language:       lang,
		PackageManager: pm,
		Base:           base.Key,
		Port:           8080,
		Main:           f.Main,
		Secrets:        []config.Secret{f.Secret},
		Labels:         map[string]string{"org.opencontainers.image.source": "https://example.com/hello"},
	}
	if o, ok := f.PackageManager[pm]; ok {
		if o.Main != "" {
			p.Main = o.Main
		}
		if o.Secret != nil {
			p.Secrets = []config.Secret{*o.Secret}
		}
		if o.NoSecret {
			p.Secrets = nil
		}
	}
	if strings.HasSuffix(base.Image, ":latest") {
		// Bases published only as :latest must be pinned; this digest is
		// test data (the hash of the key), not the image's real digest.
		sum := sha256.Sum256([]byte("slipway golden test " + base.Key))
		p.BaseDigest = "sha256:" + hex.EncodeToString(sum[:])
	}
	runtime := base.RuntimeBin
	if runtime == "" { // a base that cannot run the language; the render must refuse it
		runtime = "/usr/bin/" + lang
	}
	p.Healthcheck = f.Healthcheck
	if c := f.Healthcheck.Command; len(c) > 0 {
		p.Healthcheck.Command = make([]string, len(c))
		for i, a := range c {
			p.Healthcheck.Command[i] = strings.ReplaceAll(a, "{runtime}", runtime)
		}
	}
	return p
}

type goldenCase struct {
	file    string // golden file name without extension
	project config.Project
	ignore  string // the .dockerignore golden name, or ""
}

func TestGolden(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for _, lang := range set.Languages() {
		pms := config.PackageManagers[lang]
		if len(pms) == 0 {
			pms = set.Manifests[lang].PackageManagers[:1]
		}
		for i, pm := range pms {
			for j, key := range set.BaseKeys() {
				base := set.Bases[key]
				p := goldenProject(lang, pm, base)
				if len(config.PackageManagers[lang]) == 0 {
					p.PackageManager = "" // the language's only one
				}
				if !base.Fits(lang) {
					assertRefused(t, set, p, "cannot run "+lang)
					continue
				}
				if word, ok := refusedOn(lang, key); ok {
					assertRefused(t, set, p, word)
					continue
				}
				c := goldenCase{file: fmt.Sprintf("%s-%s-%s", lang, pm, key), project: p}
				if i == 0 && j == firstFitting(set, lang) {
					c.ignore = lang
				}
				cases = append(cases, c)
			}
		}
	}
	// build_packages in each language's build stage, on its default base.
	for _, lang := range set.Languages() {
		m := set.Manifests[lang]
		p := goldenProject(lang, m.PackageManagers[0], set.Bases[m.DefaultBase])
		if len(config.PackageManagers[lang]) == 0 {
			p.PackageManager = ""
		}
		p.BuildPackages = []string{"build-essential", "libpq-dev"}
		cases = append(cases, goldenCase{file: lang + "-build-packages", project: p})
	}
	cases = append(cases, healthGoldenCases(set)...)
	// Runtime files and a build context above the service folder, for the
	// languages whose templates honour them.
	for _, lang := range set.Languages() {
		prov, _ := templates.Provider(lang)
		if !slices.Contains(provider.InfoOf(prov).Keys, "runtime_files") {
			continue
		}
		m := set.Manifests[lang]
		p := goldenProject(lang, m.PackageManagers[0], set.Bases[m.DefaultBase])
		if len(config.PackageManagers[lang]) == 0 {
			p.PackageManager = ""
		}
		p.RuntimeFiles = []string{"templates", "static", "data/catalog.json"}
		p.PortEnv = "PORT"
		cases = append(cases, goldenCase{file: lang + "-runtime-files", project: p})
		q := p
		q.RuntimeFiles = []string{"templates"}
		q.PortEnv = ""
		q.ServiceDir, q.SharedPaths = "src/hello", []string{"shared", "pb/demo.proto"}
		cases = append(cases, goldenCase{file: lang + "-service-dir", project: q, ignore: lang + "-service-dir"})
		w := q
		w.SharedPaths = nil
		cases = append(cases, goldenCase{file: lang + "-whole-context", project: w, ignore: lang + "-whole-context"})
	}
	cases = append(cases, nodeGoldenCases(set)...)
	examples, err := filepath.Glob("../../examples/*/slipway.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range examples {
		p, err := config.Load(path)
		if err != nil {
			t.Fatalf("example %s: %v", path, err)
		}
		name := "example-" + filepath.Base(filepath.Dir(path))
		cases = append(cases, goldenCase{file: name, project: *p, ignore: name})
	}

	want := map[string]bool{}
	for _, c := range cases {
		want[c.file+".Dockerfile"] = true
		if c.ignore != "" {
			want[c.ignore+".dockerignore"] = true
		}
		t.Run(c.file, func(t *testing.T) {
			out, err := generate.Render(set, &c.project, nil)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			compareGolden(t, c.file+".Dockerfile", out.Dockerfile)
			if c.ignore != "" {
				compareGolden(t, c.ignore+".dockerignore", out.Dockerignore)
			}
			checkDockerfile(t, out.Dockerfile, &c.project, set)
			warnings, err := generate.BuildKitLint(out.Dockerfile)
			if err != nil {
				t.Fatalf("BuildKit lint: %v", err)
			}
			for _, w := range warnings {
				t.Errorf("BuildKit lint: %s", w)
			}
		})
	}
	checkStale(t, want)
}

func firstFitting(set *templates.Set, lang string) int {
	for j, key := range set.BaseKeys() {
		if set.Bases[key].Fits(lang) {
			if _, ok := refusedOn(lang, key); !ok {
				return j
			}
		}
	}
	return -1
}

func assertRefused(t *testing.T, set *templates.Set, p config.Project, word string) {
	t.Helper()
	_, err := generate.Render(set, &p, nil)
	if err == nil {
		t.Errorf("%s on %s (%s): rendered, want a preflight error", p.Language, p.Base, p.PackageManager)
		return
	}
	if !strings.Contains(err.Error(), word) || !strings.Contains(err.Error(), "base") {
		t.Errorf("%s on %s: error %q should name the base and say %q", p.Language, p.Base, err, word)
	}
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./internal/generate -run TestGolden -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(string(want)), B: difflib.SplitLines(string(got)),
			FromFile: path, ToFile: "rendered", Context: 3,
		})
		t.Errorf("%s differs from the rendered output (rerun with -update if the change is intended):\n%s", path, diff)
	}
}

// checkStale fails on golden files that no case produces any more.
func checkStale(t *testing.T, want map[string]bool) {
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if want[e.Name()] {
			continue
		}
		if *update {
			if err := os.Remove(filepath.Join(goldenDir, e.Name())); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s/%s is produced by no case; rerun with -update to remove it", goldenDir, e.Name())
	}
}

// installers are the words that start a dependency download or build; a
// RUN holding one must use a cache mount and the project's secrets.
var installers = []string{
	"npm ci", "yarn install", "pnpm install", "pip install", "poetry install", "uv sync",
	"mvn ", "gradle", "cargo build", "dotnet publish", "dotnet restore", "go mod download", "go build",
}

// checkDockerfile checks the security defaults through BuildKit's own
// parser: the parsed AST and instructions, not the text.
func checkDockerfile(t *testing.T, df []byte, p *config.Project, set *templates.Set) {
	t.Helper()
	res, err := parser.Parse(bytes.NewReader(df))
	if err != nil {
		t.Fatalf("parser.Parse: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("parser warning: %s", w.Short)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatalf("instructions.Parse: %v", err)
	}
	if len(metaArgs) > 0 {
		t.Errorf("global ARG %v: no ARG may carry values into the build", metaArgs[0].Args)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stage(s), want a build stage and a final stage", len(stages))
	}
	secretIDs := map[string]bool{}
	for _, s := range p.Secrets {
		secretIDs[s.ID] = true
	}
	expand := func(w string) (string, error) { return w, nil }
	for _, st := range stages {
		for _, cmd := range st.Commands {
			switch c := cmd.(type) {
			case *instructions.AddCommand:
				t.Errorf("stage %q: ADD at line %d; use COPY", st.Name, c.Location()[0].Start.Line)
			case *instructions.ArgCommand:
				t.Errorf("stage %q: ARG at line %d", st.Name, c.Location()[0].Start.Line)
			case *instructions.RunCommand:
				line := strings.Join(c.CmdLine, " ")
				if !containsAny(line, installers) {
					continue
				}
				if err := c.Expand(expand); err != nil {
					t.Fatalf("RUN mounts: %v", err)
				}
				cache := false
				found := map[string]bool{}
				for _, m := range instructions.GetMounts(c) {
					switch m.Type {
					case instructions.MountTypeCache:
						cache = true
					case instructions.MountTypeSecret:
						found[m.CacheID] = true
					}
				}
				if !cache {
					t.Errorf("stage %q: RUN %q installs or builds without a cache mount", st.Name, line)
				}
				for id := range secretIDs {
					// slipway's own stages (probe, slipway-*) compile only
					// its source, with the standard library: no credential
					// is needed.
					if !found[id] && st.Name != "probe" && !strings.HasPrefix(st.Name, "slipway-") {
						t.Errorf("stage %q: RUN %q lacks the secret mount %q", st.Name, line, id)
					}
				}
			}
		}
	}

	final := stages[len(stages)-1]
	r, err := generate.Resolve(set, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if final.BaseName != r.BaseRef {
		t.Errorf("final FROM %q, want the base %q", final.BaseName, r.BaseRef)
	}
	var user string
	var entrypoint *instructions.EntrypointCommand
	var workdirs []string
	for _, cmd := range final.Commands {
		switch c := cmd.(type) {
		case *instructions.WorkdirCommand:
			workdirs = append(workdirs, c.Path)
		case *instructions.UserCommand:
			user = c.User
		case *instructions.EntrypointCommand:
			entrypoint = c
		case *instructions.CmdCommand:
			if c.PrependShell {
				t.Errorf("CMD %v is shell form; want exec (JSON) form", c.CmdLine)
			}
		case *instructions.HealthCheckCommand:
			if len(c.Health.Test) == 0 || c.Health.Test[0] != "CMD" {
				t.Errorf("HEALTHCHECK %v is not exec form", c.Health.Test)
			}
		case *instructions.CopyCommand:
			if c.Chown != "" || c.Chmod != "" {
				t.Errorf("final COPY %v sets --chown/--chmod; files must stay root-owned and read-only to the service", c.SourcePaths)
			}
			// WORKDIR creates a missing directory owned by the image's
			// user, which would let the service write next to its code.
			for _, w := range workdirs {
				if c.DestPath == w || strings.HasPrefix(c.DestPath, strings.TrimSuffix(w, "/")+"/") {
					t.Errorf("final WORKDIR %s comes before COPY into it: the directory would belong to the base's user; COPY first", w)
				}
			}
		}
	}
	uid, gid, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n <= 0 {
		t.Errorf("final stage's last USER is %q, want a numeric non-root uid", user)
	}
	if gid != "" {
		if n, err := strconv.Atoi(gid); err != nil || n <= 0 {
			t.Errorf("final stage's USER group is %q, want a numeric non-root gid", gid)
		}
	}
	if entrypoint == nil {
		t.Errorf("final stage has no ENTRYPOINT")
	} else if entrypoint.PrependShell {
		t.Errorf("ENTRYPOINT %v is shell form; want exec (JSON) form", entrypoint.CmdLine)
	} else if len(entrypoint.CmdLine) == 0 || entrypoint.CmdLine[0] == "" {
		t.Errorf("ENTRYPOINT %v has no program", entrypoint.CmdLine)
	}
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// TestGoldenCoversEveryLanguage guards the matrix itself: a language
// without templates, or one whose every base is refused, would silently
// drop out of TestGolden.
func TestGoldenCoversEveryLanguage(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	langs := append([]string(nil), config.Languages...)
	sort.Strings(langs)
	if got := set.Languages(); strings.Join(got, ",") != strings.Join(langs, ",") {
		t.Fatalf("templates cover %v, config allows %v", got, langs)
	}
	for _, lang := range langs {
		if firstFitting(set, lang) < 0 {
			t.Errorf("%s: no catalogue base can run it", lang)
		}
		if f, err := goldenFixtures(); err != nil {
			t.Fatal(err)
		} else if f[lang].Secret.ID == "" {
			t.Errorf("%s: templates/%s/testdata/golden.toml names no secret", lang, lang)
		}
	}
}
