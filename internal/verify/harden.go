package verify

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// CheckSeccomp is the row of a run that records or enforces system calls.
const CheckSeccomp = "seccomp"

// TmpfsSize is the size of every tmpfs verify mounts for the service, and
// that the deploy files name (65536k, Docker's default for /dev/shm).
const TmpfsSize = 64 << 20

// TmpfsOptions are the mount options of such a tmpfs, as runc and Docker's
// --tmpfs read them.
const TmpfsOptions = "nosuid,nodev,mode=1777,size=65536k"

// NoFile is the open-files limit (soft and hard) of every run and of the
// deploy files.
const NoFile = 1024

// Hardening is how a run is confined beyond verify's defaults. The
// enforced run of --learn and the deploy files are made from the same
// value: one source of truth.
type Hardening struct {
	// Seccomp is a profile file to enforce ("" for none).
	Seccomp string `json:"seccomp,omitempty"`
	// Tmpfs are the only writable tmpfs mounts; nil keeps verify's default
	// (a tmpfs /tmp), empty means none.
	Tmpfs []string `json:"tmpfs"`
	// MemoryLimit and PidsLimit are cgroup limits (0 for none).
	MemoryLimit int64 `json:"memory_limit_bytes,omitempty"`
	PidsLimit   int64 `json:"pids_limit,omitempty"`
}

// Observation is what a recording run saw the service do.
type Observation struct {
	// Syscalls are the distinct system calls made by the service and its
	// HEALTHCHECK and exec probes, from the first instruction of the
	// entrypoint to the end of the checks.
	Syscalls []string `json:"syscalls"`
	// Calls is how many calls were seen in all.
	Calls int `json:"calls"`
	// Writes are the paths opened for writing or created.
	Writes []string `json:"writes,omitempty"`
	// WritableMounts are the writable mounts those writes needed (tmpfs
	// candidates; the image's VOLUMEs are mounted as volumes anyway).
	WritableMounts []string `json:"writable_mounts"`
	// Refused are written paths on the read-only root (the write failed
	// with EROFS; the service passed its checks regardless).
	Refused []string `json:"refused,omitempty"`
	// PeakMemory is the cgroup's peak memory use in bytes; PeakPids the
	// most processes and threads seen at once.
	PeakMemory int64 `json:"peak_memory_bytes"`
	PeakPids   int64 `json:"peak_pids"`
	// Ports are the TCP ports the service listened on.
	Ports []int `json:"ports,omitempty"`
}

// Enforced is what an enforced run applied, read back from the runtime
// spec it ran with.
type Enforced struct {
	Seccomp     string   `json:"seccomp,omitempty"`
	Allowed     int      `json:"allowed_calls,omitempty"`
	Tmpfs       []string `json:"tmpfs"`
	MemoryLimit int64    `json:"memory_limit_bytes,omitempty"`
	PidsLimit   int64    `json:"pids_limit,omitempty"`
	NoFile      uint64   `json:"nofile"`
	Denied      []string `json:"denied,omitempty"` // calls refused, "name (count)"
	DeniedCalls []string `json:"-"`                // the same, names only
}

// harden applies h to spec: the tmpfs mounts, the cgroup limits. The
// seccomp filter is set by the caller, which owns the agent.
func harden(spec *specs.Spec, h Hardening) {
	if h.Tmpfs != nil {
		var mounts []specs.Mount
		for _, m := range spec.Mounts {
			if m.Destination == "/tmp" {
				continue
			}
			mounts = append(mounts, m)
		}
		for _, p := range h.Tmpfs {
			mounts = append(mounts, specs.Mount{Destination: p, Type: "tmpfs", Source: "tmpfs", Options: strings.Split(TmpfsOptions, ",")})
		}
		spec.Mounts = mounts
	}
	if h.MemoryLimit > 0 {
		lim := h.MemoryLimit
		swap := h.MemoryLimit // no swap beyond the limit
		spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &lim, Swap: &swap}
	}
	if h.PidsLimit > 0 {
		lim := h.PidsLimit
		spec.Linux.Resources.Pids = &specs.LinuxPids{Limit: &lim}
	}
}

// enforcedFrom reads what spec applies.
func enforcedFrom(spec *specs.Spec, h Hardening, allowed int) *Enforced {
	e := &Enforced{Seccomp: h.Seccomp, Allowed: allowed, Tmpfs: []string{}}
	for _, m := range spec.Mounts {
		if m.Type == "tmpfs" && !strings.HasPrefix(m.Destination, "/dev") {
			e.Tmpfs = append(e.Tmpfs, m.Destination)
		}
	}
	if r := spec.Linux.Resources; r != nil {
		if r.Memory != nil && r.Memory.Limit != nil {
			e.MemoryLimit = *r.Memory.Limit
		}
		if r.Pids != nil && r.Pids.Limit != nil {
			e.PidsLimit = *r.Pids.Limit
		}
	}
	for _, rl := range spec.Process.Rlimits {
		if rl.Type == "RLIMIT_NOFILE" {
			e.NoFile = rl.Soft
		}
	}
	return e
}

// cgroupPath is where runc puts a container's cgroup, under each
// hierarchy (v1) or the unified one (v2).
func cgroupPath(id string) string { return "/slipway-verify/" + id }

// sampler follows a container's cgroup: peak memory from the kernel's own
// high-water mark, peak processes by sampling (cgroup v1 keeps no peak).
type sampler struct {
	path     string
	mu       sync.Mutex
	peakPids int64
	stop     chan struct{}
	done     chan struct{}
}

func startSampler(cg string) *sampler {
	s := &sampler{path: cg, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) sample() {
	n := readInt(filepath.Join("/sys/fs/cgroup/pids", s.path, "pids.current"))
	if n == 0 {
		n = readInt(filepath.Join("/sys/fs/cgroup", s.path, "pids.current"))
	}
	if p := readInt(filepath.Join("/sys/fs/cgroup", s.path, "pids.peak")); p > n {
		n = p
	}
	s.mu.Lock()
	s.peakPids = max(s.peakPids, n)
	s.mu.Unlock()
}

// finish stops sampling and returns the peaks. Call it before the
// container is deleted (its cgroup goes with it).
func (s *sampler) finish() (mem, pids int64) {
	s.sample()
	close(s.stop)
	<-s.done
	mem = readInt(filepath.Join("/sys/fs/cgroup/memory", s.path, "memory.max_usage_in_bytes"))
	if mem == 0 {
		mem = readInt(filepath.Join("/sys/fs/cgroup", s.path, "memory.peak"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return mem, s.peakPids
}

func readInt(file string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// listeningPorts reads the TCP ports in LISTEN state in pid's network
// namespace.
func listeningPorts(pid int) []int {
	seen := map[int]bool{}
	for _, f := range []string{"tcp", "tcp6"} {
		fh, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, f))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" { // TCP_LISTEN
				continue
			}
			_, port, ok := strings.Cut(fields[1], ":")
			if !ok {
				continue
			}
			if n, err := strconv.ParseInt(port, 16, 32); err == nil {
				seen[int(n)] = true
			}
		}
		fh.Close()
	}
	out := make([]int, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Ints(out)
	return out
}

// classifyWrites sorts written paths into the writable mounts they need
// and the ones the read-only root refused. Writes to /dev and /proc
// (/dev/null, /proc/self/...) and to VOLUMEs need nothing new.
func classifyWrites(writes []string, volumes []volumeMount) (mounts, refused []string) {
	mset := map[string]bool{}
	for _, w := range writes {
		switch {
		case under(w, "/tmp"):
			mset["/tmp"] = true
		case under(w, "/dev"), under(w, "/proc"), under(w, "/sys"):
		case inVolume(w, volumes):
		default:
			refused = append(refused, w)
		}
	}
	for m := range mset {
		mounts = append(mounts, m)
	}
	sort.Strings(mounts)
	return mounts, refused
}

func under(p, dir string) bool { p = path.Clean(p); return p == dir || strings.HasPrefix(p, dir+"/") }

func inVolume(p string, vols []volumeMount) bool {
	for _, v := range vols {
		if under(p, v.Path) {
			return true
		}
	}
	return false
}

// nonEmptyDir reports whether dir holds anything.
func nonEmptyDir(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	names, _ := f.Readdirnames(1)
	return len(names) > 0
}

// Limits computes the enforced run's memory and pids limits from a
// recording's peaks: twice the peak plus a floor (32 MiB, 16 processes),
// memory rounded up to a whole MiB. A margin, not a fit: a service busier
// than its start-up still has room.
func Limits(o *Observation) (mem, pids int64) {
	mem = 2*o.PeakMemory + 32<<20
	mem = (mem + 1<<20 - 1) / (1 << 20) * (1 << 20)
	pids = 2*o.PeakPids + 16
	return mem, pids
}

// seccompRun is the seccomp side of one run.
type seccompRun struct {
	agent *agent
	named bool // refused calls are named (the agent answers them)
}

// seccompFor sets spec's filter for o: recording, enforcing prof, or none.
func seccompFor(spec *specs.Spec, o Options, prof *Profile, sock string) (seccompRun, error) {
	var r seccompRun
	var err error
	switch {
	case o.record:
		if len(syscallsAMD64) == 0 {
			_, err := arch()
			return r, err
		}
		spec.Linux.Seccomp = recordingSeccomp(sock)
		r.agent, err = startAgent(sock, false, 0)
	case prof != nil:
		s, errno, notify := enforcingSeccomp(prof, sock)
		spec.Linux.Seccomp = s
		if notify {
			r.agent, err = startAgent(sock, true, errno)
			r.named = true
		}
	}
	return r, err
}

// row adds the seccomp row of a recording or enforcing run.
func (r seccompRun) row(rep *Report, o Options, prof *Profile) {
	const name = "system calls (seccomp)"
	switch {
	case o.record:
		n := 0
		if rep.Observed != nil {
			n = len(rep.Observed.Syscalls)
		}
		if n == 0 {
			rep.add(CheckSeccomp, name, Fail, "recorded no system call: runc did not hand over the seccomp notification descriptor")
			return
		}
		rep.add(CheckSeccomp, name, Pass, "recorded %d distinct calls (%d in all) through seccomp user notification", n, rep.Observed.Calls)
	case prof != nil && !r.named:
		rep.add(CheckSeccomp, name, Pass, "%s enforced: %d calls allowed, default %s (a refused call cannot be named under this default)",
			o.Harden.Seccomp, len(prof.Allowed()), prof.DefaultAction)
	case prof != nil:
		denied := r.agent.deniedCalls()
		if rep.Enforced != nil {
			rep.Enforced.Denied, rep.Enforced.DeniedCalls = nil, denied
			for _, d := range denied {
				rep.Enforced.Denied = append(rep.Enforced.Denied, fmt.Sprintf("%s (%d)", d, r.agent.count(r.agent.denied, d)))
			}
		}
		if len(denied) == 0 {
			rep.add(CheckSeccomp, name, Pass, "%s enforced: %d calls allowed, everything else refused by %s; no call was refused", o.Harden.Seccomp, len(prof.Allowed()), prof.DefaultAction)
			return
		}
		var parts []string
		for _, d := range denied {
			parts = append(parts, fmt.Sprintf("%s (%d×)", d, r.agent.count(r.agent.denied, d)))
		}
		rep.add(CheckSeccomp, name, Fail, "%s refused %s: the profile is too tight (add the call, or run verify --learn again)", o.Harden.Seccomp, strings.Join(parts, ", "))
	}
}

// observe collects a recording run's findings, before the container is
// deleted.
func observe(c *container, a *agent, smp *sampler, vols []volumeMount) *Observation {
	ob := &Observation{Ports: listeningPorts(c.pid)}
	ob.PeakMemory, ob.PeakPids = smp.finish()
	if a == nil {
		return ob
	}
	ob.Syscalls = a.observed()
	a.mu.Lock()
	for _, n := range a.calls {
		ob.Calls += n
	}
	a.mu.Unlock()
	ob.Writes = a.writtenPaths()
	ob.WritableMounts, ob.Refused = classifyWrites(ob.Writes, vols)
	if len(ob.WritableMounts) == 0 && c.running() && nonEmptyDir(fmt.Sprintf("/proc/%d/root/tmp", c.pid)) {
		ob.WritableMounts = []string{"/tmp"}
	}
	if ob.WritableMounts == nil {
		ob.WritableMounts = []string{}
	}
	return ob
}
