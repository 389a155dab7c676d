package generate

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/templates"
)

// Options drive one `slipway generate` run over a service directory.
type Options struct {
	Dir      string // the service root
	Config   string // slipway.toml path; default Dir/slipway.toml
	Team     string // team file; default: found by walking up from Dir
	Force    bool   // replace files edited by hand
	Check    bool   // write nothing; report drift
	Diff     bool   // print a unified diff of every change
	Stdout   bool   // print the rendered files instead of writing
	Out      io.Writer
	Warnings io.Writer
}

// Result says what a run found and did.
type Result struct {
	Changes []Change
	// Drift is true when a file on disk differs from what the config renders.
	Drift bool
}

// Run loads the service's slipway.toml and the team file, renders, and
// writes, diffs or checks the Dockerfile and .dockerignore as asked.
func Run(set *templates.Set, o Options) (*Result, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Warnings == nil {
		o.Warnings = io.Discard
	}
	cfgPath := o.Config
	if cfgPath == "" {
		cfgPath = filepath.Join(o.Dir, config.FileName)
	}
	p, err := config.Load(cfgPath)
	if err != nil {
		if os.IsNotExist(unwrapPath(err)) {
			return nil, &config.InvalidError{Errs: []error{fmt.Errorf("%s not found: run `slipway init` in %s first", cfgPath, o.Dir)}}
		}
		return nil, err
	}
	team, _, err := config.FindTeam(o.Dir, o.Team)
	if err != nil {
		return nil, err
	}
	for _, w := range team.Warnings {
		fmt.Fprintf(o.Warnings, "warning: %s\n", w)
	}
	src, _ := os.ReadFile(cfgPath)
	out, err := RenderIn(set, p, team, o.Dir)
	if err != nil {
		return nil, config.Locate(err, cfgPath, src)
	}
	for _, w := range out.Warnings {
		fmt.Fprintf(o.Warnings, "warning: %s\n", w)
	}
	if o.Stdout {
		fmt.Fprintf(o.Out, "%s", out.Dockerfile)
		fmt.Fprintf(o.Out, "\n# ---- %s ----\n%s", out.DockerignoreName, out.Dockerignore)
		return &Result{}, nil
	}
	res := &Result{}
	for _, f := range []struct {
		name string
		data []byte
	}{{"Dockerfile", out.Dockerfile}, {out.DockerignoreName, out.Dockerignore}} {
		c, err := Plan(filepath.Join(o.Dir, f.name), f.data, true)
		if err != nil {
			return nil, err
		}
		res.Changes = append(res.Changes, c)
		if c.State != Same {
			res.Drift = true
		}
	}
	if o.Diff {
		for _, c := range res.Changes {
			fmt.Fprint(o.Out, c.Diff())
		}
	}
	if o.Check || o.Diff {
		return res, nil
	}
	if err := Apply(res.Changes, o.Force); err != nil {
		return res, err
	}
	return res, nil
}

func unwrapPath(err error) error {
	for e := err; e != nil; {
		if pe, ok := e.(*os.PathError); ok {
			return pe
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		e = u.Unwrap()
	}
	return err
}
