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

// The port scan reads every line of the entry sources for port-sized
// numbers and sorts each one it finds into one of three kinds: a listen
// port (the line calls a listen or bind function, passes --port/--bind, sets
// a server address field, or is an EXPOSE), a client address (a URL with a
// scheme, a Dial or client constructor, a datastore's name on the line), or
// a plain mention (a PORT variable's default). Client addresses never become
// the service's port; listen ports win over plain mentions; only when
// several different ports of the strongest kind remain is the choice left
// to the user.
var (
	// A line that talks about a port: PORT, port(), server.port, SERVER_PORT.
	rePortWord = regexp.MustCompile(`(?i)(^|[^a-z])port([^a-z]|$)`)
	// A port-sized number.
	reNumber = regexp.MustCompile(`(^|[^0-9.])([0-9]{2,5})([^0-9.]|$)`)
	// A literal address: ":8080", "0.0.0.0:8080", "localhost:3000",
	// "catalog:3550", the host:port of a URL ("redis://cache:6379").
	reAddr = regexp.MustCompile(`(?:["'` + "`" + `@/]|0\.0\.0\.0|localhost|127\.0\.0\.1|\[::\])[A-Za-z0-9_.-]*:([0-9]{2,5})\b`)
	// A bare number passed to a listen call: .listen(3000) in Node, Java's
	// new InetSocketAddress(8080).
	reListen = regexp.MustCompile(`(?:\.listen|InetSocketAddress)\(\s*([0-9]{2,5})\b`)
	// EXPOSE in an existing Dockerfile.
	reExpose = regexp.MustCompile(`(?im)^\s*EXPOSE\s+([0-9]{2,5})`)
	// A call that starts a server: a listen or bind call, a run(...) of a
	// framework's server.
	reListenCall = regexp.MustCompile(`(?i)(ListenAndServe(TLS)?\s*\(|\bnet\.Listen\s*\(|\.Listen(TCP|Packet)?\s*\(|\.listen\s*\(|TcpListener::bind|UdpSocket::bind|\.bind\s*\(|(app|uvicorn|web|server|socketio)\.run\s*\(|\bserve\s*\(|createServer\(|HTTPServer\s*\(|UseUrls\s*\(|InetSocketAddress\s*\(|HttpServer\.create|--port[ =]|--bind[ =])`)
	// A server setting without a call: an address field, a port
	// assignment, -b, server.port, ASP.NET's URLs. A client address on the
	// same line wins over it (a client's options have an Addr too).
	reListenSetting = regexp.MustCompile(`(?i)(\bAddr\s*:|\bbind\s*=|(^|\s)-b\s|\bserver\.port\b|\burls\s*[:=]|ASPNETCORE_URLS|Kestrel|\bport\s*=\s*[0-9])`)
	// A line that names a client address: a URL with a scheme, a dial or
	// connect call, a client constructor, or a datastore or broker.
	reClient = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://|\bDial[A-Za-z]*\s*\(|\bconnect\s*\(|NewClient\s*\(|\.Client\s*\(|Redis|Postgres|\bpg\b|MySQL|Mongo|Memcache|Kafka|AMQP|Rabbit|NATS|Elastic|Cassandra|\bDB_|DATABASE|_HOST\b|upstream|backend_addr)`)
	// A health endpoint in a string literal ("/healthz", "GET /health").
	reHealthPath = regexp.MustCompile(`["'` + "`" + `](?:(?:GET|HEAD)\s+)?(/(?:healthz|_healthz|health|livez|readyz|ready|_health|healthcheck|ping))["'` + "`" + `?]`)
	// The standard gRPC health service registered on a server (Go's
	// healthpb.RegisterHealthServer, Python's add_HealthServicer_to_server,
	// Java's HealthStatusManager, Node's grpc-health-check, .NET's MapGrpcHealthChecksService).
	reGRPCHealth = regexp.MustCompile(`RegisterHealthServer\s*\(|add_HealthServicer_to_server\s*\(|HealthStatusManager\s*\(|grpc-health-check|MapGrpcHealthChecksService|tonic_health::server`)
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

// Kinds of a port found in the source, weakest first.
const (
	portMention = iota // a PORT variable's default, a port-sized literal near "port"
	portListen         // a listen call, a server address, --port, EXPOSE
)

type portHit struct {
	port  int
	where string
	kind  int
	// why says what made it a listen port ("ListenAndServe(").
	why string
}

// classify says whether the port on line l is a client address (skip), and
// otherwise whether the line starts a server.
func classify(l string) (client bool, kind int, why string) {
	if m := reListenCall.FindString(l); m != "" {
		return false, portListen, strings.TrimSpace(m)
	}
	if m := reClient.FindString(l); m != "" {
		return true, 0, m
	}
	if m := reListenSetting.FindString(l); m != "" {
		return false, portListen, strings.TrimSpace(m)
	}
	return false, portMention, ""
}

// scanSources reads the entry sources for a port, a health endpoint and a
// self-probe flag.
func scanSources(d *provider.Detector) {
	hits := dockerfileHints(d)
	healthPaths := map[string]string{}
	clients := map[int]string{}
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
			if isComment(l) {
				continue
			}
			where := fmt.Sprintf("%s:%d", rel, i+1)
			seen := map[int]bool{}
			add := func(n int, line string, at string) {
				if seen[n] {
					return
				}
				seen[n] = true
				client, kind, why := classify(line)
				if client {
					if _, ok := clients[n]; !ok {
						clients[n] = fmt.Sprintf("%s (%s)", at, why)
					}
					return
				}
				hits = append(hits, portHit{n, at, kind, why})
			}
			for _, re := range []*regexp.Regexp{reAddr, reListen} {
				for _, m := range re.FindAllStringSubmatch(l, -1) {
					if n, _ := strconv.Atoi(m[1]); plausiblePort(n) {
						add(n, l, where)
					}
				}
			}
			if rePortWord.MatchString(l) {
				for j := i; j < len(lines) && j <= i+portWindow; j++ {
					if j > i && isComment(lines[j]) {
						continue
					}
					if n := portIn(lines[j]); n > 0 {
						if j == i {
							add(n, l, where)
						} else if c, _, _ := classify(lines[j]); !c {
							// A default a few lines on is as strong as
							// the line that named the port.
							_, kind, why := classify(l)
							hits = append(hits, portHit{n, fmt.Sprintf("%s:%d", rel, j+1), kind, why})
						}
						break
					}
				}
			}
			if m := reHealthPath.FindStringSubmatch(l); m != nil {
				if _, ok := healthPaths[m[1]]; !ok {
					healthPaths[m[1]] = where
				}
			}
			if !d.R.HealthGRPC && reGRPCHealth.MatchString(l) {
				d.R.HealthGRPC = true
				d.R.Found("healthcheck.grpc", "true", "%s (the gRPC health service is registered)", where)
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
		setPort(d.R, hits, clients)
	}
	for _, p := range []string{"/healthz", "/_healthz", "/health", "/livez", "/_health", "/healthcheck", "/readyz", "/ready", "/ping"} {
		if d.R.HealthPath != "" {
			break // the provider knows its framework's routes
		}
		if where, ok := healthPaths[p]; ok {
			d.R.HealthPath = p
			d.R.Found("healthcheck.http_path", p, "%s", where)
			break
		}
	}
}

// isComment reports whether a line is a whole-line comment in the
// languages slipway reads (//, #, /*, *).
func isComment(l string) bool {
	t := strings.TrimSpace(l)
	for _, p := range []string{"//", "#", "/*", "* "} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return t == "*"
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

// setPort picks the port from the hits of the strongest kind; client
// addresses are told as notes, and several candidates are a choice.
func setPort(r *provider.Result, hits []portHit, clients map[int]string) {
	best := -1
	for _, h := range hits {
		best = max(best, h.kind)
	}
	first := map[int]portHit{}
	var ports []int
	for _, h := range hits {
		if h.kind != best {
			continue
		}
		if _, ok := first[h.port]; !ok {
			first[h.port] = h
			ports = append(ports, h.port)
		}
	}
	var cports []int
	for p := range clients {
		if _, ok := first[p]; !ok {
			cports = append(cports, p)
		}
	}
	sort.Ints(cports)
	for _, p := range cports {
		r.Note(fmt.Sprintf("port %d at %s is a client address, not the port the service listens on", p, clients[p]))
	}
	switch len(ports) {
	case 0:
		return
	case 1:
		h := first[ports[0]]
		r.Port, r.PortSource = h.port, h.where
		if h.kind == portListen && h.why != "" {
			r.Found("port", strconv.Itoa(h.port), "%s (listen: %s)", h.where, h.why)
		} else {
			r.Found("port", strconv.Itoa(h.port), "%s", h.where)
		}
		return
	}
	sort.Ints(ports)
	var parts []string
	for _, p := range ports {
		parts = append(parts, fmt.Sprintf("%d (%s)", p, first[p].where))
	}
	what := "ports in the source"
	if best == portListen {
		what = "listen ports in the source"
	}
	r.Choice("port", true, "%s %s: %s", provider.CountWord(len(ports)), what, strings.Join(parts, ", "))
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
			hits = append(hits, portHit{n, fmt.Sprintf("Dockerfile:%d EXPOSE", line), portListen, ""})
		}
	}
	return hits
}
