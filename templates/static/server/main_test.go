package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/testkit"
)

// site makes a built site and serves it as the image does: through an
// os.Root of the folder.
func site(t *testing.T, files map[string]string) *httptest.Server {
	t.Helper()
	dir := testkit.WriteTree(t, files)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("outside the root"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	srv := httptest.NewServer(handler(r.FS()))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, method, url string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestServe(t *testing.T) {
	srv := site(t, map[string]string{
		"index.html":               "<h1>home</h1>",
		"assets/app-1a2b.js":       "console.log(1)",
		"docs/index.html":          "<h1>docs</h1>",
		"favicon.svg":              "<svg/>",
		".env":                     "TOKEN=x",
		".well-known/security.txt": "Contact: x",
		"assets/.well-known/x":     "hidden",
		"404.html":                 "<h1>lost</h1>",
		"nested/.git/config":       "[remote]",
		"styles/main.css":          "body{}",
		"robots.txt":               "User-agent: *",
	})
	for _, c := range []struct {
		method, path string
		status       int
		body, ctype  string
		cache        string
	}{
		{"GET", "/", 200, "<h1>home</h1>", "text/html", "no-cache"},
		{"GET", "/assets/app-1a2b.js", 200, "console.log(1)", "javascript", "immutable"},
		{"GET", "/docs/", 200, "<h1>docs</h1>", "text/html", "no-cache"},
		{"GET", "/docs", 200, "<h1>docs</h1>", "text/html", "no-cache"},
		{"GET", "/favicon.svg", 200, "<svg/>", "image/svg+xml", "max-age=300"},
		{"GET", "/styles/main.css", 200, "body{}", "text/css", "max-age=300"},
		{"GET", "/settings/profile", 200, "<h1>home</h1>", "text/html", "no-cache"}, // a client-side route
		{"GET", "/missing.png", 404, "<h1>lost</h1>", "text/html", "no-cache"},
		{"GET", "/.env", 404, "<h1>lost</h1>", "text/html", ""},
		{"GET", "/.well-known/security.txt", 200, "Contact: x", "text/plain", ""},
		{"GET", "/assets/.well-known/x", 404, "<h1>lost</h1>", "text/html", ""},
		{"GET", "/nested/.git/config", 404, "<h1>lost</h1>", "text/html", ""},
		{"GET", "/../../etc/passwd", 200, "<h1>home</h1>", "text/html", ""}, // cleaned to /etc/passwd, a route
		{"GET", "/../secret.txt", 404, "<h1>lost</h1>", "text/html", ""},
		{"GET", "/index.html", 200, "<h1>home</h1>", "text/html", "no-cache"},
		{"GET", "/link.txt", 404, "<h1>lost</h1>", "text/html", ""}, // a symlink out of the root
		{"HEAD", "/robots.txt", 200, "", "text/plain", ""},
		{"POST", "/", 405, "method not allowed\n", "text/plain", ""},
	} {
		status, h, body := get(t, c.method, srv.URL+c.path)
		if status != c.status || body != c.body || !strings.Contains(h.Get("Content-Type"), c.ctype) || !strings.Contains(h.Get("Cache-Control"), c.cache) {
			t.Errorf("%s %s: %d %q type %q cache %q, want %d %q %q %q", c.method, c.path, status, body, h.Get("Content-Type"), h.Get("Cache-Control"), c.status, c.body, c.ctype, c.cache)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no nosniff header", c.method, c.path)
		}
	}
}

// TestNoListing: a folder without index.html is not listed (it is a route
// of the app), and a site without 404.html answers a plain 404.
func TestNoListing(t *testing.T) {
	srv := site(t, map[string]string{"index.html": "home", "img/a.png": "png"})
	status, _, body := get(t, "GET", srv.URL+"/img/")
	if status != 200 || body != "home" {
		t.Errorf("GET /img/: %d %q, want the app's index.html and no listing", status, body)
	}
	status, _, body = get(t, "GET", srv.URL+"/img/b.png")
	if status != 404 || body != "404 page not found\n" {
		t.Errorf("GET /img/b.png: %d %q, want a plain 404", status, body)
	}
}

func TestProbe(t *testing.T) {
	srv := site(t, map[string]string{"index.html": "home"})
	if err := probe(srv.URL + "/"); err != nil {
		t.Errorf("healthy site: %v", err)
	}
	if err := probe(srv.URL + "/.hidden"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("probe of a 404: %v, want an error naming 404", err)
	}
	srv.Close()
	if err := probe(srv.URL + "/"); err == nil {
		t.Error("probe of a closed server: no error")
	}
}
