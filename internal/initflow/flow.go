// Package initflow is `slipway init`: detect the source tree, lay an
// existing slipway.toml and the flags over what was found, ask what is still
// open through an Asker (the wizard) or check that nothing is (--yes),
// render, and write slipway.toml, Dockerfile and .dockerignore through
// generate's plan (never replacing a different file without --force). It
// imports no prompt library: the questions are the Asker's business.
package initflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/pin"
	"github.com/slipway/slipway/templates"
)

// InitOptions drive one `slipway init`.
type InitOptions struct {
	Dir string
	// Flags holds the values given on the command line; Given says which
	// keys they set (the Key* constants, plus "labels" and "user").
	Flags config.Project
	Given map[string]bool
	// Asker asks the open questions; nil means none are asked and
	// detection, flags and defaults must answer everything (--yes).
	Asker Asker
	Force bool      // replace a different slipway.toml or hand-edited files
	Diff  bool      // print what would change; write nothing
	Out   io.Writer // diffs
	Log   io.Writer // what was detected and written
	// Pin, when set, resolves the final base's reference to the digest its
	// registry serves now; init then writes it as base_digest.
	Pin func(ctx context.Context, ref string) (string, error)
}

// InitResult says what init found and did.
type InitResult struct {
	Detected *detect.Result
	Project  *config.Project
	Changes  []generate.Change
	Written  bool
}

// configHeader starts every slipway.toml that init writes.
const configHeader = `# slipway.toml: how slipway builds this service's container image.
# Written by 'slipway init'; edit it freely, then run 'slipway generate' to
# re-render the Dockerfile and .dockerignore (never edit those by hand).
# Every key is described in ` + config.DocsURL + `;
# 'slipway generate --diff' shows what a change does before it is written.

`

// Init detects, asks (or checks that nothing is missing), and writes
// slipway.toml, Dockerfile and .dockerignore.
func Init(ctx context.Context, set *templates.Set, o InitOptions) (*InitResult, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Given == nil {
		o.Given = map[string]bool{}
	}
	cfgPath := filepath.Join(o.Dir, config.FileName)
	existing, err := loadExisting(cfgPath, o.Force, o.Log)
	if err != nil {
		return nil, err
	}
	team, _, err := config.FindTeam(o.Dir, "")
	if err != nil {
		return nil, err
	}

	lang := o.Flags.Language
	if lang == "" && existing != nil {
		lang = existing.Language
	}
	var det *detect.Result
	if lang != "" {
		det, err = detect.DetectAs(o.Dir, lang)
	} else {
		det, err = detect.Detect(o.Dir)
	}
	if err != nil {
		return nil, err
	}
	res := &InitResult{Detected: det}
	printDetection(o.Log, o.Dir, det, existing != nil)
	if err := refused(det); err != nil {
		return res, err
	}

	var p config.Project
	if existing != nil {
		p = *existing
	} else {
		p = fromDetection(det)
	}
	applyFlags(&p, o.Flags, o.Given)
	if existing == nil && !o.Given[KeyHealthcheck] && o.Asker == nil {
		// The wizard makes its own suggestion from the hints, with the
		// name and base the user picks.
		p.Healthcheck = defaultHealthcheck(set, team, &p, det)
	}

	render := func(q *config.Project) (*generate.Output, error) {
		if err := pinBase(ctx, set, team, o, q); err != nil {
			return nil, err
		}
		return generate.RenderIn(set, q, team, o.Dir)
	}
	if o.Asker != nil {
		q := Questions{
			Given: o.Given, Set: set,
			Bases: func(lang string) []templates.Base { return generate.FittingBases(set, lang) },
			Redetect: func(lang string) (config.Project, Hints) {
				r, err := detect.DetectAs(o.Dir, lang)
				if err != nil {
					return config.Project{}, Hints{}
				}
				return fromDetection(r), hintsOf(r)
			},
			Entrypoint: func(q *config.Project) []string { return entrypoint(set, team, q) },
			Render: func(q *config.Project) ([]byte, error) {
				out, err := render(q)
				if err != nil {
					return nil, err
				}
				return out.Dockerfile, nil
			},
			Hints: hintsOf(det),
		}
		if err := o.Asker.Ask(ctx, &p, q); err != nil {
			return res, err
		}
	} else if err := missing(&p, det, o.Given, existing != nil); err != nil {
		return res, err
	}
	if m, ok := set.Manifests[p.Language]; ok && p.Base == "" {
		// Write the base down: slipway.toml should say what the image runs on.
		p.Base = m.DefaultBase
	}
	res.Project = &p

	out, err := render(&p)
	if err != nil {
		return res, err
	}
	for _, w := range out.Warnings {
		fmt.Fprintf(o.Log, "warning: %s\n", w)
	}
	if w := lowPortWarning(set, team, &p); w != "" {
		fmt.Fprintf(o.Log, "warning: %s\n", w)
	}
	toml, err := Encode(&p)
	if err != nil {
		return res, err
	}
	for _, f := range []struct {
		name    string
		data    []byte
		managed bool
	}{{config.FileName, toml, false}, {"Dockerfile", out.Dockerfile, true}, {out.DockerignoreName, out.Dockerignore, true}} {
		c, err := generate.Plan(filepath.Join(o.Dir, f.name), f.data, f.managed)
		if err != nil {
			return res, err
		}
		res.Changes = append(res.Changes, c)
	}
	if o.Diff {
		for _, c := range res.Changes {
			fmt.Fprint(o.Out, c.Diff())
		}
		return res, nil
	}
	if !o.Force {
		var edited []string
		for _, c := range res.Changes {
			if c.State == generate.Edited {
				fmt.Fprint(o.Out, c.Diff())
				edited = append(edited, c.Path)
			}
		}
		if tc := res.Changes[0]; tc.State == generate.Edited {
			return res, fmt.Errorf("refusing to replace %s: it exists and differs from these answers (diff above); pass --force to replace it, or edit it and run `slipway generate`", tc.Path)
		}
		if len(edited) > 0 {
			return res, &generate.ConflictError{Paths: edited}
		}
	}
	if err := generate.Apply(res.Changes, o.Force); err != nil {
		return res, err
	}
	res.Written = true
	for _, c := range res.Changes {
		state := "written (" + c.State.String() + ")"
		if c.State == generate.Same {
			state = "up to date"
		}
		fmt.Fprintf(o.Log, "%s: %s\n", c.Path, state)
	}
	fmt.Fprintf(o.Log, "\nNext: slipway build %s   (or edit %s and run `slipway generate`)\n", o.Dir, cfgPath)
	return res, nil
}

// lowPortWarning warns when a non-root service listens below 1024: slipway
// verify and Docker run it (both set net.ipv4.ip_unprivileged_port_start=0 in
// the container's network namespace), Kubernetes does not by default.
func lowPortWarning(set *templates.Set, team *config.Team, p *config.Project) string {
	if p.Port <= 0 || p.Port >= 1024 {
		return ""
	}
	r, err := generate.Resolve(set, p, team)
	if err != nil {
		return ""
	}
	v, err := r.View()
	if err != nil || v.UID == 0 {
		return ""
	}
	return fmt.Sprintf("port %d is below 1024 and the service runs as uid %d: `slipway verify` and Docker allow it "+
		"(they set net.ipv4.ip_unprivileged_port_start=0 in the container's network namespace), but on Kubernetes the pod needs "+
		"that sysctl (securityContext.sysctls) or the NET_BIND_SERVICE capability; a port of 1024 or more needs neither", p.Port, v.UID)
}

// loadExisting reads an existing slipway.toml; nil when there is none.
func loadExisting(path string, force bool, log io.Writer) (*config.Project, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	p, err := config.Load(path)
	if err != nil {
		if force && config.IsInvalid(err) {
			fmt.Fprintf(log, "warning: %s does not load; starting over (--force):\n%s\n", path, indent(err.Error()))
			return nil, nil
		}
		return nil, fmt.Errorf("%w\n(fix %s, or pass --force to start it over)", err, path)
	}
	return p, nil
}

// fromDetection is the project the provider's plain values describe.
// Framework has no slipway.toml key: it is shown as evidence only.
func fromDetection(r *detect.Result) config.Project {
	p := config.Project{
		Name: r.Name, Language: r.Language, Version: r.Version,
		PackageManager: r.PackageManager, Main: r.Main, Port: r.Port,
		Entrypoint:    slices.Clone(r.Entrypoint),
		Cmd:           slices.Clone(r.Cmd),
		BuildPackages: slices.Clone(r.NativePackages),
		RuntimeFiles:  slices.Clone(r.RuntimeFiles),
		ServiceDir:    r.ServiceDir,
		SharedPaths:   slices.Clone(r.SharedPaths),
		PortEnv:       r.PortEnv,
		BuildCommand:  slices.Clone(r.BuildCommand),
		Npmrc:         r.Npmrc,
	}
	if len(r.Env) > 0 {
		p.Env = maps.Clone(r.Env)
	}
	for _, s := range r.BuildSecrets {
		p.Secrets = append(p.Secrets, config.Secret{ID: s.ID, Env: s.Env})
	}
	return p
}

// applyFlags copies the given flag values over p.
func applyFlags(p *config.Project, f config.Project, given map[string]bool) {
	override(given[KeyName], &p.Name, f.Name)
	if given[KeyLanguage] {
		if p.Language != f.Language {
			// Fields detected for another language do not carry over.
			p.Version, p.PackageManager, p.Main, p.Base = "", "", "", ""
		}
		p.Language = f.Language
	}
	override(given[KeyVersion], &p.Version, f.Version)
	override(given[KeyPackageManager], &p.PackageManager, f.PackageManager)
	if given[KeyBase] {
		if p.Base != f.Base {
			p.BaseDigest = "" // a digest pins the base it was resolved for
		}
		p.Base = f.Base
	}
	override(given["base_digest"], &p.BaseDigest, f.BaseDigest)
	override(given[KeyMain], &p.Main, f.Main)
	override(given[KeyPort], &p.Port, f.Port)
	override(given[KeyHealthcheck], &p.Healthcheck, f.Healthcheck)
	override(given[KeySecret], &p.Secrets, f.Secrets)
	override(given["entrypoint"], &p.Entrypoint, f.Entrypoint)
	override(given["cmd"], &p.Cmd, f.Cmd)
	override(given["runtime_files"], &p.RuntimeFiles, f.RuntimeFiles)
	override(given["service_dir"], &p.ServiceDir, f.ServiceDir)
	override(given["shared_paths"], &p.SharedPaths, f.SharedPaths)
	override(given["port_env"], &p.PortEnv, f.PortEnv)
	override(given["user"], &p.User, f.User)
	if given["labels"] {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		for k, v := range f.Labels {
			p.Labels[k] = v
		}
	}
}

// override sets *dst to v when its flag was given.
func override[T any](given bool, dst *T, v T) {
	if given {
		*dst = v
	}
}

// defaultHealthcheck picks a healthcheck from what detection saw: an HTTP
// path when the base can probe it, else the program's own probe flag, else
// none. It is only a default: the wizard offers it, flags override it.
func defaultHealthcheck(set *templates.Set, team *config.Team, p *config.Project, det *detect.Result) config.Healthcheck {
	if det.HealthPath == "" && det.HealthFlag == "" && det.HealthBinary == "" && !det.HealthGRPC {
		return config.Healthcheck{}
	}
	q := *p
	q.Healthcheck = config.Healthcheck{}
	r, err := generate.Resolve(set, &q, team)
	if err != nil {
		return config.Healthcheck{}
	}
	try := func(h config.Healthcheck) bool {
		c := *p
		c.Healthcheck = h
		_, err := generate.Render(set, &c, team)
		return err == nil
	}
	// The project's own probe binary first (its authors' choice), then the
	// HTTP path where the base probes it itself (curl, wget, its runtime),
	// then the program's self-probe flag, and only then what needs
	// slipway's static probe built beside the service (the HTTP path on a
	// bare base, the gRPC health service): a program that can probe itself
	// needs no second binary in its image.
	if det.HealthBinary != "" {
		if h := (config.Healthcheck{Binary: det.HealthBinary}); try(h) {
			return h
		}
	}
	if det.HealthPath != "" && probesHTTPItself(r.Base) {
		if h := (config.Healthcheck{HTTPPath: det.HealthPath}); try(h) {
			return h
		}
	}
	if det.HealthFlag != "" {
		if ep := entrypoint(set, team, p); len(ep) > 0 {
			if h := (config.Healthcheck{Command: append(ep, det.HealthFlag)}); try(h) {
				return h
			}
		}
	}
	if det.HealthPath != "" {
		if h := (config.Healthcheck{HTTPPath: det.HealthPath}); try(h) {
			return h
		}
	}
	if det.HealthGRPC {
		if h := (config.Healthcheck{GRPC: true}); try(h) {
			return h
		}
	}
	return config.Healthcheck{}
}

// probesHTTPItself reports whether a base can GET a health path with what
// it carries (curl, wget, its language runtime), without slipway's probe.
func probesHTTPItself(b templates.Base) bool {
	return b.HasTool("curl") || b.HasTool("wget") || templates.RuntimeProbe(b, "http://127.0.0.1/") != nil
}

// hintsOf keeps what detection saw that is not a config field.
func hintsOf(r *detect.Result) Hints {
	return Hints{HealthPath: r.HealthPath, HealthFlag: r.HealthFlag, HealthGRPC: r.HealthGRPC, HealthBinary: r.HealthBinary}
}

// Entrypoint is the exec-form entrypoint the project renders to, or nil
// when it does not resolve (team may be nil).
func Entrypoint(set *templates.Set, team *config.Team, p *config.Project) []string {
	return entrypoint(set, team, p)
}

// entrypoint is the exec-form entrypoint the rendered image will have.
func entrypoint(set *templates.Set, team *config.Team, p *config.Project) []string {
	q := *p
	q.Healthcheck = config.Healthcheck{}
	r, err := generate.Resolve(set, &q, team)
	if err != nil {
		return nil
	}
	v, err := r.View()
	if err != nil {
		return nil
	}
	var ep []string
	if json.Unmarshal([]byte(v.Entrypoint), &ep) != nil {
		return nil
	}
	return ep
}

// missing reports, for a run without questions, every answer that neither
// detection, slipway.toml nor a flag gave and that has no default.
func missing(p *config.Project, det *detect.Result, given map[string]bool, fromConfig bool) error {
	var errs []error
	add := func(key, flag, msg string) {
		errs = append(errs, &config.FieldError{Key: key, Msg: msg + "; pass " + flag})
	}
	if p.Name == "" {
		add(KeyName, "--name", "not detected")
	}
	if p.Language == "" {
		msg := "not detected (no " + detect.Markers() + ")"
		if det.Ambiguous(KeyLanguage) {
			msg = ambiguity(det, KeyLanguage)
		}
		add(KeyLanguage, "--language ("+strings.Join(config.Languages, ", ")+")", msg)
	}
	if !fromConfig {
		flags := map[string]string{KeyVersion: "--version", KeyPackageManager: "--package-manager", KeyMain: "--main", KeyPort: "--port"}
		keys := slices.Sorted(maps.Keys(flags))
		for _, k := range keys {
			if det.Ambiguous(k) && !given[k] {
				add(k, flags[k], ambiguity(det, k))
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &config.InvalidError{Errs: errs}
}

// refused stops init on what the tree lacks before any image can be built
// (detect's Refusals), whatever the flags say.
func refused(det *detect.Result) error {
	var errs []error
	for _, r := range det.Refusals {
		what, msg, _ := strings.Cut(r, ": ")
		errs = append(errs, &config.FieldError{Key: what, Msg: msg})
	}
	if len(errs) == 0 {
		return nil
	}
	return &config.InvalidError{Errs: errs}
}

func ambiguity(det *detect.Result, key string) string {
	for _, a := range det.Ambiguities {
		if rest, ok := strings.CutPrefix(a, key+": "); ok {
			return rest
		}
	}
	return "ambiguous"
}

func printDetection(w io.Writer, dir string, det *detect.Result, haveConfig bool) {
	fmt.Fprintf(w, "Detected in %s:\n", dir)
	if len(det.Evidence) == 0 {
		fmt.Fprintln(w, "  nothing (no project file slipway knows)")
	}
	for _, e := range det.Evidence {
		fmt.Fprintf(w, "  %s\n", e)
	}
	for _, a := range det.Ambiguities {
		fmt.Fprintf(w, "  ambiguous: %s\n", a)
	}
	if haveConfig {
		fmt.Fprintf(w, "  (an existing %s provides the defaults)\n", config.FileName)
	}
	fmt.Fprintln(w)
}

// Encode writes p as slipway.toml, with a short header.
func Encode(p *config.Project) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(configHeader)
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", config.FileName, err)
	}
	return dropZero(b.Bytes()), nil
}

// dropZero removes `key = 0` and `key = ""` lines of the top level and the
// [healthcheck] table: the TOML encoder's omitempty keeps zero numbers, and
// in slipway.toml a zero or empty value always means "the default".
// Labels and env values are kept as written.
func dropZero(src []byte) []byte {
	var out []string
	table := ""
	for _, l := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			table = t
		}
		if (table == "" || table == "[healthcheck]") && (strings.HasSuffix(t, " = 0") || strings.HasSuffix(t, ` = ""`)) && !strings.HasPrefix(t, "#") {
			continue
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, "\n"))
}

// pinBase fills in q.BaseDigest through o.Pin when pinning was asked for and
// the base is neither pinned already, nor golden (golden.lock pins those),
// nor scratch; and q.Pins for every build stage's image not pinned yet.
func pinBase(ctx context.Context, set *templates.Set, team *config.Team, o InitOptions, q *config.Project) error {
	if o.Pin == nil {
		return nil
	}
	if q.BaseDigest == "" && !strings.HasPrefix(q.Base, "golden:") {
		r, err := generate.ResolveIn(set, q, team, o.Dir)
		if err != nil {
			return err
		}
		if r.BaseRef != "scratch" {
			d, err := o.Pin(ctx, r.BaseRef)
			if err != nil {
				return fmt.Errorf("pinning the base: %w", err)
			}
			q.BaseDigest = d
			fmt.Fprintf(o.Log, "pinned %s to %s\n", r.BaseRef, d)
		}
	}
	// Then every build stage's image, into [pins].
	done, err := pin.Stages(ctx, set, q, team, o.Dir, o.Pin)
	if err != nil {
		return fmt.Errorf("pinning the build stages: %w", err)
	}
	for _, im := range done {
		fmt.Fprintf(o.Log, "pinned stage %s: %s to %s\n", im.Stage, im.Ref, im.New)
	}
	return nil
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
