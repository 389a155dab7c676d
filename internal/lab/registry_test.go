package lab

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The registry process serves the package indexes on its own port, and
// marks its answers so that Start can tell it from an older registry.
func TestRegistryServesIndexes(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "indexes", "pypi", "simple", "flask", "index.html")
	if err := os.MkdirAll(filepath.Dir(page), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, []byte("<a href=\"../../files/flask-2.2.2-py3-none-any.whl\">flask</a>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeRegistry(ctx, addr, filepath.Join(dir, "blobs"), filepath.Join(dir, "indexes")) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeRegistry: %v", err)
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !registryAnswers(ctx, addr, true) {
		if time.Now().After(deadline) {
			t.Fatal("the registry does not answer /v2/ with the indexes header")
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(PyPIURL(addr) + "flask/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) == "" || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("GET %sflask/ = %d %q (%s)", PyPIURL(addr), resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	resp, err = http.Get(PyPIURL(addr) + "no-such-project/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown project: %d, want 404 (pip then says no matching distribution)", resp.StatusCode)
	}
}
