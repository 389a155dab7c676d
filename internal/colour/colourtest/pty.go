// Package colourtest opens a pseudo-terminal for tests of terminal-only
// behaviour (colour), with no library beyond golang.org/x/sys.
package colourtest

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal: a program writes to Out as to a terminal, and
// Output returns what it wrote.
type PTY struct {
	Out    *os.File // the follower side: a terminal
	leader *os.File
	mu     sync.Mutex
	buf    bytes.Buffer
	done   chan struct{}
	once   sync.Once
}

// Terminal opens a new pseudo-terminal, closed when the test ends; the test
// is skipped where /dev/ptmx cannot be opened.
func Terminal(t testing.TB) *PTY {
	t.Helper()
	leader, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	fd := int(leader.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		leader.Close()
		t.Skipf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		leader.Close()
		t.Skipf("naming the pseudo-terminal: %v", err)
	}
	follower, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		leader.Close()
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	p := &PTY{Out: follower, leader: leader, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		b := make([]byte, 4096)
		for {
			n, err := leader.Read(b)
			p.mu.Lock()
			p.buf.Write(b[:n])
			p.mu.Unlock()
			if err != nil {
				return // EIO once the follower is closed
			}
		}
	}()
	t.Cleanup(func() {
		p.Output()
		leader.Close()
	})
	return p
}

// Output closes the terminal and returns everything written to it.
func (p *PTY) Output() string {
	p.once.Do(func() {
		p.Out.Close()
		<-p.done
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}
