package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Profile is a seccomp profile in the JSON form Docker, containerd, CRI-O
// and Kubernetes' Localhost profiles read (a subset of Docker's: no archMap,
// no includes/excludes), plus a comment saying how it was made.
type Profile struct {
	Comment         []string                 `json:"comment,omitempty"`
	DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet *uint                    `json:"defaultErrnoRet,omitempty"`
	Architectures   []specs.Arch             `json:"architectures,omitempty"`
	Syscalls        []specs.LinuxSyscall     `json:"syscalls"`
}

// baselineCalls are allowed by every learned profile: what a process needs
// to start, exit, take signals and wait, whatever the run happened to show,
// and write(2), which the recording cannot notify (runc writes the
// notification descriptor to its parent with it).
var baselineCalls = []string{
	"arch_prctl", "brk", "clock_gettime", "clock_nanosleep", "close", "execve", "exit", "exit_group",
	"futex", "getpid", "gettid", "mmap", "mprotect", "munmap", "nanosleep", "read",
	"restart_syscall", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sched_yield",
	"set_robust_list", "set_tid_address", "sigaltstack", "tgkill", "write",
}

// arch returns the profile architecture of this machine, or an error when
// slipway cannot learn a profile here.
func arch() (specs.Arch, error) {
	if runtime.GOARCH == "amd64" {
		return specs.ArchX86_64, nil
	}
	return "", fmt.Errorf("learning a seccomp profile needs the system call table of %s, which slipway does not carry (only amd64)", runtime.GOARCH)
}

// NewProfile returns the profile that allows observed and the baseline
// and refuses everything else with EPERM.
func NewProfile(observed []string, comment []string) (*Profile, error) {
	a, err := arch()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, n := range append(append([]string{}, baselineCalls...), observed...) {
		if strings.HasPrefix(n, "unknown(") {
			continue
		}
		set[n] = true
	}
	names := slices.Sorted(maps.Keys(set))
	eperm := uint(unix.EPERM)
	return &Profile{
		Comment:         comment,
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: &eperm,
		Architectures:   []specs.Arch{a},
		Syscalls:        []specs.LinuxSyscall{{Names: names, Action: specs.ActAllow}},
	}, nil
}

// Allowed returns the names the profile allows without conditions, sorted.
func (p *Profile) Allowed() []string {
	var out []string
	for _, s := range p.Syscalls {
		if s.Action == specs.ActAllow && len(s.Args) == 0 {
			out = append(out, s.Names...)
		}
	}
	sort.Strings(out)
	return out
}

// Without returns a copy of p that no longer allows the calls named: the
// profile a service must fail under when p is as tight as it claims.
func (p *Profile) Without(names ...string) *Profile {
	q := *p
	q.Syscalls = nil
	for _, s := range p.Syscalls {
		s.Names = slices.DeleteFunc(slices.Clone(s.Names), func(n string) bool { return slices.Contains(names, n) })
		q.Syscalls = append(q.Syscalls, s)
	}
	return &q
}

// Marshal returns the profile as indented JSON with a final newline.
func (p *Profile) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// maxProfileBytes bounds a profile file read from disk.
const maxProfileBytes = 1 << 20

var knownActions = map[specs.LinuxSeccompAction]bool{
	specs.ActKill: true, specs.ActKillProcess: true, specs.ActKillThread: true, specs.ActTrap: true,
	specs.ActErrno: true, specs.ActTrace: true, specs.ActAllow: true, specs.ActLog: true,
}

// LoadProfile reads and checks a profile file. Unknown keys, actions the
// run cannot apply (SCMP_ACT_NOTIFY: verify's agent is the only listener)
// and empty rules are errors naming the file and the field.
func LoadProfile(file string) (*Profile, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxProfileBytes+1)); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if buf.Len() > maxProfileBytes {
		return nil, &ProfileError{File: file, Msg: fmt.Sprintf("larger than %d bytes", maxProfileBytes)}
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, &ProfileError{File: file, Msg: "not a seccomp profile: " + err.Error()}
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &ProfileError{File: file, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if !knownActions[p.DefaultAction] {
		bad("defaultAction", "%q is not an action slipway can enforce (want e.g. SCMP_ACT_ERRNO)", p.DefaultAction)
	}
	for i, s := range p.Syscalls {
		field := fmt.Sprintf("syscalls[%d]", i)
		if len(s.Names) == 0 {
			bad(field+".names", "empty")
		}
		for j, n := range s.Names {
			if n == "" {
				bad(fmt.Sprintf("%s.names[%d]", field, j), "empty name")
			}
		}
		if !knownActions[s.Action] {
			bad(field+".action", "%q is not an action slipway can enforce", s.Action)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &p, nil
}

// ProfileError is a bad seccomp profile file: bad input.
type ProfileError struct {
	File, Field, Msg string
}

func (e *ProfileError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg)
}

// recordingSeccomp is the filter of a learning run: allow everything, but
// notify every call of the table except write (see notify.go).
func recordingSeccomp(listener string) *specs.LinuxSeccomp {
	var names []string
	for _, n := range syscallsAMD64 {
		if n != "write" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		ListenerPath:  listener,
		Syscalls:      []specs.LinuxSyscall{{Names: names, Action: specs.ActNotify}},
	}
}

// enforcingSeccomp is the filter of an enforced run: the profile's rules as
// written, and, when its default action is an errno, every other call of
// the table notified, so the agent answers it with that same errno and
// names it. notify reports whether the agent is needed.
func enforcingSeccomp(p *Profile, listener string) (sc *specs.LinuxSeccomp, errno int, notify bool) {
	sc = &specs.LinuxSeccomp{
		DefaultAction:   p.DefaultAction,
		DefaultErrnoRet: p.DefaultErrnoRet,
		Architectures:   p.Architectures,
		Syscalls:        append([]specs.LinuxSyscall{}, p.Syscalls...),
	}
	if p.DefaultAction != specs.ActErrno || len(syscallsAMD64) == 0 {
		return sc, 0, false
	}
	errno = int(unix.EPERM)
	if p.DefaultErrnoRet != nil {
		errno = int(*p.DefaultErrnoRet)
	}
	named := map[string]bool{"write": true}
	for _, s := range p.Syscalls {
		for _, n := range s.Names {
			named[n] = true
		}
	}
	var rest []string
	for _, n := range syscallsAMD64 {
		if !named[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	if len(rest) == 0 {
		return sc, 0, false
	}
	sc.ListenerPath = listener
	sc.Syscalls = append(sc.Syscalls, specs.LinuxSyscall{Names: rest, Action: specs.ActNotify})
	return sc, errno, true
}
