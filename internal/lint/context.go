package lint

import (
	"bytes"
	"path"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// sensitivePaths are context paths that must never reach an image; each is
// checked against the .dockerignore the way BuildKit's context transfer
// evaluates it. The first is what the finding names.
var sensitivePaths = []struct {
	show  string
	paths []string
}{
	{".git", []string{".git/HEAD", ".git/config"}},
	{".env", []string{".env"}},
	{".env.*", []string{".env.production", ".env.local"}},
	{"**/.env", []string{"config/.env", "services/api/.env"}},
	// Keys at the top of the context; nested *.pem files are often public
	// CA certificates a build embeds, so only private-key names are
	// required to be excluded everywhere.
	{"*.pem", []string{"server.pem"}},
	{"*.key", []string{"server.key"}},
	{"id_rsa / id_ed25519", []string{"id_rsa", ".ssh/id_rsa", "deploy/id_ed25519"}},
	{".npmrc", []string{".npmrc"}},
	{".pypirc", []string{".pypirc"}},
	{".netrc", []string{".netrc"}},
	{".aws", []string{".aws/credentials"}},
	{".docker", []string{".docker/config.json"}},
}

// wholeContext reports whether a COPY/ADD source is the whole context.
func wholeContext(src string) bool {
	s := strings.ReplaceAll(src, `\`, "/")
	c := path.Clean(s)
	return c == "." || c == "/" || c == "*" || c == "./*"
}

func (c *checker) checkContextCopy(in *instr, srcs []string, from string, excludes []string) {
	if from != "" {
		return
	}
	whole := false
	for _, s := range srcs {
		if wholeContext(s) {
			whole = true
		}
	}
	if !whole {
		return
	}
	if c.doc.ignore == nil {
		c.add("SW122", in.line, "COPY of the whole context and no .dockerignore: .git, .env files and keys go into the image")
		return
	}
	leaks, err := ignoreLeaks(c.doc.ignore.Data)
	if err != nil {
		c.add("SW123", in.line, "%s cannot be read: %v", c.doc.ignore.Path, err)
		return
	}
	if len(excludes) > 0 && len(leaks) > 0 {
		// COPY --exclude keeps these paths out of this copy, as the
		// .dockerignore would (the context still has them, for mounts).
		if leaks, err = notExcluded(leaks, excludes); err != nil {
			c.add("SW123", in.line, "the --exclude patterns cannot be read: %v", err)
			return
		}
	}
	if len(leaks) > 0 {
		c.add("SW123", in.line, "COPY of the whole context, and %s does not exclude %s", path.Base(c.doc.ignore.Path), strings.Join(leaks, ", "))
	}
}

// notExcluded drops the sensitive paths (as ignoreLeaks shows them) that a
// COPY's --exclude patterns match.
func notExcluded(leaks, excludes []string) ([]string, error) {
	pm, err := patternmatcher.New(excludes)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range leaks {
		keep := true
		for _, s := range sensitivePaths {
			if s.show != l {
				continue
			}
			keep = false
			for _, p := range s.paths {
				ex, err := excluded(pm, p)
				if err != nil {
					return nil, err
				}
				keep = keep || !ex
			}
		}
		if keep {
			out = append(out, l)
		}
	}
	return out, nil
}

// ignoreLeaks evaluates a .dockerignore with BuildKit's pattern matcher and
// returns the sensitive paths it lets through.
func ignoreLeaks(data []byte) ([]string, error) {
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range sensitivePaths {
		for _, p := range s.paths {
			ex, err := excluded(pm, p)
			if err != nil {
				return nil, err
			}
			if !ex {
				out = append(out, s.show)
				break
			}
		}
	}
	return out, nil
}

// excluded walks p's components as BuildKit's context transfer does,
// carrying each parent's match result down.
func excluded(pm *patternmatcher.PatternMatcher, p string) (bool, error) {
	parts := strings.Split(p, "/")
	var info patternmatcher.MatchInfo
	matched := false
	for i := range parts {
		var err error
		matched, info, err = pm.MatchesUsingParentResults(strings.Join(parts[:i+1], "/"), info)
		if err != nil {
			return false, err
		}
		// A directory excluded with no exception pattern is not walked.
		if matched && !pm.Exclusions() {
			return true, nil
		}
	}
	return matched, nil
}
