package testkit

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

func TestWriteTree(t *testing.T) {
	dir := WriteTree(t, map[string]string{"a/b/c.txt": "c", "top": "t"})
	for name, want := range map[string]string{"a/b/c.txt": "c", "top": "t"} {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
}

func TestSilentListenerNeverAnswers(t *testing.T) {
	c, err := net.DialTimeout("tcp", SilentListener(t), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("read %d bytes, %v: want a timeout", n, err)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("read: %v, want a timeout (the connection is held open)", err)
	}
}

func TestSleepMarker(t *testing.T) {
	a, b := SleepMarker(t), SleepMarker(t)
	if !regexp.MustCompile(`^sleep 60\.[0-9]{9}$`).MatchString(a) || a == b {
		t.Errorf("markers %q and %q: want two different sleep commands", a, b)
	}
}

func TestAssertEmptyDir(t *testing.T) {
	AssertEmptyDir(t, t.TempDir())
	dir := WriteTree(t, map[string]string{"left.tar": "x"})
	var r recorder
	AssertEmptyDir(&r, dir)
	if len(r.errors) != 1 {
		t.Errorf("a directory holding left.tar: %d errors, want 1", len(r.errors))
	}
}

// recorder is a testing.TB that keeps what Errorf says.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}
