package build

import (
	"fmt"
	"net/url"
	"strconv"
)

// addrHelp is what every refused daemon address is told.
const addrHelp = "want a URL such as unix:///run/buildkit/buildkitd.sock, tcp://host:1234 or docker-container://NAME"

// ParseAddr checks a daemon address before anything dials it: a known
// scheme (unix, tcp, or one of BuildKit's connection helpers such as
// docker-container://, kube-pod://, ssh://), a socket path for unix, a
// host and a port (1-65535) for tcp, a name for a helper. A malformed one
// ($BUILDKIT_HOST=tcp://, unix://, docker-container://) is an
// *InvalidError, which commands report as bad usage (exit 2), not as a
// daemon that does not answer.
func ParseAddr(addr string) (*url.URL, error) {
	bad := func(why string) error {
		return &InvalidError{Err: fmt.Errorf("buildkit address %q: %s; %s", addr, why, addrHelp)}
	}
	u, err := url.Parse(addr)
	if err != nil {
		return nil, bad("not a URL")
	}
	if !knownScheme(u.Scheme) {
		if u.Scheme == "" {
			return nil, bad("no scheme")
		}
		return nil, bad("unknown scheme " + strconv.Quote(u.Scheme))
	}
	switch u.Scheme {
	case "unix":
		if u.Path == "" && u.Host == "" {
			return nil, bad("no socket path")
		}
	case "tcp":
		if u.Hostname() == "" {
			return nil, bad("no host")
		}
		if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
			return nil, bad("no port (1-65535)")
		}
	default:
		if u.Host == "" && u.Opaque == "" {
			return nil, bad("no " + u.Scheme + " name")
		}
	}
	return u, nil
}
