package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/go-units"
)

// Learned is the outcome of Learn: the two runs, and, when the enforced
// one passed, the profile and the confinement it proved.
type Learned struct {
	// Recording is the first run, every call recorded.
	Recording *Report
	// Enforced is the second run, under Profile and Hardening; nil when
	// the recording failed a check.
	Enforced *Report
	// Profile is the learned profile and ProfileJSON its exact bytes, the
	// file the enforced run loaded.
	Profile     *Profile
	ProfileJSON []byte
	// Hardening is what the enforced run applied, with Seccomp naming the
	// file the caller is to write ProfileJSON to.
	Hardening Hardening
	// Observation is what the recording saw.
	Observation *Observation
}

// Proven reports whether both runs passed every check: only then may the
// profile and the deploy files be written.
func (l *Learned) Proven() bool {
	return l.Recording != nil && !l.Recording.Failed() && l.Enforced != nil && !l.Enforced.Failed()
}

// Learn runs o's image twice. The first run records every system call of
// the service, its HEALTHCHECK and exec probes, the paths it writes, its
// peak memory and processes and the ports it listens on, under verify's
// usual confinement. From that it makes a profile (the observed calls plus
// a small baseline; everything else is refused with EPERM) and runs the
// image again with the profile enforced, the observed write paths as the
// only tmpfs mounts and memory and pids limits at a margin over the peaks
// (see Limits). profileFile is where the caller will write the profile; it
// is named in the Hardening, not written here: the caller writes it (and
// the deploy files) only when Proven.
func Learn(ctx context.Context, o Options, profileFile string) (*Learned, error) {
	if _, err := arch(); err != nil {
		return nil, err
	}
	logw := o.Log
	rec := o
	rec.record = true
	rec.Harden = Hardening{}
	if logw != nil {
		fmt.Fprintln(logw, "learning: first run, recording every system call (seccomp user notification)")
	}
	r1, err := Run(ctx, rec)
	if err != nil {
		return nil, err
	}
	l := &Learned{Recording: r1, Observation: r1.Observed}
	if r1.Failed() || r1.Observed == nil {
		return l, nil
	}
	ob := r1.Observed
	mem, pids := Limits(ob)
	l.Hardening = Hardening{Seccomp: profileFile, Tmpfs: ob.WritableMounts, MemoryLimit: mem, PidsLimit: pids}
	// The enforced run loads the profile from a file, as a runtime would.
	dir, err := os.MkdirTemp(o.WorkDir, "slipway-learn-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "seccomp.json")

	// A runtime's timing makes a few calls appear in one run and not the
	// next (a Go program's runtime starts threads as it goes). A call the
	// enforced run was refused is one the service makes: it joins the
	// profile and the enforced run starts again, up to maxEnforced times.
	// What is written is always the profile of the last, passing, run.
	calls := append([]string{}, ob.Syscalls...)
	var late []string
	for attempt := 1; ; attempt++ {
		prof, err := NewProfile(calls, nil)
		if err != nil {
			return nil, err
		}
		prof.Comment = profileComment(r1, prof, l.Hardening, late)
		b, err := prof.Marshal()
		if err != nil {
			return nil, err
		}
		l.Profile, l.ProfileJSON = prof, b
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			return nil, err
		}
		enf := o
		enf.Harden = l.Hardening
		enf.Harden.Seccomp = tmp
		if logw != nil {
			fmt.Fprintf(logw, "learning: enforced run %d, %d allowed calls, tmpfs %v, memory %s, pids %d\n",
				attempt, len(prof.Allowed()), ob.WritableMounts, units.BytesSize(float64(mem)), pids)
		}
		r2, err := Run(ctx, enf)
		if err != nil {
			return nil, err
		}
		if r2.Enforced != nil {
			r2.Enforced.Seccomp = profileFile
		}
		// The run loaded a temporary copy; name the file it becomes.
		for i := range r2.Rows {
			r2.Rows[i].Detail = strings.ReplaceAll(r2.Rows[i].Detail, tmp, profileFile+" (to be written)")
		}
		l.Enforced = r2
		if !r2.Failed() || r2.Enforced == nil || len(r2.Enforced.DeniedCalls) == 0 || attempt == maxEnforced {
			return l, nil
		}
		if logw != nil {
			fmt.Fprintf(logw, "learning: the enforced run made %s, unseen before: adding and running again\n", strings.Join(r2.Enforced.DeniedCalls, ", "))
		}
		late = append(late, r2.Enforced.DeniedCalls...)
		calls = append(calls, r2.Enforced.DeniedCalls...)
	}
}

// maxEnforced is how many enforced runs Learn makes at most.
const maxEnforced = 3

// profileComment says how the profile was made. It holds no time and no
// host name, so learning the same image twice gives the same file.
func profileComment(r *Report, p *Profile, h Hardening, late []string) []string {
	ob := r.Observed
	probe := "its port"
	if r.HealthPath != "" {
		probe = fmt.Sprintf("GET %s on port %d", r.HealthPath, r.Port)
	} else if r.Port != 0 {
		probe = fmt.Sprintf("a TCP connect to port %d", r.Port)
	}
	return []string{
		fmt.Sprintf("Learned by `slipway verify --learn` from image %s on %s.", r.Digest, p.Architectures[0]),
		fmt.Sprintf("The service made %d distinct system calls (seen through seccomp user notification) while it started, answered %s, passed its HEALTHCHECK and the exec probes, run read-only, without capabilities, with no-new-privileges and in its own network namespace.", len(ob.Syscalls), probe),
		fmt.Sprintf("Allowed: those calls%s plus a baseline of %d every process needs (%d names); every other call fails with EPERM.", lateNote(late), len(baselineCalls), len(p.Allowed())),
		fmt.Sprintf("Proven by a second run with this profile enforced, tmpfs only at %s, memory limit %d bytes and pids limit %d: it passed every check.", strings.Join(orNone(h.Tmpfs), ", "), h.MemoryLimit, h.PidsLimit),
		"A call it makes only later (a code path the checks did not reach) is refused: run `slipway verify IMAGE --seccomp deploy/seccomp.json` with --exec probes that reach it, or learn again with them.",
	}
}

func orNone(l []string) []string {
	if len(l) == 0 {
		return []string{"(none)"}
	}
	return l
}

// SHA256 is the hex digest of b, for comparing the profile a run enforced
// with the file on disk.
func SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func lateNote(late []string) string {
	if len(late) == 0 {
		return ""
	}
	return ", " + strings.Join(late, ", ") + " (made in an enforced run only)"
}
