package golden

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	"github.com/slipway/slipway/internal/dfescape"
	"github.com/slipway/slipway/internal/shells"
	"github.com/slipway/slipway/templates"
)

// RendererVersion is part of every spec's content hash: bump it when the
// rendered Dockerfile of an unchanged spec changes, so that golden check
// reports every image stale.
const RendererVersion = 1

// DefaultPath is the PATH a distroless-mode image gets when its spec sets
// none (an image assembled on scratch inherits no config).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// FilesDir is the folder of the build context that holds a spec's files.
const FilesDir = "files"

// Base is what a spec's FROM resolved to.
type Base struct {
	// Ref is the reference the Dockerfile uses, pinned by digest
	// (docker.io/library/debian:bookworm-slim@sha256:...).
	Ref string
	// Name is Ref without its digest; Digest the digest.
	Name, Digest string
}

// NewBase pins ref (which may carry a tag) to digest.
func NewBase(ref, digest string) Base {
	name := ref
	if i := strings.Index(name, "@"); i >= 0 {
		name = name[:i]
	}
	return Base{Ref: name + "@" + digest, Name: name, Digest: digest}
}

// view is what the template sees: every value validated and escaped.
type view struct {
	Name, SpecFile string
	From           string
	FromGolden     bool
	Manager        string
	PackageManager bool // the image keeps its package manager
	Files          []fileView
	UserFiles      string    // shell words: files owned by the runtime user
	User           *userView // nil: inherited, not created here
	Packages       string    // shell words
	Hardening      Hardening
	NoLogin        string
	Keep           string // shell words, relative to /
	ShellPaths     string // shell words
	Flatten        bool
	FinalUser      string
	Env, Labels    []kv
	Workdir        string
	Ports          []int
	Volumes        string // exec-form JSON
	VolumeDirs     string // shell words
	UID, GID       int    // the runtime user
	Healthcheck    string
	Entrypoint     string
	Cmd            string
}

type fileView struct{ Args string }

type userView struct {
	Name, Home, Shell string // shell words
	UID, GID          int
}

type kv struct{ Key, Value string }

var (
	tmplOnce sync.Once
	tmpl     *template.Template
	tmplErr  error
)

// funcs are sprig's hermetic functions (no env, time or randomness).
func funcs() template.FuncMap {
	f := sprig.HermeticTxtFuncMap()
	f["exec"] = execForm
	f["quote"] = quote
	return f
}

func goldenTemplate() (*template.Template, error) {
	tmplOnce.Do(func() { tmpl, tmplErr = templates.Golden(funcs()) })
	return tmpl, tmplErr
}

// Render renders the Dockerfile of spec s, built FROM base. It is pure: the
// same spec and base always give the same bytes.
func (p *Plan) Render(s *Spec, base Base) ([]byte, error) {
	v, err := p.view(s, base)
	if err != nil {
		return nil, err
	}
	t, err := goldenTemplate()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", s.File, err)
	}
	return buf.Bytes(), nil
}

func (p *Plan) view(s *Spec, base Base) (*view, error) {
	if base.Ref == "" || base.Digest == "" {
		return nil, fmt.Errorf("%s: base %s is not resolved to a digest", s.File, s.From)
	}
	u := p.User(s)
	if u == nil {
		return nil, locate(s, "user", "no runtime user: set [user] here or in a golden parent")
	}
	mgr := p.Manager(s)
	parent := p.ParentSpec(s)
	v := &view{
		Name:           s.Name,
		SpecFile:       path.Base(s.File),
		From:           base.Ref,
		FromGolden:     parent != nil,
		Manager:        mgr,
		PackageManager: !p.pmRemoved(s),
		Hardening:      s.Hardening,
		NoLogin:        "/sbin/nologin",
		Flatten:        p.Flattened(s),
		FinalUser:      fmt.Sprintf("%d:%d", u.UID, u.gid()),
		UID:            u.UID,
		GID:            u.gid(),
		Workdir:        s.Workdir,
		Ports:          append([]int(nil), s.Ports...),
	}
	if s.User != nil && (parent == nil || p.User(parent) == nil || *p.User(parent) != *s.User) {
		shell := s.User.Shell
		if shell == "" && mgr == "apk" {
			shell = "/sbin/nologin"
		} else if shell == "" {
			shell = s.User.shell()
		}
		v.User = &userView{Name: shellWord(s.User.Name), UID: s.User.UID, GID: s.User.gid(), Home: shellWord(s.User.home()), Shell: shellWord(shell)}
	}
	var userFiles []string
	for _, f := range s.Files {
		v.Files = append(v.Files, fileView{Args: execForm([]string{path.Join(FilesDir, f.Src), f.Dst})})
		if f.Owner == "user" {
			userFiles = append(userFiles, f.Dst)
		}
	}
	v.UserFiles = shellWords(userFiles)
	v.Packages = shellWords(p.packages(s, mgr))
	if len(s.Keep) > 0 {
		keep := map[string]bool{"etc/passwd": true, "etc/group": true, strings.TrimPrefix(u.home(), "/"): true}
		for _, k := range s.Keep {
			keep[strings.TrimPrefix(k, "/")] = true
		}
		v.Keep = shellWords(slices.Sorted(maps.Keys(keep)))
	}
	v.ShellPaths = shellWords(shells.Paths())
	env := p.Env(s)
	if v.Flatten {
		if _, ok := env["PATH"]; !ok {
			env["PATH"] = DefaultPath
		}
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		v.Env = append(v.Env, kv{Key: k, Value: quote(env[k])})
	}
	labels := map[string]string{
		"org.opencontainers.image.title":       s.Name,
		"org.opencontainers.image.base.name":   base.Name,
		"org.opencontainers.image.base.digest": base.Digest,
	}
	if s.Description != "" {
		labels["org.opencontainers.image.description"] = s.Description
	}
	for k, val := range s.Labels {
		labels[k] = val
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		v.Labels = append(v.Labels, kv{Key: quote(k), Value: quote(labels[k])})
	}
	if len(s.Volumes) > 0 {
		v.Volumes = execForm(s.Volumes)
		v.VolumeDirs = shellWords(s.Volumes)
	}
	if len(s.Entrypoint) > 0 {
		v.Entrypoint = execForm(s.Entrypoint)
	}
	if len(s.Cmd) > 0 {
		v.Cmd = execForm(s.Cmd)
	}
	if h := s.Healthcheck; h != nil {
		v.Healthcheck = dfescape.HealthcheckInstruction(dfescape.Healthcheck{Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}, "10s", h.Command)
	}
	return v, nil
}

// packages is the install list: the spec's, plus tzdata and ca-certificates
// when the hardening asks for them and no golden parent installed them.
func (p *Plan) packages(s *Spec, mgr string) []string {
	var list []string
	if mgr == "apk" {
		list = append(list, s.Packages.Apk...)
	} else {
		list = append(list, s.Packages.Apt...)
	}
	has := func(name string) bool {
		for _, pkg := range list {
			if pkg == name || strings.HasPrefix(pkg, name+"=") || strings.HasPrefix(pkg, name+"~") {
				return true
			}
		}
		return false
	}
	inherited := func(f func(Hardening) bool) bool {
		for c := p.ParentSpec(s); c != nil; c = p.ParentSpec(c) {
			if f(c.Hardening) {
				return true
			}
		}
		return false
	}
	if s.Hardening.CACertificates && !has("ca-certificates") && !inherited(func(h Hardening) bool { return h.CACertificates }) {
		list = append(list, "ca-certificates")
	}
	if s.Hardening.Timezone && !has("tzdata") && !inherited(func(h Hardening) bool { return h.Timezone }) {
		list = append(list, "tzdata")
	}
	sort.Strings(list)
	return list
}
