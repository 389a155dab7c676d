package generate_test

import (
	"bytes"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/templates"
)

// keysNotRendered are the slipway.toml keys that by design change no
// generated file, with the command that reads them instead.
var keysNotRendered = map[string]string{
	"size_budget": "slipway verify checks the built image against it",
}

// keyChanges sets each slipway.toml key of a baseline project to another
// value. TestEveryKeyChangesOutputOrIsRefused fails when config.Project
// gains a key that is missing here.
var keyChanges = map[string]func(set *templates.Set, p *config.Project){
	"name": func(_ *templates.Set, p *config.Project) { p.Name = "other" },
	"language": func(_ *templates.Set, p *config.Project) {
		for _, k := range templates.Keys() {
			if k != p.Language {
				p.Language = k
				return
			}
		}
	},
	"version": func(set *templates.Set, p *config.Project) {
		m := set.Manifests[p.Language]
		for _, v := range m.Versions {
			if v != m.DefaultVersion {
				p.Version = v
				return
			}
		}
		p.Version = "99"
	},
	"package_manager": func(set *templates.Set, p *config.Project) {
		pms := set.Manifests[p.Language].PackageManagers
		p.PackageManager = pms[len(pms)-1] // the default itself when there is only one: refused
	},
	"base": func(set *templates.Set, p *config.Project) {
		def := set.Manifests[p.Language].DefaultBase
		for _, b := range generate.FittingBases(set, p.Language) {
			if b.Key != def {
				p.Base = b.Key
				if strings.HasSuffix(b.Image, ":latest") { // such bases must be pinned
					p.BaseDigest = "sha256:" + strings.Repeat("cd", 32)
				}
				return
			}
		}
		p.Base = "registry.example.com/base/runtime:1" // no other catalogue base fits
	},
	"base_digest": func(_ *templates.Set, p *config.Project) { p.BaseDigest = "sha256:" + strings.Repeat("ab", 32) },
	"pins": func(set *templates.Set, p *config.Project) {
		r, err := generate.Resolve(set, p, nil)
		if err != nil {
			panic(err)
		}
		p.Pins = map[string]string{r.Builder: "sha256:" + strings.Repeat("ef", 32)}
	},
	"main":           func(_ *templates.Set, p *config.Project) { p.Main = "other/main.x" },
	"build_command":  func(_ *templates.Set, p *config.Project) { p.BuildCommand = []string{"make", "release"} },
	"entrypoint":     func(_ *templates.Set, p *config.Project) { p.Entrypoint = []string{"/app/other"} },
	"cmd":            func(_ *templates.Set, p *config.Project) { p.Cmd = []string{"--verbose"} },
	"port":           func(_ *templates.Set, p *config.Project) { p.Port = 9191 },
	"user":           func(_ *templates.Set, p *config.Project) { p.User = 12345 },
	"build_packages": func(_ *templates.Set, p *config.Project) { p.BuildPackages = []string{"libssl-dev"} },
	"cgo":            func(_ *templates.Set, p *config.Project) { p.CGO = true },
	"npmrc":          func(_ *templates.Set, p *config.Project) { p.Npmrc = true },
	"runtime_files":  func(_ *templates.Set, p *config.Project) { p.RuntimeFiles = []string{"templates", "data/catalog.json"} },
	"service_dir":    func(_ *templates.Set, p *config.Project) { p.ServiceDir = "src/svc" },
	"shared_paths": func(_ *templates.Set, p *config.Project) {
		p.ServiceDir, p.SharedPaths = "src/svc", []string{"shared", "pb/demo.proto"}
	},
	"port_env":    func(_ *templates.Set, p *config.Project) { p.PortEnv = "PORT" },
	"size_budget": func(_ *templates.Set, p *config.Project) { p.SizeBudget = "40MB" },
	"healthcheck.command": func(_ *templates.Set, p *config.Project) {
		p.Healthcheck.Command = []string{"/app/probe", "--other"}
	},
	"healthcheck.http_path": func(_ *templates.Set, p *config.Project) {
		p.Healthcheck.Command, p.Healthcheck.HTTPPath = nil, "/healthz"
	},
	"healthcheck.grpc": func(_ *templates.Set, p *config.Project) {
		p.Healthcheck.Command, p.Healthcheck.GRPC = nil, true
	},
	"healthcheck.binary": func(_ *templates.Set, p *config.Project) {
		p.Healthcheck.Command, p.Healthcheck.Binary = nil, "healthcheck"
	},
	"healthcheck.interval":     func(_ *templates.Set, p *config.Project) { p.Healthcheck.Interval = "45s" },
	"healthcheck.timeout":      func(_ *templates.Set, p *config.Project) { p.Healthcheck.Timeout = "7s" },
	"healthcheck.start_period": func(_ *templates.Set, p *config.Project) { p.Healthcheck.StartPeriod = "20s" },
	"healthcheck.retries":      func(_ *templates.Set, p *config.Project) { p.Healthcheck.Retries = 9 },
	"healthcheck.disabled":     func(_ *templates.Set, p *config.Project) { p.Healthcheck.Disabled = true },
	"secret.id":                func(_ *templates.Set, p *config.Project) { p.Secrets[0].ID = "other_token" },
	"secret.target":            func(_ *templates.Set, p *config.Project) { p.Secrets[0].Target = "/run/other" },
	"secret.env":               func(_ *templates.Set, p *config.Project) { p.Secrets[0].Env = "OTHER_TOKEN" },
	"secret.optional":          func(_ *templates.Set, p *config.Project) { p.Secrets[0].Optional = true },
	"labels":                   func(_ *templates.Set, p *config.Project) { p.Labels["com.example.team"] = "other" },
	"env":                      func(_ *templates.Set, p *config.Project) { p.Env = map[string]string{"LOG_LEVEL": "debug"} },
}

// projectKeys lists the leaf keys of slipway.toml from config.Project's
// toml tags (tables joined with '.', arrays of tables without an index).
func projectKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("toml"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			out = append(out, projectKeys(ft, prefix+name+".")...)
			continue
		}
		out = append(out, prefix+name)
	}
	return out
}

// fieldErrors flattens the field errors of a (joined) error.
func fieldErrors(err error) []*config.FieldError {
	if fe, ok := err.(*config.FieldError); ok {
		return []*config.FieldError{fe}
	}
	var out []*config.FieldError
	if ie, ok := err.(*config.InvalidError); ok {
		for _, e := range ie.Errs {
			out = append(out, fieldErrors(e)...)
		}
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, fieldErrors(e)...)
		}
	}
	return out
}

var reIndex = regexp.MustCompile(`\[[0-9]+\]`)

// TestEveryKeyChangesOutputOrIsRefused renders every slipway.toml key for
// every language: set to another value, a key must change the Dockerfile
// or .dockerignore, or be refused (validation or preflight) by an error on
// that key. No key is silently ignored.
func TestEveryKeyChangesOutputOrIsRefused(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	keys := projectKeys(reflect.TypeOf(config.Project{}), "")
	sort.Strings(keys)
	for _, k := range keys {
		if keyChanges[k] == nil {
			t.Errorf("slipway.toml key %s has no change in keyChanges: add one, so the test proves it is rendered or refused", k)
		}
	}
	for k := range keyChanges {
		if !strings.Contains(" "+strings.Join(keys, " ")+" ", " "+k+" ") {
			t.Errorf("keyChanges names %s, which is no slipway.toml key", k)
		}
	}
	for _, lang := range templates.Keys() {
		base := func() config.Project {
			p := config.Project{
				Name: "svc", Language: lang, Port: 8080,
				Healthcheck: config.Healthcheck{Command: []string{"/app/probe"}},
				Secrets:     []config.Secret{{ID: "token", Env: "TOKEN"}},
				Labels:      map[string]string{"com.example.team": "payments"},
			}
			if lang == "dotnet" { // the .NET template needs the project file
				p.Main = "svc.csproj"
			}
			return p
		}
		p0 := base()
		want, err := generate.Render(set, &p0, nil)
		if err != nil {
			t.Fatalf("%s: baseline does not render: %v", lang, err)
		}
		for _, k := range keys {
			change := keyChanges[k]
			if change == nil {
				continue
			}
			p := base()
			change(set, &p)
			got, err := generate.Render(set, &p, nil)
			if err != nil {
				named := false
				for _, fe := range fieldErrors(err) {
					if fk := reIndex.ReplaceAllString(fe.Key, ""); fk == k || strings.HasPrefix(k, fk+".") || strings.HasPrefix(fk, k+".") {
						named = true
					}
				}
				if !named {
					t.Errorf("%s: %s refused without naming the key: %v", lang, k, err)
				}
				continue
			}
			if why, ok := keysNotRendered[k]; ok {
				if !bytes.Equal(got.Dockerfile, want.Dockerfile) {
					t.Errorf("%s: %s is listed as not rendered (%s) but changed the Dockerfile", lang, k, why)
				}
				continue
			}
			if bytes.Equal(got.Dockerfile, want.Dockerfile) && bytes.Equal(got.Dockerignore, want.Dockerignore) {
				t.Errorf("%s: %s was accepted but changed neither file: silently ignored", lang, k)
			}
		}
	}
}
