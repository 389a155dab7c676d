package workspace

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/goldenlock"
)

// InputError is --changed-since given something git cannot answer: not a
// git work tree, an unknown revision. It is bad input (exit 2).
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Changes are the files that differ from a git revision: committed since,
// staged, unstaged, and new files git does not ignore. Paths are absolute
// (symbolic links resolved) so they compare with any folder's.
type Changes struct {
	Rev   string
	Files []string
}

// ChangedSince asks git which files under root's repository differ from rev
// (`git diff --name-only REV` and `git ls-files --others --exclude-standard`).
func ChangedSince(ctx context.Context, root, rev string) (*Changes, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, &InputError{Err: fmt.Errorf("--changed-since needs git: %w", err)}
	}
	top, err := git(ctx, root, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("--changed-since %s: %s is not in a git work tree (%v)", rev, root, err)}
	}
	if strings.HasPrefix(rev, "-") {
		return nil, &InputError{Err: fmt.Errorf("--changed-since %q: a revision does not start with '-'", rev)}
	}
	if _, err := git(ctx, top, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}"); err != nil {
		return nil, &InputError{Err: fmt.Errorf("--changed-since %q: not a commit of the repository at %s", rev, top)}
	}
	c := &Changes{Rev: rev}
	for _, args := range [][]string{
		{"diff", "--name-only", "-z", "--no-renames", rev, "--"},
		{"ls-files", "--others", "--exclude-standard", "-z"},
	} {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", top, "-c", "core.quotepath=off"}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("git %s: %v %s", strings.Join(args, " "), err, firstLine(stderr.String()))
		}
		for _, f := range bytes.Split(out, []byte{0}) {
			if len(f) > 0 {
				c.Files = append(c.Files, filepath.Join(top, filepath.FromSlash(string(f))))
			}
		}
	}
	return c, nil
}

// Touches reports whether any changed file is one of inputs or below one.
func (c *Changes) Touches(inputs []string) (string, bool) {
	for _, in := range inputs {
		for _, f := range c.Files {
			if f == in || strings.HasPrefix(f, in+string(filepath.Separator)) {
				return f, true
			}
		}
	}
	return "", false
}

// Inputs are the files and folders a service's image is made from,
// absolute with symbolic links resolved: its folder; with service_dir, the
// shared paths of its context (or the whole context when it names none);
// the golden spec of a golden:<name> base and the golden.lock that pins it;
// and every slipway-team.toml from its folder up (their floors decide its
// Dockerfile).
func (w *Workspace) Inputs(s Service) ([]string, error) {
	dir := w.Dir(s)
	var in []string
	add := func(p string) {
		abs, err := filepath.Abs(p)
		if err != nil {
			return
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			abs = r
		} else if r, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
			abs = filepath.Join(r, filepath.Base(abs)) // a file that is gone still counts
		}
		in = append(in, abs)
	}
	add(dir)
	var p *config.Project
	if cfg := filepath.Join(dir, config.FileName); fileExists(cfg) {
		var err error
		if p, err = config.Load(cfg); err != nil {
			return nil, err
		}
	}
	if p != nil {
		if p.ServiceDir != "" {
			ctxDir := generate.ContextDir(dir, p)
			if len(p.SharedPaths) == 0 {
				add(ctxDir)
			}
			for _, sp := range p.SharedPaths {
				add(filepath.Join(ctxDir, filepath.FromSlash(sp)))
			}
		}
		if strings.HasPrefix(p.Base, goldenlock.Prefix) {
			if lock, err := goldenlock.FindLock(dir); err == nil && lock != "" {
				add(lock)
				add(filepath.Join(filepath.Dir(lock), strings.TrimPrefix(p.Base, goldenlock.Prefix)+".toml"))
			}
		}
	}
	abs, err := filepath.Abs(dir)
	if err == nil {
		for d := abs; ; d = filepath.Dir(d) {
			if t := filepath.Join(d, config.TeamFileName); fileExists(t) {
				add(t)
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return in, nil
}

// Without drops the changes under dir (absolute, links resolved): the
// workspace's own image folder, which every build writes.
func (c *Changes) Without(dir string) {
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		dir = r
	}
	keep := c.Files[:0]
	for _, f := range c.Files {
		if f != dir && !strings.HasPrefix(f, dir+string(filepath.Separator)) {
			keep = append(keep, f)
		}
	}
	c.Files = keep
}
