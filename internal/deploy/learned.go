package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/verify"
)

// FromLearned fills a Service from a proven verify --learn: the user the
// runs ran as, the port and health check they probed, and the confinement
// the enforced run applied. ref is the image reference the files run.
func FromLearned(l *verify.Learned, name, ref string) (Service, error) {
	if !l.Proven() {
		return Service{}, fmt.Errorf("the learned profile was not proven: no deploy files")
	}
	r := l.Enforced
	uid, gid, err := splitUser(r.RunAs)
	if err != nil {
		return Service{}, err
	}
	s := Service{
		Name: name, Image: ref, Digest: r.Digest, UID: uid, GID: gid,
		Port: r.Port, HealthPath: r.HealthPath, HealthCmd: r.Healthcheck,
		Tmpfs: l.Hardening.Tmpfs, TmpfsSize: verify.TmpfsSize, TmpfsOptions: verify.TmpfsOptions,
		MemoryLimit: l.Hardening.MemoryLimit, PidsLimit: l.Hardening.PidsLimit, NoFile: verify.NoFile,
		Profile: l.ProfileJSON, EnvKeys: r.EnvKeys,
	}
	if r.Enforced != nil {
		s.NoFile = r.Enforced.NoFile
	}
	for _, v := range r.Volumes {
		s.Volumes = append(s.Volumes, v.Path)
	}
	return s, nil
}

func splitUser(u string) (uint32, uint32, error) {
	a, b, ok := strings.Cut(u, ":")
	uid, err1 := strconv.ParseUint(a, 10, 32)
	gid, err2 := strconv.ParseUint(b, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("the run's user %q is not uid:gid", u)
	}
	return uint32(uid), uint32(gid), nil
}

// ReadHardening reads the confinement a compose.yaml names for its first
// service: the seccomp file of security_opt (relative to the compose
// file's folder), the tmpfs paths, mem_limit and pids_limit. verify
// --seccomp runs with exactly these, so what is deployed is what is
// verified.
func ReadHardening(ctx context.Context, composeFile string) (verify.Hardening, error) {
	var h verify.Hardening
	b, err := os.ReadFile(composeFile)
	if err != nil {
		return h, err
	}
	p, _, err := LoadCompose(ctx, b)
	if err != nil {
		return h, fmt.Errorf("%s: %w", composeFile, err)
	}
	if len(p.Services) != 1 {
		return h, fmt.Errorf("%s: want one service, found %d", composeFile, len(p.Services))
	}
	for _, svc := range p.Services {
		for _, o := range svc.SecurityOpt {
			if f, ok := strings.CutPrefix(o, "seccomp="); ok {
				if f == "unconfined" {
					return h, fmt.Errorf("%s: services.%s.security_opt: seccomp=unconfined", composeFile, svc.Name)
				}
				if !filepath.IsAbs(f) {
					f = filepath.Join(filepath.Dir(composeFile), f)
				}
				h.Seccomp = f
			}
		}
		h.Tmpfs = []string{}
		for _, t := range svc.Tmpfs {
			path, opts, _ := strings.Cut(t, ":")
			if opts != "" && opts != verify.TmpfsOptions {
				return h, fmt.Errorf("%s: services.%s.tmpfs %q: verify mounts every tmpfs with %s; write that or nothing", composeFile, svc.Name, t, verify.TmpfsOptions)
			}
			h.Tmpfs = append(h.Tmpfs, path)
		}
		h.MemoryLimit = int64(svc.MemLimit)
		h.PidsLimit = svc.PidsLimit
	}
	return h, nil
}

// Stale lists why the deploy files in dir no longer hold for a new
// learn l, for --check: a file missing or edited by hand, the profile not
// allowing a call this run made, tmpfs mounts that differ, limits below
// this run's peaks, another image. Learning twice observes slightly
// different calls and peaks (a runtime's timing), so byte equality would
// report drift on every run; these are the differences that matter.
func Stale(ctx context.Context, dir string, l *verify.Learned, files map[string][]byte) ([]string, error) {
	var out []string
	changes, err := Plan(dir, files)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		switch c.State {
		case generate.New:
			out = append(out, c.Path+": missing")
		case generate.Edited:
			out = append(out, c.Path+": edited by hand")
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	prof, err := verify.LoadProfile(filepath.Join(dir, SeccompFile))
	if err != nil {
		return nil, err
	}
	allowed := map[string]bool{}
	for _, n := range prof.Allowed() {
		allowed[n] = true
	}
	var missing []string
	for _, n := range l.Observation.Syscalls {
		if !allowed[n] && !strings.HasPrefix(n, "unknown(") {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		out = append(out, fmt.Sprintf("%s: does not allow %s, which this run made", filepath.Join(dir, SeccompFile), strings.Join(missing, ", ")))
	}
	compose := filepath.Join(dir, ComposeFile)
	h, err := ReadHardening(ctx, compose)
	if err != nil {
		return nil, err
	}
	if strings.Join(h.Tmpfs, ",") != strings.Join(l.Hardening.Tmpfs, ",") {
		out = append(out, fmt.Sprintf("%s: tmpfs %v, this run wrote to %v", compose, h.Tmpfs, l.Hardening.Tmpfs))
	}
	if h.MemoryLimit < l.Observation.PeakMemory || h.PidsLimit < l.Observation.PeakPids {
		out = append(out, fmt.Sprintf("%s: limits (memory %d bytes, pids %d) below this run's peaks (%d bytes, %d)", compose, h.MemoryLimit, h.PidsLimit, l.Observation.PeakMemory, l.Observation.PeakPids))
	}
	if b, err := os.ReadFile(compose); err == nil && !strings.Contains(string(b), l.Enforced.Digest) {
		out = append(out, fmt.Sprintf("%s: written for another image than %s", compose, l.Enforced.Digest))
	}
	return out, nil
}
