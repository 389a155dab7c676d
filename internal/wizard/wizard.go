// Package wizard asks the questions of `slipway init` with huh forms and
// fills a config.Project with the answers. It asks only what was not fixed
// before it ran (by flags), offers what detection and an existing
// slipway.toml said as the defaults, validates every answer with config's
// own rules (a bad answer is asked again), and ends with a preview of the
// Dockerfile. It never renders by itself: a callback does. Prompter is the
// wizard as initflow.Asker; the init flow itself lives in initflow.
//
// In accessible mode (huh's line-by-line prompts) it reads answers from any
// io.Reader, one line each, so it can be driven by piped input; an empty line
// keeps the default shown in brackets.
package wizard

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/huh"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/initflow"
	"github.com/slipway/slipway/templates"
)

// Keys of the questions, as in slipway.toml (initflow's); Options.Given
// uses them.
const (
	KeyName           = initflow.KeyName
	KeyLanguage       = initflow.KeyLanguage
	KeyVersion        = initflow.KeyVersion
	KeyPackageManager = initflow.KeyPackageManager
	KeyBase           = initflow.KeyBase
	KeyMain           = initflow.KeyMain
	KeyPort           = initflow.KeyPort
	KeyHealthcheck    = initflow.KeyHealthcheck
	KeySecret         = initflow.KeySecret
)

// ErrDeclined and ErrAborted are initflow's: the user declined the preview,
// or pressed Ctrl+C (or Esc).
var (
	ErrDeclined = initflow.ErrDeclined
	ErrAborted  = initflow.ErrAborted
)

// Hints are what detection saw that is not a config field.
type Hints = initflow.Hints

// Options configure one wizard run: the terminal, and the questions the
// init flow hands over.
type Options struct {
	In         io.Reader // default os.Stdin
	Out        io.Writer // default os.Stdout
	Accessible bool      // line-by-line prompts instead of the full-screen form
	initflow.Questions
}

// Prompter is the wizard as initflow's Asker: it asks on In and Out.
type Prompter struct {
	In         io.Reader
	Out        io.Writer
	Accessible bool
}

// Ask runs the wizard with the flow's questions.
func (pr Prompter) Ask(ctx context.Context, p *config.Project, q initflow.Questions) error {
	return Run(ctx, p, Options{In: pr.In, Out: pr.Out, Accessible: pr.Accessible, Questions: q})
}

// Run asks the questions and fills p. p holds the defaults on entry
// (detection, an existing slipway.toml, flags); on a nil return it holds
// answers that validate and render.
func Run(ctx context.Context, p *config.Project, o Options) error {
	if o.Render == nil || o.Set == nil || o.Bases == nil {
		return errors.New("wizard: Set, Bases and Render are required")
	}
	if o.In == nil {
		o.In = os.Stdin
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Accessible {
		// huh's accessible prompts make a new bufio.Scanner for every
		// question; hand them one line per Read so none reads ahead.
		o.In = &lineReader{r: bufio.NewReader(o.In)}
	}
	w := &wizard{ctx: ctx, p: p, o: o}
	for {
		if err := w.ask(); err != nil {
			return err
		}
		ok, err := w.preview()
		if err != nil || ok {
			return err
		}
	}
}

type wizard struct {
	ctx context.Context
	p   *config.Project
	o   Options
	// asked counts the questions put, for the preview heading.
	asked int
	// lastLang is the language the dependent answers were last filled for.
	lastLang string
	// hc holds the one form's healthcheck answers, addSecret its answer
	// to the first secret question.
	hc        healthAnswers
	addSecret bool
}

func (w *wizard) given(key string) bool { return w.o.Given[key] }

// ask puts every question that is not given.
func (w *wizard) ask() error {
	var first *bool // the first secret question, when the one form put it
	if w.o.Accessible {
		if err := w.askOneByOne(); err != nil {
			return err
		}
	} else {
		if err := w.askInOneForm(); err != nil {
			return err
		}
		first = &w.addSecret
	}
	if !w.given(KeySecret) {
		return w.askSecrets(first)
	}
	return nil
}

// askOneByOne puts the project questions (name to healthcheck) one form each:
// huh's accessible mode neither hides groups nor refreshes options bound
// to an earlier answer, so there each question is built once the answers
// before it are known.
func (w *wizard) askOneByOne() error {
	p := w.p
	if !w.given(KeyName) {
		if err := w.input(KeyName, "Service name", descName, &p.Name, false); err != nil {
			return err
		}
	}
	if !w.given(KeyLanguage) {
		before := p.Language
		if langs := w.o.Set.Languages(); p.Language == "" && len(langs) > 0 {
			p.Language = langs[0]
		}
		if err := w.selectOne(KeyLanguage, "Language", descLanguage, w.languageOptions(), &p.Language); err != nil {
			return err
		}
		if p.Language != before {
			w.languageChanged()
		}
	}
	w.lastLang = p.Language
	w.fillDefaults()
	if opts := w.versionOptions(); len(opts) > 0 && !w.given(KeyVersion) {
		if err := w.selectOne(KeyVersion, p.Language+" version", descVersion, opts, &p.Version); err != nil {
			return err
		}
	}
	if pms := config.PackageManagers[p.Language]; len(pms) > 1 && !w.given(KeyPackageManager) {
		if err := w.selectOne(KeyPackageManager, "Package manager", descPackageManager, optionsOf(pms), &p.PackageManager); err != nil {
			return err
		}
	}
	if !w.given(KeyMain) {
		if err := w.input(KeyMain, "Entry point", w.mainHelp(), &p.Main, true); err != nil {
			return err
		}
	}
	if opts := w.baseOptions(); len(opts) > 0 && !w.given(KeyBase) {
		if err := w.selectOne(KeyBase, "Final base image", descBase, opts, &p.Base); err != nil {
			return err
		}
	}
	if !w.given(KeyPort) {
		s := ""
		if p.Port > 0 {
			s = strconv.Itoa(p.Port)
		}
		err := w.field(KeyPort, "Port", w.portHelp(), func(title string) huh.Field {
			return huh.NewInput().Title(title).Value(&s).Validate(w.validator(s, w.checkPort))
		}, s)
		if err != nil {
			return err
		}
		p.Port, _ = parsePort(s)
	}
	if !w.given(KeyHealthcheck) {
		return w.askHealthcheck()
	}
	return nil
}

// languageChanged refreshes the fields that depend on the language.
func (w *wizard) languageChanged() {
	p := w.p
	var fresh config.Project
	var hints Hints
	if w.o.Redetect != nil {
		fresh, hints = w.o.Redetect(p.Language)
	}
	if !w.given(KeyVersion) {
		p.Version = fresh.Version
	}
	if !w.given(KeyPackageManager) {
		p.PackageManager = fresh.PackageManager
	}
	if !w.given(KeyMain) {
		p.Main = fresh.Main
	}
	if !w.given(KeyPort) && fresh.Port != 0 {
		p.Port = fresh.Port
	}
	if !w.given(KeyBase) {
		p.Base = ""
	}
	w.o.Hints = hints
}

// BaseLabel describes a catalogue base in one line for a select.
func BaseLabel(b templates.Base, isDefault bool) string {
	shell := "no shell"
	if b.Shell {
		shell = "shell"
	}
	parts := []string{b.Size, shell, "libc " + b.Libc}
	if b.Runtime != "" {
		parts = append(parts, b.Runtime+" runtime")
	}
	label := fmt.Sprintf("%-20s %s", b.Key, strings.Join(parts, ", "))
	if isDefault {
		label += " (default)"
	}
	if b.Notes != "" {
		label += " - " + b.Notes
	}
	return label
}

// healthKind is the healthcheck answer p holds, or else the one the
// hints suggest: the project's probe binary, an HTTP path, the program's
// self-probe flag, the gRPC health service, none.
func (w *wizard) healthKind() string {
	h := w.p.Healthcheck
	switch {
	case len(h.Command) > 0:
		return "command"
	case h.HTTPPath != "":
		return "http"
	case h.Binary != "":
		return "binary"
	case h.GRPC:
		return "grpc"
	case h.Disabled:
		return "none"
	case w.o.Hints.HealthBinary != "":
		return "binary"
	case w.o.Hints.HealthPath != "":
		return "http"
	case w.o.Hints.HealthFlag != "" && w.o.Entrypoint != nil:
		return "command"
	case w.o.Hints.HealthGRPC:
		return "grpc"
	}
	return "none"
}

// healthOptions are the kinds of healthcheck on offer.
func (w *wizard) healthOptions() []huh.Option[string] {
	h := w.p.Healthcheck
	opts := []huh.Option[string]{
		huh.NewOption("HTTP: probe a path on the service's port", "http"),
		huh.NewOption("Command: run a program in the image (exec form), e.g. your binary's -healthcheck flag", "command"),
	}
	if bin := cmpOr(h.Binary, w.o.Hints.HealthBinary); bin != "" {
		opts = append(opts, huh.NewOption(fmt.Sprintf("Binary: build the project's %s program beside main and run it", bin), "binary"))
	}
	if h.GRPC || w.o.Hints.HealthGRPC {
		opts = append(opts, huh.NewOption("gRPC: ask the standard health service (grpc.health.v1) on the port", "grpc"))
	}
	return append(opts, huh.NewOption("None", "none"))
}

// defaultHealthPath and defaultHealthCommand prefill the answers of the
// http and command kinds.
func (w *wizard) defaultHealthPath() string {
	return cmpOr(w.p.Healthcheck.HTTPPath, cmpOr(w.o.Hints.HealthPath, "/healthz"))
}

func (w *wizard) defaultHealthCommand() string {
	if c := w.p.Healthcheck.Command; len(c) > 0 {
		return formatCommand(c)
	}
	if w.o.Hints.HealthFlag != "" && w.o.Entrypoint != nil {
		if ep := w.o.Entrypoint(w.p); len(ep) > 0 {
			return formatCommand(append(ep, w.o.Hints.HealthFlag))
		}
	}
	return ""
}

// checkHealthPath and checkHealthCommand validate those answers with
// config's rules.
func (w *wizard) checkHealthPath(v string) error {
	q := *w.p
	q.Healthcheck = config.Healthcheck{HTTPPath: v}
	return fieldErr(q.Validate(), "healthcheck")
}

func (w *wizard) checkHealthCommand(v string) error {
	args, err := ParseCommand(v)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return errors.New("enter a command, or choose None")
	}
	q := *w.p
	q.Healthcheck = config.Healthcheck{Command: args}
	return fieldErr(q.Validate(), "healthcheck")
}

// setHealth stores a healthcheck answer, keeping the timing fields.
func (w *wizard) setHealth(kind, path, command string) {
	h := &w.p.Healthcheck
	timing := config.Healthcheck{Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
	bin := cmpOr(h.Binary, w.o.Hints.HealthBinary)
	*h = timing
	switch kind {
	case "binary":
		h.Binary = bin
	case "grpc":
		h.GRPC = true
	case "http":
		h.HTTPPath = path
	case "command":
		h.Command, _ = ParseCommand(command)
	}
}

func (w *wizard) askHealthcheck() error {
	kind := w.healthKind()
	if err := w.selectOne(KeyHealthcheck, "Healthcheck", descHealthcheck, w.healthOptions(), &kind); err != nil {
		return err
	}
	path, command := w.defaultHealthPath(), w.defaultHealthCommand()
	var err error
	switch kind {
	case "http":
		err = w.field("healthcheck.http_path", "Healthcheck path", descHealthPath, func(title string) huh.Field {
			return huh.NewInput().Title(title).Value(&path).Validate(w.validator(path, w.checkHealthPath))
		}, path)
	case "command":
		err = w.field("healthcheck.command", "Healthcheck command", descHealthCommand, func(title string) huh.Field {
			return huh.NewInput().Title(title).Value(&command).Validate(w.validator(command, w.checkHealthCommand))
		}, command)
	}
	if err != nil {
		return err
	}
	w.setHealth(kind, strings.TrimSpace(path), command)
	return nil
}

// secretQuestion is the first "add a build secret?" question, naming the
// secrets declared already.
func (w *wizard) secretQuestion() (title, desc string) {
	if len(w.p.Secrets) == 0 {
		return "Add a build secret?", "A credential the build needs (a registry token, a netrc): mounted with RUN --mount=type=secret, never baked into a layer or a build arg."
	}
	var ids []string
	for _, s := range w.p.Secrets {
		ids = append(ids, s.ID)
	}
	return "Add another build secret?", "Declared already: " + strings.Join(ids, ", ") + "."
}

// askSecrets asks for build secrets until the user says no. first, when
// not nil, is the answer to the first question, put already (by the one
// form).
func (w *wizard) askSecrets(first *bool) error {
	p := w.p
	title, desc := w.secretQuestion()
	for {
		more := false
		if first != nil {
			more, first = *first, nil
		} else if err := w.confirm(KeySecret, title, desc, &more); err != nil {
			return err
		}
		if !more {
			return nil
		}
		var s config.Secret
		idx := len(p.Secrets)
		key := fmt.Sprintf("secret[%d]", idx)
		err := w.field(key+".id", "Secret id", "The id you pass at build time (slipway build --secret id=...), e.g. npm_token.", func(title string) huh.Field {
			return huh.NewInput().Title(title).Value(&s.ID).Validate(w.validator("", func(v string) error {
				q := *p
				q.Secrets = append(slices.Clone(p.Secrets), config.Secret{ID: v})
				return fieldErr(q.Validate(), key+".id")
			}))
		}, "")
		if err != nil {
			return err
		}
		kind := "env"
		opts := []huh.Option[string]{
			huh.NewOption("As an environment variable of the build step", "env"),
			huh.NewOption("As a file at a path (e.g. /root/.npmrc)", "file"),
		}
		if err := w.selectOne(key+".kind", "How does the build read it?", "", opts, &kind); err != nil {
			return err
		}
		if kind == "env" {
			s.Env = strings.ToUpper(reNonEnv.Replace(s.ID))
			err = w.field(key+".env", "Environment variable", "The variable the build steps read it from.", func(title string) huh.Field {
				return huh.NewInput().Title(title).Value(&s.Env).Validate(w.validator(s.Env, func(v string) error {
					q := *p
					q.Secrets = append(slices.Clone(p.Secrets), config.Secret{ID: s.ID, Env: v})
					return fieldErr(q.Validate(), key+".env")
				}))
			}, s.Env)
		} else {
			err = w.field(key+".target", "File path", "Where the build steps find the file (absolute path).", func(title string) huh.Field {
				return huh.NewInput().Title(title).Value(&s.Target).Validate(w.validator("", func(v string) error {
					if v == "" {
						return errors.New("enter an absolute path, e.g. /root/.npmrc")
					}
					q := *p
					q.Secrets = append(slices.Clone(p.Secrets), config.Secret{ID: s.ID, Target: v})
					return fieldErr(q.Validate(), key+".target")
				}))
			}, "")
		}
		if err != nil {
			return err
		}
		p.Secrets = append(p.Secrets, s)
		title = "Add another build secret?"
		desc = ""
	}
}

var reNonEnv = strings.NewReplacer("-", "_", ".", "_")

// preview renders the Dockerfile and asks whether to write. It returns
// false (and no error) when the user wants to change the answers.
func (w *wizard) preview() (bool, error) {
	df, err := w.o.Render(w.p)
	if err != nil {
		fmt.Fprintf(w.o.Out, "\nThese answers do not render:\n%s\n\n", indent(err.Error()))
		again := true
		if err := w.confirm("retry", "Change the answers?", "No stops here; nothing is written.", &again); err != nil {
			return false, err
		}
		if !again {
			return false, fmt.Errorf("the answers do not render: %w", err)
		}
		return false, nil
	}
	fmt.Fprintf(w.o.Out, "\n---- Dockerfile (preview) ----\n%s---- end of preview ----\n\n", df)
	write := true
	if err := w.confirm("write", "Write slipway.toml, Dockerfile and .dockerignore?", "No stops here; nothing is written.", &write); err != nil {
		return false, err
	}
	if !write {
		return false, ErrDeclined
	}
	return true, nil
}

// field runs one question in its own form. def is shown in accessible mode,
// where an empty line keeps it. There a select prints its title, then its
// description, then its numbered options (huh prints the title first);
// an input prints its description on the line above its prompt.
func (w *wizard) field(key, title, desc string, mk func(title string) huh.Field, def string) error {
	if w.o.Accessible {
		if def != "" {
			title = fmt.Sprintf("%s [%s]:", title, def)
		} else {
			title += ":"
		}
	}
	f := mk(title)
	if w.o.Accessible && desc != "" {
		if x, ok := f.(*huh.Select[string]); ok {
			x.Title(title + "\n" + desc)
		} else {
			fmt.Fprintln(w.o.Out, desc)
		}
	}
	if !w.o.Accessible {
		switch x := f.(type) {
		case *huh.Input:
			x.Description(desc)
		case *huh.Select[string]:
			x.Description(desc)
		case *huh.Confirm:
			x.Description(desc)
		}
	}
	w.asked++
	return w.run(key, huh.NewForm(huh.NewGroup(f)).
		WithAccessible(w.o.Accessible).
		WithInput(w.o.In).
		WithOutput(w.o.Out).
		WithShowHelp(true))
}

// run runs a form, translating an abort and a cancelled context.
func (w *wizard) run(key string, form *huh.Form) error {
	err := form.RunWithContext(w.ctx)
	switch {
	case errors.Is(err, huh.ErrUserAborted):
		return ErrAborted
	case err != nil:
		return fmt.Errorf("asking %s: %w", key, err)
	}
	return w.ctx.Err()
}

func (w *wizard) input(key, title, desc string, v *string, optional bool) error {
	def := *v
	return w.field(key, title, desc, func(t string) huh.Field {
		return huh.NewInput().Title(t).Value(v).Validate(w.validator(def, func(s string) error {
			if s == "" {
				if optional {
					return nil
				}
				return errors.New("required")
			}
			q := *w.p
			setString(&q, key, s)
			return fieldErr(q.Validate(), key)
		}))
	}, def)
}

func (w *wizard) selectOne(key, title, desc string, opts []huh.Option[string], v *string) error {
	def := ""
	for i, o := range opts {
		if o.Value == *v {
			def = strconv.Itoa(i + 1)
		}
	}
	return w.field(key, title, desc, func(t string) huh.Field {
		return huh.NewSelect[string]().Title(t).Options(opts...).Value(v)
	}, def)
}

func (w *wizard) confirm(key, title, desc string, v *bool) error {
	return w.field(key, title, desc, func(t string) huh.Field {
		return huh.NewConfirm().Title(strings.TrimSuffix(t, ":")).Value(v)
	}, "")
}

// validator adapts a check to huh: trims, and in accessible mode treats an
// empty line as the default (which is what huh stores then).
func (w *wizard) validator(def string, check func(string) error) func(string) error {
	return func(s string) error {
		s = strings.TrimSpace(s)
		if w.o.Accessible && s == "" {
			s = def
		}
		return check(s)
	}
}

func setString(p *config.Project, key, v string) {
	switch key {
	case KeyName:
		p.Name = v
	case KeyMain:
		p.Main = v
	}
}

// fieldErr keeps the validation problems of one key (or below it) and
// returns them as one error of plain messages, or nil.
func fieldErr(err error, key string) error {
	if err == nil {
		return nil
	}
	var fes []*config.FieldError
	var ie *config.InvalidError
	if errors.As(err, &ie) {
		for _, e := range ie.Errs {
			var fe *config.FieldError
			if errors.As(e, &fe) {
				fes = append(fes, fe)
			}
		}
	}
	var msgs []string
	for _, fe := range fes {
		if fe.Key == key || strings.HasPrefix(fe.Key, key+".") || strings.HasPrefix(fe.Key, key+"[") {
			msgs = append(msgs, fe.Msg)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}

func parsePort(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number: enter a port 1-65535, or 0 for the default", s)
	}
	return n, nil
}

// ParseCommand reads an exec-form command (initflow.ParseCommand).
func ParseCommand(s string) ([]string, error) { return initflow.ParseCommand(s) }

func formatCommand(args []string) string { return initflow.FormatCommand(args) }

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// lineReader returns at most one line per Read.
type lineReader struct {
	r       *bufio.Reader
	pending []byte
}

func (l *lineReader) Read(p []byte) (int, error) {
	if len(l.pending) == 0 {
		line, err := l.r.ReadSlice('\n')
		if len(line) == 0 {
			if err == bufio.ErrBufferFull {
				err = nil
			}
			return 0, err
		}
		l.pending = append(l.pending[:0], line...)
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}
