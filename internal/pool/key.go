package pool

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Key is what places a build: the same service of the same repository,
// built for the same target and platform, gets the same daemon from every
// checkout, on every machine.
type Key struct {
	// Repo is the repository's identity: its origin remote URL without
	// scheme, credentials or ".git" (github.com/acme/shop), else its root
	// commit (commit:SHA), else the folder's own name (dir:NAME) outside
	// git. Never an absolute path.
	Repo string `json:"repo"`
	// Path is the service's folder relative to the repository root,
	// slash-separated ("." for the root).
	Path string `json:"path"`
	// Target is the build stage ("" for the last).
	Target string `json:"target,omitempty"`
	// Platform is the target platform(s), normalised and comma-joined
	// ("" for the daemon's own).
	Platform string `json:"platform,omitempty"`
}

// String is the key as hashed: its parts joined by NUL, which none of
// them holds.
func (k Key) String() string {
	return strings.Join([]string{k.Repo, k.Path, k.Target, k.Platform}, "\x00")
}

// Label is the key for people: repo//path[:target][@platform].
func (k Key) Label() string {
	s := k.Repo + "//" + k.Path
	if k.Target != "" {
		s += ":" + k.Target
	}
	if k.Platform != "" {
		s += "@" + k.Platform
	}
	return s
}

// ServiceKey is the key of the service in dir: the identity of the git
// repository holding it and dir's path from that repository's root.
func ServiceKey(dir, target string, platforms []string) (Key, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Key{}, err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	k := Key{Target: target, Platform: PlatformKey(platforms)}
	top, err := git(abs, "rev-parse", "--show-toplevel")
	if err != nil {
		// Outside git there is no identity that two checkouts share but
		// the folder's name; still never its absolute path.
		k.Repo, k.Path = "dir:"+filepath.Base(abs), "."
		return k, nil
	}
	if r, err := filepath.EvalSymlinks(top); err == nil {
		top = r
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return Key{}, fmt.Errorf("%s is not inside its repository %s", dir, top)
	}
	k.Path = filepath.ToSlash(rel)
	k.Repo, err = RepoIdentity(top)
	return k, err
}

// RepoIdentity names the git repository at dir the same way in every
// clone: its origin remote (else its first remote, sorted) normalised by
// NormalizeRemote, else its root commit, else (no commit yet) its folder's
// name.
func RepoIdentity(dir string) (string, error) {
	remotes, _ := git(dir, "remote")
	names := strings.Fields(remotes)
	sort.Strings(names)
	for i, n := range names {
		if n == "origin" {
			names[0], names[i] = names[i], names[0]
		}
	}
	for _, n := range names {
		if u, err := git(dir, "remote", "get-url", n); err == nil && u != "" {
			if id := NormalizeRemote(u); id != "" {
				return id, nil
			}
		}
	}
	roots, err := git(dir, "rev-list", "--max-parents=0", "HEAD")
	if err != nil || roots == "" {
		// A repository with no commit yet and no remote: only its
		// folder's name is shared between checkouts.
		return "dir:" + filepath.Base(dir), nil
	}
	f := strings.Fields(roots)
	sort.Strings(f)
	return "commit:" + f[0], nil
}

// NormalizeRemote turns the spellings of one remote into one identity:
// https://user:tok@GitHub.com/acme/shop.git, git@github.com:acme/shop and
// ssh://git@github.com/acme/shop/ all give github.com/acme/shop. A local
// path (file://, /srv/git/shop) gives "", since paths differ between
// machines.
func NormalizeRemote(remote string) string {
	s := strings.TrimSpace(remote)
	var host, path string
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "file" || u.Host == "" {
			return ""
		}
		host, path = u.Hostname(), u.Path
		if p := u.Port(); p != "" && p != "22" && p != "443" && p != "80" {
			host += ":" + p
		}
	} else if at, rest, ok := strings.Cut(s, ":"); ok && !strings.ContainsAny(at, "/\\") && at != "" {
		// scp-like: [user@]host:path
		if i := strings.LastIndex(at, "@"); i >= 0 {
			at = at[i+1:]
		}
		host, path = at, rest
	} else {
		return "" // a local path
	}
	host = strings.ToLower(host)
	path = strings.Trim(path, "/")
	path = strings.TrimSuffix(path, ".git")
	if host == "" || path == "" {
		return ""
	}
	return host + "/" + path
}

// PlatformKey is platforms sorted and comma-joined, so --platform a,b and
// b,a place alike.
func PlatformKey(platforms []string) string {
	p := append([]string(nil), platforms...)
	for i := range p {
		p[i] = strings.TrimSpace(p[i])
	}
	sort.Strings(p)
	return strings.Join(p, ",")
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
