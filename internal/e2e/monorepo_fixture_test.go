package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// monorepoMain is every fixture service's main.go; they differ only in
// the name they answer with, so one text is written eight times.
const monorepoMain = `// Command %[1]s is one tiny service of the monorepo fixture.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"
)

const name = "%[1]s"

func main() {
	hc := flag.Bool("healthcheck", false, "probe the running service and exit 0 if healthy")
	flag.Parse()
	if *hc {
		c := &http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get("http://127.0.0.1:8080/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			os.Exit(1)
		}
		os.Exit(0)
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "hello from", name) })
	srv := &http.Server{Addr: ":8080", ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`

// writeMonorepoService writes services/<name> (main.go and go.mod) of the
// monorepo fixture under root.
func writeMonorepoService(t *testing.T, root, name string) {
	t.Helper()
	dir := filepath.Join(root, "services", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"main.go": fmt.Sprintf(monorepoMain, name),
		"go.mod":  fmt.Sprintf("module example.com/mono/%s\n\ngo 1.24\n", name),
	}
	for f, body := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
