package templates

import (
	"fmt"
	"io/fs"
	"text/template"
)

// GoldenDockerfile is the template that renders a golden image spec.
const GoldenDockerfile = "_golden/Dockerfile.tmpl"

// Golden parses the golden-image Dockerfile template with funcs added
// (internal/golden supplies sprig's hermetic set and its escaping helpers).
// It is parsed with missingkey=error, like the language templates.
func Golden(funcs template.FuncMap) (*template.Template, error) {
	src, err := fs.ReadFile(files, GoldenDockerfile)
	if err != nil {
		return nil, fmt.Errorf("templates/%s: %w", GoldenDockerfile, err)
	}
	t, err := template.New("golden").Option("missingkey=error").Funcs(funcs).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("templates/%s: %w", GoldenDockerfile, err)
	}
	return t, nil
}
