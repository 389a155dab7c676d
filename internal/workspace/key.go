package workspace

import (
	"context"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/slipway/slipway/internal/pool"
)

// KeyOf is the stable key of service s of w, built for target and
// platforms: pool.ServiceKey of the service's folder, the key a single
// `slipway build` of it places by, so a service goes back to the daemon
// that holds its cache whether it is built alone or with --all. A
// repository the workspace file declares names the repository instead of
// its git identity.
func (w *Workspace) KeyOf(s Service, target string, platforms []string) pool.Key {
	k, err := pool.ServiceKey(filepath.Join(w.Root, filepath.FromSlash(s.Path)), target, platforms)
	if err != nil {
		// The service is not inside its repository's work tree (a
		// symlink out of it): the folder names are all two checkouts share.
		k = pool.Key{Repo: "dir:" + filepath.Base(w.Root), Path: path.Clean(filepath.ToSlash(s.Path)), Target: target, Platform: pool.PlatformKey(platforms)}
	}
	if w.File.Repository != "" {
		k.Repo = w.File.Repository
	}
	return k
}

// git runs git in dir and returns its trimmed stdout.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", &gitError{args: args, msg: msg, err: err}
		}
		return "", &gitError{args: args, err: err}
	}
	return strings.TrimSpace(string(out)), nil
}

type gitError struct {
	args []string
	msg  string
	err  error
}

func (e *gitError) Error() string {
	s := "git " + strings.Join(e.args, " ") + ": "
	if e.msg != "" {
		return s + firstLine(e.msg)
	}
	return s + e.err.Error()
}
func (e *gitError) Unwrap() error { return e.err }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
