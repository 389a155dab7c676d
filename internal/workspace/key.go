package workspace

import (
	"context"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
)

// Key is the stable identity of one service's build: the same in every
// checkout of the repository, wherever it is on disk and on whichever
// machine. A builder pool hashes it to pick a daemon, so a service goes
// back to the daemon that holds its cache.
type Key struct {
	Repo     string // the repository (RepoIdentity)
	Path     string // the service's folder relative to the workspace root, forward slashes
	Target   string // the build stage, "" for the last
	Platform string // the platforms, sorted and joined by ",", "" for the daemon's
}

// String is the key as a pool hashes it and as the summary reports it:
// repo//path[#target][@platforms].
func (k Key) String() string {
	s := k.Repo + "//" + k.Path
	if k.Target != "" {
		s += "#" + k.Target
	}
	if k.Platform != "" {
		s += "@" + k.Platform
	}
	return s
}

// KeyOf is the key of service s of w, built for target and platforms.
func (w *Workspace) KeyOf(ctx context.Context, s Service, target string, platforms []string) Key {
	return Key{Repo: w.Repo(ctx), Path: cleanSlash(s.Path), Target: target, Platform: joinPlatforms(platforms)}
}

func joinPlatforms(ps []string) string {
	var out []string
	for _, p := range ps {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	// Sorted: --platform a,b and --platform b,a are one build.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return strings.Join(out, ",")
}

func cleanSlash(p string) string {
	p = filepath.ToSlash(filepath.Clean(filepath.FromSlash(p)))
	if p == "" {
		return "."
	}
	return p
}

// Repo is the repository's identity, in this order: the workspace file's
// repository key; the git remote "origin" with its scheme, user and .git
// suffix dropped (git@github.com:acme/shop.git and
// https://github.com/acme/shop are both github.com/acme/shop); the first
// commit of the repository ("git:" and its hash, the same in every clone);
// the root folder's name. It is never an absolute path.
func (w *Workspace) Repo(ctx context.Context) string {
	if w.repo != "" {
		return w.repo
	}
	w.repo = repoIdentity(ctx, w.Root, w.File.Repository)
	return w.repo
}

func repoIdentity(ctx context.Context, root, declared string) string {
	if declared != "" {
		return declared
	}
	if out, err := git(ctx, root, "remote", "get-url", "origin"); err == nil {
		if id := NormalizeRemote(out); id != "" {
			return id
		}
	}
	if out, err := git(ctx, root, "rev-list", "--max-parents=0", "HEAD"); err == nil {
		if first := strings.Fields(out); len(first) > 0 {
			// Several roots (merged histories): the smallest is stable.
			min := first[0]
			for _, f := range first[1:] {
				if f < min {
					min = f
				}
			}
			return "git:" + min
		}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "dir:" + filepath.Base(root)
	}
	return "dir:" + filepath.Base(abs)
}

// NormalizeRemote turns a git remote URL into host/path: no scheme, no
// user or password, no port, no trailing .git or slash, lower-case host.
func NormalizeRemote(remote string) string {
	r := strings.TrimSpace(remote)
	if r == "" {
		return ""
	}
	var host, p string
	if u, err := url.Parse(r); err == nil && u.Scheme != "" && u.Host != "" {
		host, p = u.Hostname(), u.Path
	} else if at := strings.Index(r, ":"); at > 0 && !strings.Contains(r[:at], "/") {
		// scp-like: [user@]host:path
		host, p = r[:at], r[at+1:]
		if i := strings.LastIndex(host, "@"); i >= 0 {
			host = host[i+1:]
		}
	} else {
		// A local path as remote: only its last element says anything.
		p = filepath.Base(strings.TrimSuffix(r, "/"))
	}
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".git")
	if host == "" {
		return p
	}
	return strings.ToLower(host) + "/" + p
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
