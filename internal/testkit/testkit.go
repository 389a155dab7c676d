// Package testkit holds the helpers that the tests of several packages
// share, so that each is written once: a tree of files, a listener that
// never answers, a process marker, an OCI image layout. Only tests import
// it.
package testkit

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// WriteTree writes files (slash-separated path -> content, mode 0644) under
// a new temporary directory, creating parent directories, and returns it.
func WriteTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	WriteTreeAt(t, dir, files)
	return dir
}

// WriteTreeAt writes files as WriteTree does, under dir.
func WriteTreeAt(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// SilentListener listens on a loopback port, accepts every connection and
// never answers (the worst case for a client's timeout), until the test
// ends; it returns the address.
func SilentListener(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	return ln.Addr().String()
}

// SleepMarker returns a `sleep` command unique to this run (GNU sleep takes
// fractional seconds), so that its process can be found in /proc.
func SleepMarker(t testing.TB) string {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(1e9))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("sleep 60.%09d", n.Int64())
}

// AssertEmptyDir fails the test for every entry left in dir (an output
// directory a failed or cancelled run must leave as it found it).
func AssertEmptyDir(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the output directory: %s", e.Name())
	}
}

// Deps is `go list -deps` of pkg (with -test when tests is true): every
// package pkg depends on. It fails t when go list fails, and when the list
// lacks want, a package pkg is known to depend on, so that an empty list or
// one of another package cannot make a "depends on no X" test pass.
func Deps(t testing.TB, pkg string, tests bool, want string) []string {
	t.Helper()
	args := []string{"list", "-deps"}
	if tests {
		args = append(args, "-test")
	}
	cmd := "go " + strings.Join(args, " ")
	out, err := exec.Command("go", append(args, pkg)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", cmd, pkg, err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, want) {
		t.Fatalf("%s %s listed %d packages, without %s that it uses:\n%s", cmd, pkg, len(deps), want, out)
	}
	return deps
}
