package wizard

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/huh"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/templates"
)

// askInOneForm puts the project questions (name, language, version,
// package manager, entry point, base, port, healthcheck, whether to add a
// build secret) in one full-screen form, one
// group per question, so Shift+Tab goes back to the previous question with
// its answer kept. Questions after the language take their options and
// defaults from the language picked (huh's OptionsFunc and
// DescriptionFunc bound to it); a package-manager question hides for a
// language that has one. Every input is validated as typed by config's
// rules; a group with an error does not move on.
func (w *wizard) askInOneForm() error {
	form, port := w.projectForm()
	if form == nil {
		return nil
	}
	w.asked++
	if err := w.run(KeyName, form); err != nil {
		return err
	}
	w.formDone(*port)
	return nil
}

// formDone stores the answers the one form holds outside the project.
func (w *wizard) formDone(port string) {
	if !w.given(KeyPort) {
		w.p.Port, _ = parsePort(port)
	}
	w.syncLanguage()
	if !w.given(KeyHealthcheck) {
		w.setHealth(w.hc.kind, strings.TrimSpace(w.hc.path), w.hc.command)
	}
}

// projectForm builds the form of askInOneForm (nil when every question is
// given) and returns the port answer's text, read back after the run.
func (w *wizard) projectForm() (*huh.Form, *string) {
	p := w.p
	w.lastLang = p.Language
	if p.Language == "" {
		if langs := w.o.Set.Languages(); len(langs) > 0 && !w.given(KeyLanguage) {
			p.Language = langs[0]
		}
	}
	w.fillDefaults()
	var groups []*huh.Group
	if !w.given(KeyName) {
		def := p.Name
		groups = append(groups, huh.NewGroup(huh.NewInput().Key(KeyName).Title("Service name").
			Description(descName).
			Value(&p.Name).Validate(w.validator(def, func(s string) error {
			if s == "" {
				return errors.New("required")
			}
			q := *p
			q.Name = s
			return fieldErr(q.Validate(), KeyName)
		}))))
	}
	if !w.given(KeyLanguage) {
		groups = append(groups, huh.NewGroup(huh.NewSelect[string]().Key(KeyLanguage).Title("Language").
			Description(descLanguage).
			Options(w.languageOptions()...).Value(&p.Language)))
	}
	if !w.given(KeyVersion) {
		groups = w.dependent(groups, huh.NewGroup(huh.NewSelect[string]().Key(KeyVersion).
			TitleFunc(func() string { return p.Language + " version" }, &p.Language).
			Description(descVersion).
			OptionsFunc(func() []huh.Option[string] { w.syncLanguage(); return w.versionOptions() }, &p.Language).
			Value(&p.Version)),
			func() bool { w.syncLanguage(); return len(w.versionOptions()) == 0 })
	}
	if !w.given(KeyPackageManager) {
		groups = w.dependent(groups, huh.NewGroup(huh.NewSelect[string]().Key(KeyPackageManager).Title("Package manager").
			Description(descPackageManager).
			OptionsFunc(func() []huh.Option[string] { w.syncLanguage(); return optionsOf(config.PackageManagers[p.Language]) }, &p.Language).
			Value(&p.PackageManager)),
			func() bool { w.syncLanguage(); return len(config.PackageManagers[p.Language]) <= 1 })
	}
	if !w.given(KeyMain) {
		groups = append(groups, huh.NewGroup(huh.NewInput().Key(KeyMain).Title("Entry point").
			DescriptionFunc(func() string { return w.mainHelp() }, &p.Language).
			Value(&p.Main).Validate(w.validator("", func(s string) error {
			if s == "" {
				return nil
			}
			q := *p
			q.Main = s
			return fieldErr(q.Validate(), KeyMain)
		}))))
	}
	if !w.given(KeyBase) {
		groups = w.dependent(groups, huh.NewGroup(huh.NewSelect[string]().Key(KeyBase).Title("Final base image").
			Description(descBase).
			OptionsFunc(func() []huh.Option[string] { w.syncLanguage(); return w.baseOptions() }, &p.Language).
			Value(&p.Base)),
			func() bool { w.syncLanguage(); return len(w.baseOptions()) == 0 })
	}
	port := ""
	if p.Port > 0 {
		port = strconv.Itoa(p.Port)
	}
	if !w.given(KeyPort) {
		groups = append(groups, huh.NewGroup(huh.NewInput().Key(KeyPort).Title("Port").
			DescriptionFunc(w.portHelp, &p.Language).
			Value(&port).Validate(w.validator("", w.checkPort))))
	}
	if !w.given(KeyHealthcheck) {
		w.hc = healthAnswers{kind: w.healthKind(), path: w.defaultHealthPath(), command: w.defaultHealthCommand()}
		hc := &w.hc
		groups = append(groups,
			huh.NewGroup(huh.NewSelect[string]().Key(KeyHealthcheck).Title("Healthcheck").Description(descHealthcheck).
				OptionsFunc(func() []huh.Option[string] { w.syncLanguage(); return w.healthOptions() }, &p.Language).
				Value(&hc.kind)),
			huh.NewGroup(huh.NewInput().Key("healthcheck.http_path").Title("Healthcheck path").Description(descHealthPath).
				Value(&hc.path).Validate(w.validator("", w.checkHealthPath))).
				WithHideFunc(func() bool { return hc.kind != "http" }),
			huh.NewGroup(huh.NewInput().Key("healthcheck.command").Title("Healthcheck command").Description(descHealthCommand).
				Value(&hc.command).Validate(w.validator("", w.checkHealthCommand))).
				WithHideFunc(func() bool {
					if hc.kind == "command" && hc.command == "" {
						hc.command = w.defaultHealthCommand() // main and name are known by now
					}
					return hc.kind != "command"
				}))
	}
	if !w.given(KeySecret) {
		title, desc := w.secretQuestion()
		w.addSecret = false
		groups = append(groups, huh.NewGroup(huh.NewConfirm().Key(KeySecret).Title(title).Description(desc).Value(&w.addSecret)))
	}
	if len(groups) == 0 {
		return nil, &port
	}
	return huh.NewForm(groups...).WithInput(w.o.In).WithOutput(w.o.Out).WithShowHelp(true), &port
}

// The descriptions of the questions, shared by both ways of asking.
const (
	descName           = "Lowercase letters, digits, '.', '_' and '-'; used for image labels and the default tag."
	descLanguage       = "The language the service is written in."
	descVersion        = "The toolchain version of the build stage."
	descPackageManager = "The build tool that installs dependencies."
	descBase           = "What the service runs on. Smaller and shell-less is safer; pick one with a shell or runtime only if the service needs it."
	descHealthcheck    = "How the container reports it is healthy (Docker HEALTHCHECK; slipway verify probes it too)."
	descHealthPath     = "The URL path that answers 200 when the service is healthy."
	descHealthCommand  = `Exec form, no shell: words separated by spaces, or a JSON array such as ["/app/api", "-healthcheck"]. It must exit 0 when healthy.`
)

func (w *wizard) portHelp() string {
	def := "none"
	if m := w.o.Set.Manifests[w.p.Language]; m.DefaultPort > 0 {
		def = strconv.Itoa(m.DefaultPort)
	}
	return fmt.Sprintf("The TCP port the service listens on (EXPOSE, healthcheck). Empty or 0 means the language default (%s).", def)
}

// checkPort validates a port answer with config's rules.
func (w *wizard) checkPort(v string) error {
	n, err := parsePort(v)
	if err != nil {
		return err
	}
	q := *w.p
	q.Port = n
	return fieldErr(q.Validate(), KeyPort)
}

// healthAnswers are the healthcheck answers of the one form, stored in
// the project once it is submitted.
type healthAnswers struct{ kind, path, command string }

// dependent adds a question that depends on the language and hides where
// the language leaves nothing to choose. With the language given that
// never changes, so a hidden question is left out: huh would focus a
// hidden first group.
func (w *wizard) dependent(groups []*huh.Group, g *huh.Group, hidden func() bool) []*huh.Group {
	if w.given(KeyLanguage) && hidden() {
		return groups
	}
	return append(groups, g.WithHideFunc(hidden))
}

// syncLanguage refreshes the answers that depend on the language once the
// language answer changed (re-detection, then the template's defaults and
// the healthcheck the new hints suggest).
func (w *wizard) syncLanguage() {
	if w.p.Language == w.lastLang {
		return
	}
	w.lastLang = w.p.Language
	w.languageChanged()
	w.fillDefaults()
	if !w.given(KeyHealthcheck) {
		w.setHealth("none", "", "") // the old language's answer; timings stay
		w.hc = healthAnswers{kind: w.healthKind(), path: w.defaultHealthPath()}
	}
}

// fillDefaults gives the language-dependent answers the template's
// defaults where they are empty or not on offer.
func (w *wizard) fillDefaults() {
	p := w.p
	m := w.o.Set.Manifests[p.Language]
	if p.Version == "" && !w.given(KeyVersion) {
		p.Version = m.DefaultVersion
	}
	if pms := config.PackageManagers[p.Language]; !w.given(KeyPackageManager) {
		if len(pms) <= 1 {
			p.PackageManager = ""
		} else if !slices.Contains(pms, p.PackageManager) {
			p.PackageManager = pms[0]
		}
	}
	if p.Base == "" && !w.given(KeyBase) {
		p.Base = m.DefaultBase
	}
}

func (w *wizard) languageOptions() []huh.Option[string] {
	langs := w.o.Set.Languages()
	if l := w.p.Language; l != "" && !slices.Contains(langs, l) {
		langs = append(langs, l)
	}
	var opts []huh.Option[string]
	for _, l := range langs {
		label := l
		if m, ok := w.o.Set.Manifests[l]; ok && m.Description != "" {
			label = m.Description
		} else if !ok {
			label = l + " (no template yet)"
		}
		opts = append(opts, huh.NewOption(label, l))
	}
	return opts
}

func (w *wizard) versionOptions() []huh.Option[string] {
	m := w.o.Set.Manifests[w.p.Language]
	versions := slices.Clone(m.Versions)
	if v := w.p.Version; v != "" && !slices.Contains(versions, v) {
		versions = append([]string{v}, versions...)
	}
	var opts []huh.Option[string]
	for _, v := range versions {
		label := v
		switch {
		case v == m.DefaultVersion:
			label += "  (template default)"
		case !slices.Contains(m.Versions, v):
			label += "  (from your project; not a version the template lists)"
		}
		opts = append(opts, huh.NewOption(label, v))
	}
	return opts
}

func (w *wizard) baseOptions() []huh.Option[string] {
	m := w.o.Set.Manifests[w.p.Language]
	var opts []huh.Option[string]
	known := false
	for _, b := range w.o.Bases(w.p.Language) {
		known = known || b.Key == w.p.Base
		opts = append(opts, huh.NewOption(BaseLabel(b, b.Key == m.DefaultBase), b.Key))
	}
	if !known && w.p.Base != "" {
		// golden:<name> or an explicit reference from slipway.toml: keep it on offer.
		opts = append([]huh.Option[string]{huh.NewOption(w.p.Base+"  (from slipway.toml)", w.p.Base)}, opts...)
	}
	return opts
}

func (w *wizard) mainHelp() string {
	m := w.o.Set.Manifests[w.p.Language]
	desc := templates.MainHelp(w.p.Language)
	if m.DefaultMain != "" {
		return desc + fmt.Sprintf(" Empty means the template default (%s).", m.DefaultMain)
	}
	return desc + " Empty means the template default."
}

func optionsOf(values []string) []huh.Option[string] {
	var opts []huh.Option[string]
	for _, v := range values {
		opts = append(opts, huh.NewOption(v, v))
	}
	return opts
}
