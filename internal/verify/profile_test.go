package verify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestNewProfile(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		if _, err := NewProfile(nil, nil); err == nil {
			t.Fatal("no error off amd64")
		}
		return // the refusal above is what this architecture does
	}
	p, err := NewProfile([]string{"socket", "bind", "socket", "unknown(arch=0x40000003,nr=5)"}, []string{"c"})
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultAction != specs.ActErrno || p.DefaultErrnoRet == nil || *p.DefaultErrnoRet != 1 {
		t.Errorf("default %s %v", p.DefaultAction, p.DefaultErrnoRet)
	}
	if !slices.Equal(p.Architectures, []specs.Arch{specs.ArchX86_64}) {
		t.Errorf("architectures %v", p.Architectures)
	}
	a := p.Allowed()
	if !slices.IsSorted(a) || slices.Contains(a, "unknown(arch=0x40000003,nr=5)") || len(a) != len(baselineCalls)+2 {
		t.Errorf("allowed %v", a)
	}
	for _, n := range a {
		if !slices.Contains(tableNames(), n) {
			t.Errorf("%s is not an x86_64 system call", n)
		}
	}
	// A written profile loads back the same.
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(f, b, 0o644)
	q, err := LoadProfile(f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(q.Allowed(), a) {
		t.Errorf("loaded %v", q.Allowed())
	}
}

func tableNames() []string {
	var out []string
	for _, n := range syscallsAMD64 {
		out = append(out, n)
	}
	return out
}

func TestLoadProfileRejects(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ body, want string }{
		"unknown-key": {`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[],"extra":1}`, "unknown field"},
		"notify":      {`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOTIFY"}]}`, "syscalls[0].action"},
		"no-names":    {`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}`, "syscalls[0].names"},
		"bad-default": {`{"defaultAction":"SCMP_ACT_MAYBE","syscalls":[]}`, "defaultAction"},
		"not-json":    {`defaultAction: x`, "not a seccomp profile"},
	} {
		f := filepath.Join(dir, name+".json")
		os.WriteFile(f, []byte(c.body), 0o644)
		_, err := LoadProfile(f)
		var pe *ProfileError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), f) {
			t.Errorf("%s: err %v, want a ProfileError naming %s and %q", name, err, f, c.want)
		}
	}
}

// TestEnforcingSeccomp: the profile's rules are loaded as written, and
// every other call of the table is notified, so the agent can refuse it
// with the profile's errno and name it; write never is (runc forbids it).
func TestEnforcingSeccomp(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		return // the refusal above is what this architecture does
	}
	p, err := NewProfile([]string{"bind"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, errno, notify := enforcingSeccomp(p, "/run/x.sock")
	if !notify || errno != 1 || sc.ListenerPath != "/run/x.sock" || sc.DefaultAction != specs.ActErrno {
		t.Fatalf("notify %v errno %d %+v", notify, errno, sc)
	}
	if !slices.Equal(sc.Syscalls[0].Names, p.Syscalls[0].Names) || sc.Syscalls[0].Action != specs.ActAllow {
		t.Error("the profile's rule is not first and unchanged")
	}
	rest := sc.Syscalls[len(sc.Syscalls)-1]
	if rest.Action != specs.ActNotify || slices.Contains(rest.Names, "write") || slices.Contains(rest.Names, "bind") {
		t.Errorf("notify rule %v", rest.Names)
	}
	if len(rest.Names)+len(p.Allowed()) != len(syscallsAMD64) {
		t.Errorf("%d notified + %d allowed != %d in the table", len(rest.Names), len(p.Allowed()), len(syscallsAMD64))
	}
	// A kill default cannot be imitated by an answer: enforced as written.
	p.DefaultAction = specs.ActKillProcess
	sc, _, notify = enforcingSeccomp(p, "/run/x.sock")
	if notify || sc.ListenerPath != "" || len(sc.Syscalls) != 1 {
		t.Errorf("kill default: notify %v %+v", notify, sc)
	}
	// The recording filter notifies all but write and allows by default.
	rec := recordingSeccomp("/run/y.sock")
	if rec.DefaultAction != specs.ActAllow || slices.Contains(rec.Syscalls[0].Names, "write") || len(rec.Syscalls[0].Names) != len(syscallsAMD64)-1 {
		t.Errorf("recording filter %s, %d names", rec.DefaultAction, len(rec.Syscalls[0].Names))
	}
}

func TestClassifyWritesAndLimits(t *testing.T) {
	mounts, refused := classifyWrites([]string{"/tmp/x/y", "/dev/null", "/proc/self/oom_score_adj", "/data/pg/base", "/app/cache.db"},
		[]volumeMount{{Path: "/data"}})
	if !slices.Equal(mounts, []string{"/tmp"}) || !slices.Equal(refused, []string{"/app/cache.db"}) {
		t.Errorf("mounts %v refused %v", mounts, refused)
	}
	mem, pids := Limits(&Observation{PeakMemory: 10<<20 + 1, PeakPids: 7})
	if mem != 53<<20 || pids != 30 {
		t.Errorf("limits %d %d", mem, pids)
	}
}

func TestHardenSpec(t *testing.T) {
	spec := &specs.Spec{Process: &specs.Process{Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: NoFile, Hard: NoFile}}},
		Mounts: []specs.Mount{{Destination: "/tmp", Type: "tmpfs"}, {Destination: "/dev/shm", Type: "tmpfs"}}, Linux: &specs.Linux{Resources: &specs.LinuxResources{}}}
	h := Hardening{Tmpfs: []string{"/var/cache/app"}, MemoryLimit: 64 << 20, PidsLimit: 20}
	harden(spec, h)
	e := enforcedFrom(spec, h, 3)
	if !slices.Equal(e.Tmpfs, []string{"/var/cache/app"}) || e.MemoryLimit != 64<<20 || e.PidsLimit != 20 || e.NoFile != NoFile {
		t.Errorf("enforced %+v", e)
	}
	if *spec.Linux.Resources.Memory.Swap != 64<<20 {
		t.Error("swap is not limited to the memory limit")
	}
}

// Without drops the named calls from every rule of a copy; the profile it
// was made from keeps them.
func TestProfileWithout(t *testing.T) {
	p := &Profile{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"read", "bind", "write"}, Action: specs.ActAllow},
		{Names: []string{"bind", "listen"}, Action: specs.ActAllow},
	}}
	q := p.Without("bind", "listen")
	if got := fmt.Sprint(q.Syscalls[0].Names, q.Syscalls[1].Names); got != "[read write] []" {
		t.Errorf("Without: %s", got)
	}
	if got := fmt.Sprint(p.Syscalls[0].Names, p.Syscalls[1].Names); got != "[read bind write] [bind listen]" {
		t.Errorf("the original changed: %s", got)
	}
}
