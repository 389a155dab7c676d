package generate

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/goldenlock"
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/templates"
)

// View is what the templates see: every user value validated and escaped
// for the Dockerfile position it lands in. Templates never see the raw
// config.Project.
type View struct {
	Name           string
	Language       string
	Version        string
	PackageManager string
	Builder        string // build-stage image reference
	// pins are slipway.toml's [pins]: Pin gives a template's fixed
	// build-stage image its digest.
	pins          map[string]string
	Base          BaseView
	Main          string // validated: [A-Za-z0-9._/@+-], no leading '-'
	MainStem      string // Main's base name without extension
	UID           int
	CreateUser    bool // the base runs as root: create a user UID
	Port          int
	CGO           bool
	Npmrc         bool // node: mount the service's .npmrc in the install steps
	BuildPackages []string
	Secrets       []SecretView
	SecretMounts  string // every secret mount flag, each followed by " \\\n    "
	BuildCommand  string // exec-form JSON, or ""
	Entrypoint    string // exec-form JSON
	Cmd           string // exec-form JSON, or ""
	Healthcheck   string // a whole HEALTHCHECK instruction, or ""
	// Probe is set when the final stage copies slipway-probe from the
	// probe stage (ProbePath).
	Probe bool
	// HealthBinary is the project's own probe program (healthcheck.binary,
	// validated as a name), which the template builds beside main and
	// copies to /app/<HealthBinary>; "" when none.
	HealthBinary string
	Labels       []KV // quoted
	Env          []KV // quoted values
	// RuntimeFiles are the final stage's COPY arguments for runtime_files,
	// each a JSON array ["<source in the context>", "/app/<path>"].
	RuntimeFiles []string
	// ServiceDir is the service folder's path inside the build context
	// ("" when the context is the service folder); ServicePrefix is it with
	// a trailing slash, or "", to prefix a service file's context path.
	ServiceDir    string
	ServicePrefix string
	// SrcDir is the build stage's working directory of the service:
	// /src, or /src/<service_dir>.
	SrcDir string
	// SharedCopies and ServiceCopy are the build stage's COPY arguments
	// (JSON arrays) for shared_paths and the service folder, with a
	// service_dir; WholeContext is set when shared_paths is empty and the
	// whole context is copied.
	SharedCopies []string
	ServiceCopy  string
	WholeContext bool
}

// BaseView is the final base as the templates see it.
type BaseView struct {
	templates.Base
	Image string // reference with digest when pinned
}

// SecretView is one build secret's mount flag.
type SecretView struct {
	ID    string
	Mount string // --mount=type=secret,...
}

// KV is a key and an already-quoted value.
type KV struct{ Key, Value string }

// Resolved is a project with its defaults filled in from the manifest and
// catalogue; Render and build both work from it.
type Resolved struct {
	Project  config.Project
	Manifest templates.Manifest
	Base     templates.Base // the catalogue entry, or a synthesized one for explicit refs
	BaseRef  string         // image reference (with digest when pinned)
	Builder  string
	// GoldenLocked is true when a golden base was pinned from golden.lock.
	GoldenLocked bool
}

// Resolve fills in a project's defaults from the template set. It does not
// modify p.
func Resolve(set *templates.Set, p *config.Project, team *config.Team) (*Resolved, error) {
	return ResolveIn(set, p, team, "")
}

// ResolveIn is Resolve for the service in dir: a golden base is pinned to
// the digest of the golden/golden.lock found above dir.
func ResolveIn(set *templates.Set, p *config.Project, team *config.Team, dir string) (*Resolved, error) {
	m, ok := set.Manifests[p.Language]
	if !ok {
		return nil, &config.FieldError{Key: "language", Msg: fmt.Sprintf("%q has no templates; available: %s", p.Language, strings.Join(set.Languages(), ", "))}
	}
	r := &Resolved{Project: *p, Manifest: m}
	q := &r.Project
	if q.Version == "" {
		q.Version = m.DefaultVersion
	}
	if q.PackageManager == "" && len(m.PackageManagers) > 0 {
		q.PackageManager = m.PackageManagers[0]
	}
	if q.Main == "" {
		// A default may name the service: dotnet's is "{name}.csproj".
		q.Main = strings.ReplaceAll(m.DefaultMain, "{name}", q.Name)
	}
	if q.Base == "" {
		q.Base = m.DefaultBase
	}
	builder, ok := m.Builders[q.PackageManager]
	if !ok {
		builder = m.Builders["default"]
	}
	r.Builder = config.PinnedRef(strings.ReplaceAll(builder, "{version}", q.Version), q.Pins)
	base, ref, locked, err := resolveBase(set, q, team, dir)
	if err != nil {
		return nil, err
	}
	r.Base, r.BaseRef, r.GoldenLocked = base, ref, locked
	if q.User == 0 {
		q.User = base.User
		if q.User == 0 {
			q.User = 10001
		}
	}
	if q.Port == 0 && !portSet(p) {
		q.Port = m.DefaultPort
	}
	return r, nil
}

// portSet distinguishes "no port key" from an explicit 0; the TOML layer
// cannot, so a port of 0 always means the manifest default.
func portSet(p *config.Project) bool { return p.Port != 0 }

func resolveBase(set *templates.Set, p *config.Project, team *config.Team, dir string) (base templates.Base, ref string, locked bool, err error) {
	switch {
	case strings.HasPrefix(p.Base, goldenlock.Prefix):
		name := strings.TrimPrefix(p.Base, goldenlock.Prefix)
		prefix := ""
		if team != nil && team.RegistryPrefix != "" {
			prefix = team.RegistryPrefix + "/"
		}
		// Golden images are hardened Debian-based or static images. Without
		// a lock entry, assume the safest: no shell, a nonroot uid.
		base = templates.Base{Key: p.Base, Image: prefix + "golden/" + name + ":latest", User: 65532, Libc: "glibc", CACerts: true, TZData: true, Languages: []string{p.Language}, Notes: "team golden image"}
		if dir != "" {
			l, ok, lerr := goldenlock.LookupLocked(dir, p.Base)
			if lerr != nil {
				return base, "", false, lerr
			}
			if ok {
				base.Image, base.Shell, locked = l.Image, l.Shell, true
				if l.UID > 0 {
					base.User = l.UID
				}
				base.Notes = "team golden image, pinned by golden.lock"
				if p.BaseDigest == "" {
					ref = l.Ref()
				}
			}
		}
	default:
		if b, ok := set.Bases[p.Base]; ok {
			base = b
			break
		}
		if !strings.ContainsAny(p.Base, "/:.") {
			return base, "", false, &config.FieldError{Key: "base", Msg: fmt.Sprintf("%q is not in the catalogue; available: %s (or golden:<name>, or an image reference)", p.Base, strings.Join(set.BaseKeys(), ", "))}
		}
		// An explicit reference: assume nothing it does not promise.
		base = templates.Base{Key: p.Base, Image: p.Base, User: 0, Shell: false, Libc: "glibc", Languages: []string{p.Language}, Notes: "explicit image"}
	}
	if ref == "" {
		ref = base.Image
		if p.BaseDigest != "" && ref != "scratch" {
			ref = stripDigest(ref) + "@" + p.BaseDigest
		}
	}
	if team != nil && !team.AllowsBase(base.Key, ref) {
		return base, "", false, &config.FieldError{Key: "base", Msg: fmt.Sprintf("%q (%s) is not allowed by the team standard (allowed bases: %s; registries: %s)", p.Base, ref, orAny(team.AllowedBases), orAny(team.AllowedRegistries))}
	}
	return base, ref, locked, nil
}

func stripDigest(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		return ref[:i]
	}
	return ref
}

func orAny(l []string) string {
	if len(l) == 0 {
		return "any"
	}
	return strings.Join(l, ", ")
}

// Pin is ref with the digest slipway.toml's [pins] holds for it, for an
// image a template names itself (static's server toolchain), so that
// `slipway pin` pins every stage.
func (v *View) Pin(ref string) string { return config.PinnedRef(ref, v.pins) }

// View builds the template view of a resolved project.
func (r *Resolved) View() (*View, error) {
	p := &r.Project
	v := &View{
		Name:           p.Name,
		Language:       p.Language,
		Version:        p.Version,
		PackageManager: p.PackageManager,
		Builder:        r.Builder,
		pins:           p.Pins,
		Base:           BaseView{Base: r.Base, Image: r.BaseRef},
		Main:           p.Main,
		MainStem:       strings.TrimSuffix(path.Base(p.Main), path.Ext(p.Main)),
		UID:            p.User,
		CreateUser:     r.Base.User == 0 && r.Base.Shell, // a shell-less base gets a numeric USER with no passwd entry
		Port:           p.Port,
		CGO:            p.CGO,
		Npmrc:          p.Npmrc,
		BuildPackages:  append([]string(nil), p.BuildPackages...),
	}
	v.SrcDir = "/src"
	if p.ServiceDir != "" {
		v.ServiceDir, v.ServicePrefix = p.ServiceDir, p.ServiceDir+"/"
		v.SrcDir = "/src/" + p.ServiceDir
		v.ServiceCopy = execForm([]string{p.ServiceDir, v.SrcDir})
		v.WholeContext = len(p.SharedPaths) == 0
		for _, s := range p.SharedPaths {
			v.SharedCopies = append(v.SharedCopies, execForm([]string{s, "/src/" + s}))
		}
	}
	for _, f := range p.RuntimeFiles {
		v.RuntimeFiles = append(v.RuntimeFiles, execForm([]string{v.ServicePrefix + f, "/app/" + f}))
	}
	if r.Base.User != 0 && p.User != r.Base.User {
		// A uid the base does not define: create it when the base can.
		v.CreateUser = r.Base.Shell
	}
	var mounts strings.Builder
	for _, s := range p.Secrets {
		m := "--mount=type=secret,id=" + s.ID
		switch {
		case s.Env != "":
			m += ",env=" + s.Env
		case s.Target != "":
			m += ",target=" + s.Target
		}
		if !s.Optional {
			m += ",required=true"
		}
		v.Secrets = append(v.Secrets, SecretView{ID: s.ID, Mount: m})
		mounts.WriteString(m)
		mounts.WriteString(" \\\n    ")
	}
	v.SecretMounts = mounts.String()
	if len(p.BuildCommand) > 0 {
		v.BuildCommand = execForm(p.BuildCommand)
	}
	ep := p.Entrypoint
	if len(ep) == 0 {
		ep = expand(r.Manifest.Entrypoint, r)
	}
	v.Entrypoint = execForm(ep)
	cmd := p.Cmd
	if len(cmd) == 0 && len(p.Entrypoint) == 0 {
		cmd = expand(r.Manifest.Cmd, r)
	}
	if len(cmd) > 0 {
		v.Cmd = execForm(cmd)
	}
	hc, err := healthcheck(r)
	if err != nil {
		return nil, err
	}
	v.Healthcheck, v.Probe, v.HealthBinary = hc.Instruction, hc.Probe, hc.Binary
	labels := map[string]string{
		"org.opencontainers.image.title":     p.Name,
		"org.opencontainers.image.base.name": stripDigest(r.BaseRef),
	}
	if p.BaseDigest != "" {
		labels["org.opencontainers.image.base.digest"] = p.BaseDigest
	}
	for k, val := range p.Labels {
		labels[k] = val
	}
	v.Labels = sortedKV(labels, true)
	env := p.Env
	if p.PortEnv != "" && p.Port != 0 {
		// The program reads its listen port from this variable.
		env = map[string]string{p.PortEnv: fmt.Sprint(p.Port)}
		for k, val := range p.Env {
			env[k] = val
		}
	}
	v.Env = sortedKV(env, false)
	return v, nil
}

func sortedKV(m map[string]string, quoteKey bool) []KV {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]KV, 0, len(keys))
	for _, k := range keys {
		key := k
		if quoteKey {
			key = quote(k)
		}
		out = append(out, KV{Key: key, Value: quote(m[k])})
	}
	return out
}

// expand substitutes the manifest placeholders in a default command.
func expand(args []string, r *Resolved) []string {
	if len(args) == 0 {
		return nil
	}
	p := &r.Project
	runtime := r.Base.RuntimeBin
	if runtime == "" {
		// A golden or explicit base states no runtime path: name the
		// language's runtime (its provider's RuntimeName) and let the
		// image's PATH find it.
		if pr, ok := templates.Provider(p.Language); ok {
			runtime = provider.InfoOf(pr).RuntimeName
		}
	}
	rep := strings.NewReplacer(
		"{name}", p.Name,
		"{main}", p.Main,
		"{main_stem}", strings.TrimSuffix(path.Base(p.Main), path.Ext(p.Main)),
		"{runtime}", runtime,
		"{port}", fmt.Sprint(p.Port),
	)
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = rep.Replace(a)
	}
	return out
}
