package detect

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

var (
	// A line that talks about a port: PORT, port(), server.port, SERVER_PORT.
	rePortWord = regexp.MustCompile(`(?i)(^|[^a-z])port([^a-z]|$)`)
	// A port-sized number.
	reNumber = regexp.MustCompile(`(^|[^0-9.])([0-9]{2,5})([^0-9.]|$)`)
	// A literal listen address: ":8080", "0.0.0.0:8080", "localhost:3000".
	reAddr = regexp.MustCompile(`(?:["'` + "`" + `]|0\.0\.0\.0|localhost|127\.0\.0\.1|\[::\]):([0-9]{2,5})\b`)
	// .listen(3000) in Node.
	reListen = regexp.MustCompile(`\.listen\(\s*([0-9]{2,5})\b`)
	// EXPOSE in an existing Dockerfile.
	reExpose = regexp.MustCompile(`(?im)^\s*EXPOSE\s+([0-9]{2,5})`)
	// A health endpoint in a string literal ("/healthz", "GET /health").
	reHealthPath = regexp.MustCompile(`["'` + "`" + `](?:(?:GET|HEAD)\s+)?(/(?:healthz|health|livez|readyz|_health|healthcheck|ping))["'` + "`" + `?]`)
	// A self-probe flag literal: "--healthcheck" (a provider may know its
	// language's own flag syntax: Detector.HealthFlag).
	reHealthFlag = regexp.MustCompile(`["'](--health-?check)["']`)
)

// plausiblePort accepts the ports services listen on: 80, 443 and the
// unprivileged range.
func plausiblePort(n int) bool { return n == 80 || n == 443 || (n >= 1024 && n <= 65535) }

// portWindow is how many lines after a line that mentions a port may hold
// its default value (a `port()` function returning "8080" a few lines on).
const portWindow = 6

// maxSource bounds how much of one source file is scanned.
const maxSource = 1 << 20

type portHit struct {
	port  int
	where string
}

// scanSources reads the entry sources for a port, a health endpoint and a
// self-probe flag.
func scanSources(d *provider.Detector) {
	hits := dockerfileHints(d)
	healthPaths := map[string]string{}
	for _, rel := range d.Sources {
		src, err := d.Read(rel)
		if err != nil || src == nil {
			continue
		}
		if len(src) > maxSource {
			src = src[:maxSource]
		}
		lines := strings.Split(string(src), "\n")
		for i, l := range lines {
			where := fmt.Sprintf("%s:%d", rel, i+1)
			if rePortWord.MatchString(l) {
				for j := i; j < len(lines) && j <= i+portWindow; j++ {
					if n := portIn(lines[j]); n > 0 {
						hits = append(hits, portHit{n, fmt.Sprintf("%s:%d", rel, j+1)})
						break
					}
				}
			}
			for _, re := range []*regexp.Regexp{reAddr, reListen} {
				for _, m := range re.FindAllStringSubmatch(l, -1) {
					if n, _ := strconv.Atoi(m[1]); plausiblePort(n) {
						hits = append(hits, portHit{n, where})
					}
				}
			}
			if m := reHealthPath.FindStringSubmatch(l); m != nil {
				if _, ok := healthPaths[m[1]]; !ok {
					healthPaths[m[1]] = where
				}
			}
			if d.R.HealthFlag == "" {
				if f := langFlag(d, l); f != "" {
					d.R.HealthFlag = f
					d.R.Found("health flag", d.R.HealthFlag, "%s", where)
				} else if m := reHealthFlag.FindStringSubmatch(l); m != nil {
					d.R.HealthFlag = m[1]
					d.R.Found("health flag", d.R.HealthFlag, "%s", where)
				}
			}
		}
	}
	if d.R.PortSource == "" && !d.R.Ambiguous("port") {
		// A provider that told its listen port from a client's (Python's
		// app.run(port=) against a Redis client's port=6379) has decided.
		setPort(d.R, hits)
	}
	for _, p := range []string{"/healthz", "/health", "/livez", "/_health", "/healthcheck", "/readyz", "/ping"} {
		if where, ok := healthPaths[p]; ok {
			d.R.HealthPath = p
			d.R.Found("healthcheck.http_path", p, "%s", where)
			break
		}
	}
}

// langFlag is the provider's own self-probe flag on a line, if it knows one.
func langFlag(d *provider.Detector, line string) string {
	if d.HealthFlag == nil {
		return ""
	}
	return d.HealthFlag(line)
}

// portIn returns the first plausible port number on a line, or 0.
func portIn(l string) int {
	for _, m := range reNumber.FindAllStringSubmatch(l, -1) {
		if n, _ := strconv.Atoi(m[2]); plausiblePort(n) {
			return n
		}
	}
	return 0
}

func setPort(r *provider.Result, hits []portHit) {
	if len(hits) == 0 {
		return
	}
	first := map[int]string{}
	var ports []int
	for _, h := range hits {
		if _, ok := first[h.port]; !ok {
			first[h.port] = h.where
			ports = append(ports, h.port)
		}
	}
	if len(ports) == 1 {
		r.Port, r.PortSource = ports[0], first[ports[0]]
		r.Found("port", strconv.Itoa(ports[0]), "%s", first[ports[0]])
		return
	}
	sort.Ints(ports)
	var parts []string
	for _, p := range ports {
		parts = append(parts, fmt.Sprintf("%d (%s)", p, first[p]))
	}
	r.Choice("port", true, "%s ports in the source: %s", provider.CountWord(len(ports)), strings.Join(parts, ", "))
}

// dockerfileHints reads EXPOSE from a Dockerfile slipway did not write.
func dockerfileHints(d *provider.Detector) []portHit {
	src, err := d.Read("Dockerfile")
	if err != nil || src == nil || bytes.Contains(src, []byte("# slipway:generated")) {
		return nil
	}
	var hits []portHit
	for _, m := range reExpose.FindAllSubmatchIndex(src, -1) {
		n, _ := strconv.Atoi(string(src[m[2]:m[3]]))
		line := bytes.Count(src[:m[0]], []byte("\n")) + 1
		if plausiblePort(n) {
			hits = append(hits, portHit{n, fmt.Sprintf("Dockerfile:%d EXPOSE", line)})
		}
	}
	return hits
}
