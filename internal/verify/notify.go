package verify

// How verify records system calls, and why this way.
//
// The kernel here offers three ways to see what a container calls:
//
//   - SCMP_ACT_LOG writes an audit record per call to the kernel log. It is
//     simple, but with no audit daemon the records go through printk, which is
//     rate limited: a busy start-up loses records silently, and a profile
//     learned from a lossy log is too tight by a call nobody saw.
//   - ptrace (strace -f) sees everything and weakens nothing, but stops the
//     tracee twice per call and follows runc's own set-up as well.
//   - SCMP_ACT_NOTIFY (seccomp user notification) hands each call to an agent,
//     which answers with SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel then runs
//     the call exactly as it would have. Nothing is lost (the caller waits for
//     the answer), the agent sees the caller's pid and arguments, and the
//     container keeps every other restriction of the run: read-only root, no
//     capabilities, no-new-privileges, its own network namespace.
//
// verify uses user notification. runc installs the filter right before it
// executes the image's entrypoint (and before each `runc exec`), connects to
// the spec's seccomp listenerPath and passes the notification descriptor
// with SCM_RIGHTS; the agent below serves each descriptor it gets. runc
// refuses SCMP_ACT_NOTIFY as the default action and for write(2) (it writes
// the descriptor to its parent after installing the filter), so the recording
// filter allows by default and notifies every call this architecture has but
// write, which is in the baseline of every profile.
//
// The same agent serves the enforced run: the profile's own rules are
// loaded as written, and every call the profile does not allow is notified
// and answered with the profile's errno, which is what the profile's default
// action would have done to the process, while the agent notes the call's
// name, so a profile that is too tight names what it blocked.

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// seccompNotif is struct seccomp_notif of <linux/seccomp.h>.
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

// seccompNotifResp is struct seccomp_notif_resp.
type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// auditArchX86_64 is AUDIT_ARCH_X86_64, the arch of a notification from a
// 64-bit x86 process.
const auditArchX86_64 = 0xc000003e

// maxWritePaths bounds how many distinct written paths the agent keeps.
const maxWritePaths = 512

// agent serves seccomp notification descriptors handed over by runc.
type agent struct {
	ln    *net.UnixListener
	deny  bool  // answer with errno instead of continuing
	errno int32 // the errno a denied call gets

	mu     sync.Mutex
	calls  map[string]int // notified calls by name, with counts
	denied map[string]int
	writes map[string]bool // paths opened for writing or created
	fds    int             // descriptors received

	wg   sync.WaitGroup
	done chan struct{}
}

// startAgent listens on sock for runc. With deny, every notified call is
// refused with errno and counted as denied; without, it continues and is
// counted as observed.
func startAgent(sock string, deny bool, errno int) (*agent, error) {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listening for runc's seccomp descriptor: %w", err)
	}
	a := &agent{ln: ln, deny: deny, errno: int32(errno), calls: map[string]int{}, denied: map[string]int{},
		writes: map[string]bool{}, done: make(chan struct{})}
	a.wg.Add(1)
	go a.accept()
	return a, nil
}

func (a *agent) accept() {
	defer a.wg.Done()
	for {
		conn, err := a.ln.AcceptUnix()
		if err != nil {
			return // closed by stop
		}
		fd, err := recvFD(conn)
		conn.Close()
		if err != nil {
			continue
		}
		a.mu.Lock()
		a.fds++
		a.mu.Unlock()
		a.wg.Add(1)
		go a.serve(fd)
	}
}

// recvFD reads runc's container process state message and returns the
// seccomp descriptor it carries.
func recvFD(conn *net.UnixConn) (int, error) {
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*4))
	_, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return -1, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return -1, err
	}
	var fds []int
	for _, m := range msgs {
		if f, err := unix.ParseUnixRights(&m); err == nil {
			fds = append(fds, f...)
		}
	}
	if len(fds) == 0 {
		return -1, errors.New("runc sent no descriptor")
	}
	for _, f := range fds[1:] {
		unix.Close(f)
	}
	return fds[0], nil
}

// serve answers the notifications of one filter until every process using
// it is gone or the agent stops.
func (a *agent) serve(fd int) {
	defer a.wg.Done()
	defer unix.Close(fd)
	for {
		select {
		case <-a.done:
			return
		default:
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 200)
		if errors.Is(err, unix.EINTR) || n == 0 {
			continue
		}
		if err != nil {
			return
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			if pfd[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
				return // no process uses the filter any more
			}
			continue
		}
		var req seccompNotif
		if err := ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&req)); err != nil {
			if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINTR) {
				continue // the caller died or was interrupted before we read it
			}
			return
		}
		name := syscallName(req.Arch, int(req.Nr))
		resp := seccompNotifResp{ID: req.ID}
		if a.deny {
			resp.Error = -a.errno
		} else {
			resp.Flags = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE
			if p := writtenPath(name, &req); p != "" {
				a.mu.Lock()
				if len(a.writes) < maxWritePaths {
					a.writes[p] = true
				}
				a.mu.Unlock()
			}
		}
		a.mu.Lock()
		if a.deny {
			a.denied[name]++
		} else {
			a.calls[name]++
		}
		a.mu.Unlock()
		_ = ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp))
	}
}

func ioctl(fd int, req uint, arg unsafe.Pointer) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}

// syscallName names call nr of arch, or says which number it was.
func syscallName(arch uint32, nr int) string {
	if arch == auditArchX86_64 {
		if n, ok := syscallsAMD64[nr]; ok {
			return n
		}
	}
	return fmt.Sprintf("unknown(arch=%#x,nr=%d)", arch, nr)
}

// writtenPath returns the path a call opens for writing, creates or makes a
// directory at, resolved against the caller's working directory or dirfd,
// as the container sees it; "" for any other call.
func writtenPath(name string, req *seccompNotif) string {
	const writeFlags = unix.O_WRONLY | unix.O_RDWR | unix.O_CREAT | unix.O_TRUNC
	var dirfd int32 = unix.AT_FDCWD
	var ptr uint64
	switch name {
	case "open":
		if req.Args[1]&writeFlags == 0 {
			return ""
		}
		ptr = req.Args[0]
	case "creat", "mkdir":
		ptr = req.Args[0]
	case "openat":
		if req.Args[2]&writeFlags == 0 {
			return ""
		}
		dirfd, ptr = int32(req.Args[0]), req.Args[1]
	case "mkdirat":
		dirfd, ptr = int32(req.Args[0]), req.Args[1]
	default:
		return ""
	}
	p, err := readString(int(req.Pid), ptr)
	if err != nil || p == "" {
		return ""
	}
	if !path.IsAbs(p) {
		link := fmt.Sprintf("/proc/%d/cwd", req.Pid)
		if dirfd != unix.AT_FDCWD {
			link = fmt.Sprintf("/proc/%d/fd/%d", req.Pid, dirfd)
		}
		base, err := os.Readlink(link)
		if err != nil {
			return ""
		}
		p = path.Join(base, p)
	}
	return path.Clean(p)
}

// readString reads a NUL-terminated string of at most PATH_MAX bytes at
// addr in pid's memory.
func readString(pid int, addr uint64) (string, error) {
	if addr == 0 {
		return "", errors.New("null pointer")
	}
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/mem")
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, unix.PathMax)
	n, err := f.ReadAt(buf, int64(addr))
	if n == 0 && err != nil {
		return "", err
	}
	buf = buf[:n]
	for i, b := range buf {
		if b == 0 {
			return string(buf[:i]), nil
		}
	}
	return "", errors.New("no NUL within PATH_MAX")
}

// stop closes the listener and waits for every descriptor's loop to end.
func (a *agent) stop() {
	a.ln.Close()
	close(a.done)
	a.wg.Wait()
}

// observed returns the calls seen, sorted by name.
func (a *agent) observed() []string { return a.names(a.calls) }

// deniedCalls returns the calls refused, sorted by name.
func (a *agent) deniedCalls() []string { return a.names(a.denied) }

func (a *agent) names(m map[string]int) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := slices.Sorted(maps.Keys(m))
	return out
}

func (a *agent) count(m map[string]int, name string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return m[name]
}

// writtenPaths returns the paths written, sorted.
func (a *agent) writtenPaths() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Sorted(maps.Keys(a.writes))
}

// Compile-time checks that the structs match the kernel's sizes.
var (
	_ [80]byte = [unsafe.Sizeof(seccompNotif{})]byte{}
	_ [24]byte = [unsafe.Sizeof(seccompNotifResp{})]byte{}
)
