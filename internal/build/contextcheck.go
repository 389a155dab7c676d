package build

// The context check: before a build sends its context, slipway walks what
// the context mount will serve (the directory with its .dockerignore
// applied by fsutil's filter, which uses moby/patternmatcher as BuildKit's
// frontend does) and names every file that looks like a credential
// (secrets.File), so that a hand-written .dockerignore is held to what the
// generated one keeps out. It warns and does not refuse: the file may be a
// test fixture that no COPY takes.

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/tonistiigi/fsutil"

	"github.com/slipway/slipway/internal/secrets"
)

// maxContextFiles bounds how many credential-looking files a warning
// names; the others are counted.
const maxContextFiles = 10

// ContextFile is a file the build would send that looks like a credential.
type ContextFile struct {
	Path string // slash-separated, relative to the context
	What string // what it looks like: "AWS credentials"
}

// ContextCredentials walks the build context of o as it will be sent (its
// .dockerignore applied) and returns the credential-looking files in it, at
// most max (all when max <= 0), and how many there are in all.
func ContextCredentials(ctx context.Context, o Options, max int) ([]ContextFile, int, error) {
	p, err := prepare(o)
	if err != nil {
		return nil, 0, &InvalidError{Err: err}
	}
	cfs, err := contextFS(p.contextDir, p.dockerfileDir, p.dockerfileName)
	if err != nil {
		return nil, 0, err
	}
	return contextCredentials(ctx, cfs, max)
}

func contextCredentials(ctx context.Context, cfs fsutil.FS, max int) ([]ContextFile, int, error) {
	var out []ContextFile
	n := 0
	err := cfs.Walk(ctx, "", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if what := secrets.File(p); what != "" {
			if path.Base(p) == ".npmrc" && npmrcNamesOnly(cfs, p) {
				// npm's config with its credentials named as ${VAR}
				// (npmrc = true sends it; the values come as secrets).
				return nil
			}
			n++
			if max <= 0 || len(out) < max {
				out = append(out, ContextFile{Path: p, What: what})
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("checking the build context: %w", err)
	}
	return out, n, nil
}

// warnContext writes the context check's warning to w, when there is one.
func warnContext(w io.Writer, dir string, files []ContextFile, n int) {
	if n == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "warning: the build context %s holds %d credential-looking %s that .dockerignore lets through; BuildKit receives %s, and a COPY of the context puts %s in the image:\n",
		printable(dir), n, plural(n, "file", "files"), plural(n, "it", "them"), plural(n, "it", "them"))
	for _, f := range files {
		fmt.Fprintf(&b, "  %s (%s)\n", printable(f.Path), f.What)
	}
	if n > len(files) {
		fmt.Fprintf(&b, "  and %d more\n", n-len(files))
	}
	b.WriteString("  Keep them out with .dockerignore (`slipway generate` writes one that does) and give the build what it needs with --secret.\n")
	io.WriteString(w, b.String())
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// printable escapes a file name for a terminal: Go quoting when it holds
// anything that is not printable (escape sequences, newlines).
func printable(s string) string {
	if strconv.CanBackquote(s) {
		return s
	}
	return strconv.Quote(s)
}

// npmrcNamesOnly reports whether the .npmrc at p holds no credential value
// of its own: every auth setting (_authToken, _auth, _password, username,
// email, certfile/keyfile) is a whole ${VAR} reference, which npm reads from
// the environment, and there is at least one. A file that cannot be read,
// or is over 64 KiB, is judged a credential.
func npmrcNamesOnly(cfs fsutil.FS, p string) bool {
	rc, err := cfs.Open(p)
	if err != nil {
		return false
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 64<<10+1))
	if err != nil || len(b) > 64<<10 {
		return false
	}
	refs := 0
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if i := strings.LastIndex(k, ":"); i >= 0 {
			k = k[i+1:]
		}
		switch k {
		case "_authtoken", "_auth", "_password", "password", "username", "email", "certfile", "keyfile", "cert", "key":
			v = strings.TrimSpace(v)
			if !(strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") && !strings.Contains(v[2:len(v)-1], "}")) {
				return false
			}
			refs++
		}
	}
	return refs > 0
}
