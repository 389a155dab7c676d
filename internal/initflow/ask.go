package initflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/templates"
)

// Keys of the questions, as in slipway.toml; InitOptions.Given and
// Questions.Given use them.
const (
	KeyName           = "name"
	KeyLanguage       = "language"
	KeyVersion        = "version"
	KeyPackageManager = "package_manager"
	KeyBase           = "base"
	KeyMain           = "main"
	KeyPort           = "port"
	KeyHealthcheck    = "healthcheck"
	KeySecret         = "secret"
)

// ErrDeclined means the user answered "no" to writing the files.
var ErrDeclined = errors.New("nothing written: the preview was declined")

// ErrAborted means the user pressed Ctrl+C (or Esc) in a form.
var ErrAborted = errors.New("nothing written: aborted")

// Hints are what detection saw that is not a config field.
type Hints struct {
	HealthPath string // an HTTP health endpoint in the source ("/healthz")
	HealthFlag string // a self-probe flag the program accepts ("-healthcheck")
	// HealthGRPC: the source registers the gRPC health service.
	HealthGRPC bool
	// HealthBinary is a probe program of the project ("healthcheck").
	HealthBinary string
}

// Questions is what the flow hands an Asker: which keys are fixed, and
// the callbacks that let it offer fitting choices and preview the result
// without importing the renderer.
type Questions struct {
	// Given lists the keys fixed before asking (by flags); never asked.
	Given map[string]bool
	// Set is the template set: languages, versions, defaults and bases.
	Set *templates.Set
	// Bases lists the catalogue entries that fit a language
	// (generate.FittingBases).
	Bases func(language string) []templates.Base
	// Redetect re-reads the source tree as the given language, after the
	// user picked one detection did not; it returns the project fields and
	// hints found. May be nil.
	Redetect func(language string) (config.Project, Hints)
	// Entrypoint returns the exec-form entrypoint the image will have for
	// p, used to suggest an exec-form healthcheck. May be nil.
	Entrypoint func(p *config.Project) []string
	// Render renders the Dockerfile for the preview. An error is shown and
	// the user may change the answers. Required.
	Render func(p *config.Project) ([]byte, error)
	// Hints from detection.
	Hints Hints
}

// Asker asks the open questions of init and fills p, which holds the
// defaults on entry (detection, an existing slipway.toml, flags). On a nil
// return p holds answers that validate and render; ErrDeclined and
// ErrAborted say the user stopped. The wizard package implements it with
// huh; this package never imports a prompt library, so `init --yes` runs
// without one.
type Asker interface {
	Ask(ctx context.Context, p *config.Project, q Questions) error
}

// ParseCommand reads an exec-form command: a JSON array of strings, or
// words separated by spaces (no quoting: use JSON for arguments with spaces).
func ParseCommand(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var args []string
		if err := json.Unmarshal([]byte(s), &args); err != nil {
			return nil, fmt.Errorf("not a JSON array of strings: %v", err)
		}
		return args, nil
	}
	return strings.Fields(s), nil
}

// FormatCommand shows a command the way ParseCommand reads it back.
func FormatCommand(args []string) string {
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"[]") {
			b, _ := json.Marshal(args)
			return string(b)
		}
	}
	return strings.Join(args, " ")
}
