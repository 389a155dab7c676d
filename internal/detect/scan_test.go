package detect

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/provider"
)

// scanOne runs the neutral scan over one source file.
func scanOne(t *testing.T, name, src string) *Result {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &provider.Detector{Dir: dir, R: &Result{}, Sources: []string{name}}
	scanSources(d)
	return d.R
}

// TestListenVersusConnect: a listen call's port is the service's, a client
// address beside it is not; only several listen ports are a choice.
func TestListenVersusConnect(t *testing.T) {
	tests := []struct {
		name, file, src string
		port            int
		evidence        string // a substring of the port's evidence
		ambiguous       string // a substring of the port ambiguity, when several remain
		client          int    // a port that must be noted as a client address
	}{
		{"go redis beside ListenAndServe", "main.go", `
	redisAddr := env("REDIS_ADDR", "localhost:6379")
	pool := &redis.Pool{Dial: func() (redis.Conn, error) { return redis.Dial("tcp", redisAddr) }}
	port := env("PORT", "8080")
	log.Fatal(http.ListenAndServe(":"+port, nil))`, 8080, "main.go:4", "", 6379},
		{"go literal listen and a postgres DSN", "main.go", `
	db, _ := sql.Open("postgres", "postgres://app@db:5432/app?sslmode=disable")
	log.Fatal(http.ListenAndServe(":9000", mux))`, 9000, "listen: ListenAndServe(", "", 5432},
		{"go net.Listen and grpc.Dial", "main.go", `
	conn, _ := grpc.Dial("catalog:3550", grpc.WithInsecure())
	lis, _ := net.Listen("tcp", ":50051")`, 50051, "listen: net.Listen", "", 3550},
		{"go server Addr field", "main.go", `
	srv := &http.Server{Addr: ":8443", Handler: mux}
	cache := memcache.New("localhost:11211")`, 8443, "listen: Addr:", "", 11211},
		{"go two listen ports", "main.go", `
	go http.ListenAndServe(":9090", metrics)
	log.Fatal(http.ListenAndServe(":8080", mux))`, 0, "", "two listen ports in the source: 8080 (main.go:3), 9090 (main.go:2)", 0},
		{"node app.listen and a redis URL", "index.js", `
const client = redis.createClient({ url: 'redis://localhost:6379' })
const PORT = process.env.PORT || 5006
app.listen(PORT, () => console.log('up'))`, 5006, "index.js:3", "", 6379},
		{"node server.listen literal, mongo client", "server.js", `
mongoose.connect('mongodb://localhost:27017/app')
server.listen(4000)`, 4000, "listen: .listen(", "", 27017},
		{"python app.run and redis.Redis", "app.py", `
cache = redis.Redis(host="redis", port=6379)
if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000, debug=True)`, 8000, "listen: app.run(", "", 6379},
		{"python uvicorn.run", "main.py", `
DATABASE_URL = "postgresql://u:p@localhost:5432/db"
uvicorn.run("app.main:app", host="0.0.0.0", port=8001)`, 8001, "listen: uvicorn.run(", "", 5432},
		{"procfile gunicorn --bind", "Procfile", `web: gunicorn --bind 0.0.0.0:8000 --workers 2 mysite.wsgi`, 8000, "listen: --bind", "", 0},
		{"uvicorn --port in a script", "start.sh", `exec uvicorn app.main:app --host 0.0.0.0 --port 8002`, 8002, "listen: --port", "", 0},
		{"rust TcpListener::bind and a client connect", "main.rs", `
    let upstream = TcpStream::connect("127.0.0.1:7000")?;
    let listener = TcpListener::bind("0.0.0.0:50050")?;`, 50050, "listen: TcpListener::bind", "", 7000},
		{"java InetSocketAddress and a JDBC URL", "Main.java", `
    String url = "jdbc:mysql://localhost:3306/shop";
    HttpServer server = HttpServer.create(new InetSocketAddress(8081), 0);`, 8081, "listen: HttpServer.create", "", 3306},
		{"a commented-out port is no port", "main.go", `
	// http.ListenAndServe(":9999", nil) was the old port
	log.Fatal(http.ListenAndServe(":8080", nil))`, 8080, "main.go:3", "", 0},
		{"only a client address: no port", "main.go", `
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})`, 0, "", "", 6379},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanOne(t, tt.file, tt.src)
			if r.Port != tt.port {
				t.Errorf("port = %d, want %d\nevidence: %q\nambiguities: %q", r.Port, tt.port, r.Evidence, r.Ambiguities)
			}
			if tt.evidence != "" && !slices.ContainsFunc(r.Evidence, func(e string) bool {
				return strings.HasPrefix(e, "port = ") && strings.Contains(e, tt.evidence)
			}) {
				t.Errorf("no port evidence containing %q: %q", tt.evidence, r.Evidence)
			}
			if tt.ambiguous != "" {
				if !r.Ambiguous("port") || !slices.ContainsFunc(r.Ambiguities, func(a string) bool { return strings.Contains(a, tt.ambiguous) }) {
					t.Errorf("no port ambiguity containing %q: %q", tt.ambiguous, r.Ambiguities)
				}
			} else if len(r.Ambiguities) > 0 {
				t.Errorf("unexpected ambiguities: %q", r.Ambiguities)
			}
			if tt.client != 0 && !slices.ContainsFunc(r.Evidence, func(e string) bool {
				return strings.HasPrefix(e, "port "+strconv.Itoa(tt.client)+" at ") && strings.Contains(e, "client address")
			}) {
				t.Errorf("port %d not noted as a client address: %q", tt.client, r.Evidence)
			}
		})
	}
}

// TestDetectCorpus: the corpus services of issue 9's port, health and
// several-binaries classes are read right, each with its evidence.
func TestDetectCorpus(t *testing.T) {
	root := filepath.Join("..", "e2e", "testdata", "services")
	tests := []struct {
		dir          string
		port         int
		portEvidence string
		health       string
		grpc         bool
		main         string
		healthBinary string
		client       string // a client-address note
	}{
		{"go-redis-visits", 8080, "port = 8080  from main.go:", "/healthz", false, ".", "", "port 6379 at main.go:"},
		{"go-whoami", 80, "port = 80  from app.go:25", "/health", false, ".", "", ""},
		{"go-grpc-health", 50053, "port = 50053", "", true, ".", "", ""},
		{"go-shipping", 50051, "port = 50051", "/ready", false, ".", "", ""},
		{"go-frontend", 8080, "port = 8080", "/_healthz", false, ".", "", ""},
		{"rust-shipping", 50050, "port = 50050  from src/main.rs:53", "/health", false, "shipping", "healthcheck", ""},
		{"py-flask-redis", 8000, "port = 8000", "/health", false, "app", "", ""}, // the Python provider tells app.run's port itself
		{"node-express-heroku", 5006, "port = 5006", "/health", false, "index.js", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			r, err := Detect(filepath.Join(root, tt.dir))
			if err != nil {
				t.Fatal(err)
			}
			if r.Port != tt.port || r.HealthPath != tt.health || r.HealthGRPC != tt.grpc || r.Main != tt.main || r.HealthBinary != tt.healthBinary {
				t.Errorf("port %d health %q grpc %v main %q health binary %q; want %d %q %v %q %q\nevidence: %q",
					r.Port, r.HealthPath, r.HealthGRPC, r.Main, r.HealthBinary, tt.port, tt.health, tt.grpc, tt.main, tt.healthBinary, r.Evidence)
			}
			if len(r.Ambiguities) > 0 {
				t.Errorf("ambiguities: %q", r.Ambiguities)
			}
			for _, ev := range []string{tt.portEvidence, tt.client} {
				if ev != "" && !slices.ContainsFunc(r.Evidence, func(e string) bool { return strings.HasPrefix(e, ev) }) {
					t.Errorf("no evidence starting %q: %q", ev, r.Evidence)
				}
			}
			if tt.healthBinary != "" && !slices.ContainsFunc(r.Evidence, func(e string) bool {
				return strings.HasPrefix(e, "healthcheck.binary = "+tt.healthBinary) && strings.Contains(e, "Cargo.toml")
			}) {
				t.Errorf("no evidence for the health binary: %q", r.Evidence)
			}
		})
	}
}
