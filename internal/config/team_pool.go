package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// validatePool checks builders and cache_registry. An address is checked
// for its shape here (a scheme, a host or a path, no spaces); the build
// command checks the scheme against BuildKit's connection helpers.
func (t *Team) validatePool(pr *problems) {
	seen := map[string]bool{}
	for i, b := range t.Builders {
		key := fmt.Sprintf("builders[%d]", i)
		u, err := url.Parse(b)
		switch {
		case b == "" || BadChar(b) != "" || strings.ContainsAny(b, " \t"):
			pr.add(key, "%q is not a daemon address (e.g. tcp://buildkit-0.ci:1234, kube-pod://buildkit-0, unix:///run/buildkit/buildkitd.sock)", b)
		case err != nil || u.Scheme == "" || !strings.Contains(b, "://") || (u.Host == "" && u.Path == ""):
			pr.add(key, "%q is not a daemon address: want SCHEME://ADDRESS (tcp://, unix://, docker-container://, kube-pod://)", b)
		case seen[b]:
			pr.add(key, "%q is listed twice", b)
		}
		seen[b] = true
	}
	if c := t.CacheRegistry; c != "" {
		host, rest, _ := strings.Cut(c, "/")
		if BadChar(c) != "" || strings.ContainsAny(c, " \t@") || strings.HasSuffix(c, "/") ||
			strings.Contains(rest, ":") || (strings.Contains(host, ":") && !reHostPort.MatchString(host)) {
			pr.add("cache_registry", "%q is not a registry repository prefix (e.g. registry.example.com/cache)", c)
		} else if _, err := ParseRefPattern(c); err != nil {
			pr.add("cache_registry", "%v (e.g. registry.example.com/cache)", err)
		}
	}
}

var reHostPort = regexp.MustCompile(`^[A-Za-z0-9.-]+:[0-9]{1,5}$`)

// tightenPool merges builders and cache_registry of a nested file n into m
// (a copy of t): the outermost file that sets them wins, like
// registry_prefix, since a nested file could otherwise send the builds,
// and the secrets they mount, to a daemon of its choosing, or serve a
// poisoned cache. A different value is reported.
func (m *Team) tightenPool(t, n *Team, warn func(key, format string, args ...any), from func() string) {
	switch {
	case len(n.Builders) == 0 || slices.Equal(n.Builders, t.Builders):
	case len(t.Builders) == 0:
		m.Builders = slices.Clone(n.Builders)
	default:
		warn("builders", "%q differ from %q set by %s", n.Builders, t.Builders, from())
	}
	outermostWins(&m.CacheRegistry, t.CacheRegistry, n.CacheRegistry, "cache_registry", warn, from)
}

// outermostWins merges a string key of a nested file into *m: the value of
// an outer file stands, a nested file only fills a key no outer file set,
// and a different nested value is reported.
func outermostWins(m *string, outer, nested, key string, warn func(key, format string, args ...any), from func() string) {
	switch {
	case nested == "" || nested == outer:
	case outer == "":
		*m = nested
	default:
		warn(key, "%q differs from %q set by %s", nested, outer, from())
	}
}
