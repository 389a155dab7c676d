// Package verify runs a built image and checks that it keeps slipway's
// promises: it runs as a non-root user, answers on its port, passes its own
// HEALTHCHECK, has no shell when its base claims none, carries no setuid or
// setgid files, fits its size budget and runs with a read-only root. Extra
// exec probes (Options.Exec, Options.ExecFail) check what only the image's
// own tools can tell, such as a database answering a query.
//
// There is no Docker engine: the image (an OCI layout, an OCI tarball or a
// docker save tarball) is unpacked into an OCI runtime bundle by our own
// extraction code and run with runc, detached, as root, with every
// capability dropped and no-new-privileges set. The container gets its own
// network namespace with only a loopback interface; verify probes the
// service by dialing from inside that namespace, so nothing on the host can
// answer in its place and nothing in the container can reach out.
//
// Images that need configuration get it the way a runtime gives it:
// Options.Env is added to the image's environment (only the names are ever
// printed), and every VOLUME the image declares is an empty, writable
// directory owned by the image's user, bind-mounted from the work directory
// and removed with it.
package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/layer"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/templates"
)

// Options says what to verify and what to expect of it. Zero values mean
// "from slipway.toml, else from the image, else skip the check".
type Options struct {
	// Image is an OCI layout directory, an OCI layout tarball or a docker
	// save tarball.
	Image string
	// Config is the service's slipway.toml ("" for none). It supplies the
	// port, the HTTP health path, the size budget and the base (whether it
	// has a shell).
	Config string
	// Port is the TCP port the service must answer on.
	Port int
	// HealthPath is the path probed on Port (default: healthcheck.http_path,
	// else /healthz).
	HealthPath string
	// TCPOnly makes the port check a TCP connect instead of an HTTP GET,
	// for services that do not speak HTTP (databases, brokers).
	TCPOnly bool
	// Env is KEY=VALUE pairs added to the image's environment for the run,
	// replacing variables of the same name. Values may be secrets: the
	// report and the log name the keys only.
	Env []string
	// Exec are extra probes, each an argv run inside the container as its
	// user (exec form, no shell) once the port and HEALTHCHECK checks are
	// done. Each is a row that passes when it exits 0.
	Exec [][]string
	// ExecFail are probes that must fail: each is a row that passes when
	// the command runs and exits non-zero (a refused login, a denied
	// write). A probe that cannot run or times out fails the row.
	ExecFail [][]string
	// SizeBudget is the largest acceptable compressed size in bytes.
	SizeBudget int64
	// Timeout bounds the wait for the port, and again for the HEALTHCHECK
	// (default 30s).
	Timeout time.Duration
	// HostNetwork runs the container in the host's network namespace
	// instead of a loopback-only one of its own (for services that must
	// reach the network to start). The port must then be free on the host.
	HostNetwork bool
	// Runc is the runc binary (default "runc" on PATH).
	Runc string
	// WorkDir is where the temporary bundle is unpacked (default the
	// system temporary directory). It must allow exec and setuid files.
	WorkDir string
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Limits bound the unpacking (zero fields take their defaults).
	Limits layer.Limits
	// Harden confines the run further: a seccomp profile to enforce, the
	// only writable tmpfs mounts, memory and pids limits.
	Harden Hardening

	// record makes the run a recording one (set by Learn): every system
	// call goes through verify's seccomp agent, which lets it continue.
	record bool
}

// Status is a check's outcome.
type Status string

// Check outcomes.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Skip Status = "SKIP"
)

// Check ids, stable for --json consumers.
const (
	CheckNonRoot     = "non-root"
	CheckPort        = "port"
	CheckHealthcheck = "healthcheck"
	CheckNoShell     = "no-shell"
	CheckNoSetuid    = "no-setuid"
	CheckSize        = "size"
	CheckReadOnly    = "read-only-root"
	// CheckExec is the prefix of the exec probe rows: exec-1, exec-2, ...
	// numbered through Options.Exec, then Options.ExecFail.
	CheckExec = "exec-"
)

// Check is one row of the report.
type Check struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
}

// Report is the result of a verify run.
type Report struct {
	Image           string       `json:"image"`
	Digest          string       `json:"digest"`
	Config          string       `json:"config,omitempty"`
	ImageUser       string       `json:"image_user"`
	RunAs           string       `json:"run_as,omitempty"` // numeric uid:gid
	Network         string       `json:"network"`
	Port            int          `json:"port,omitempty"`
	HealthPath      string       `json:"health_path,omitempty"`
	CompressedBytes int64        `json:"compressed_bytes"`
	UnpackedBytes   int64        `json:"unpacked_bytes"`
	SizeBudgetBytes int64        `json:"size_budget_bytes,omitempty"`
	EnvKeys         []string     `json:"env_keys,omitempty"` // names from Options.Env, never values
	Volumes         []Volume     `json:"volumes,omitempty"`
	Execs           []ExecResult `json:"execs,omitempty"`
	Privileged      []Privileged `json:"privileged_files,omitempty"`
	Shells          []string     `json:"shells,omitempty"`
	ContainerLog    []string     `json:"container_log,omitempty"`
	Healthcheck     []string     `json:"healthcheck,omitempty"` // the image's HEALTHCHECK, exec form
	Observed        *Observation `json:"observed,omitempty"`    // a recording run's findings
	Enforced        *Enforced    `json:"enforced,omitempty"`    // what a hardened run applied
	Rows            []Check      `json:"checks"`
}

// Volume is one of the image's VOLUMEs as it was mounted for the run, and
// what the container wrote to it (counted before it was removed).
type Volume struct {
	Path  string `json:"path"`
	Files int    `json:"files"` // regular files
	Bytes int64  `json:"bytes"`
}

// ExecResult is the outcome of one exec probe.
type ExecResult struct {
	ID       string   `json:"id"` // the probe's row
	Args     []string `json:"args"`
	MustFail bool     `json:"must_fail,omitempty"`
	ExitCode int      `json:"exit_code"` // -1 when it did not run to an exit
	Output   string   `json:"output"`    // combined stdout and stderr, trimmed, at most 4 KiB (the end)
}

// Exec returns the result of the probe with row id, or nil.
func (r *Report) Exec(id string) *ExecResult {
	for i := range r.Execs {
		if r.Execs[i].ID == id {
			return &r.Execs[i]
		}
	}
	return nil
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	for _, c := range r.Rows {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// Row returns the check with the given id, or nil.
func (r *Report) Row(id string) *Check {
	for i := range r.Rows {
		if r.Rows[i].ID == id {
			return &r.Rows[i]
		}
	}
	return nil
}

// rowOrder is the order rows are reported in, whatever order they ran in.
var rowOrder = []string{CheckNonRoot, CheckPort, CheckHealthcheck, CheckNoShell, CheckNoSetuid, CheckSize, CheckReadOnly, CheckSeccomp}

func (r *Report) sortRows() {
	rank := func(id string) int {
		for i, o := range rowOrder {
			if o == id {
				return i
			}
		}
		return len(rowOrder)
	}
	sort.SliceStable(r.Rows, func(i, j int) bool { return rank(r.Rows[i].ID) < rank(r.Rows[j].ID) })
}

func (r *Report) add(id, name string, s Status, format string, args ...any) {
	r.Rows = append(r.Rows, Check{ID: id, Name: name, Status: s, Detail: fmt.Sprintf(format, args...)})
}

// Run verifies o.Image. The error is for problems that stop verify itself
// (no runc, an unreadable image, a bad slipway.toml); what the image gets
// wrong is in the report's rows. Run always removes its container and
// temporary files, also when ctx is canceled.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Runc == "" {
		o.Runc = "runc"
	}
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	if err := checkEnv(o.Env); err != nil {
		return nil, err
	}
	for _, p := range append(append([][]string{}, o.Exec...), o.ExecFail...) {
		if len(p) == 0 || p[0] == "" {
			return nil, errors.New("an exec probe has an empty command")
		}
	}
	var prof *Profile
	if o.Harden.Seccomp != "" && !o.record {
		var err error
		if prof, err = LoadProfile(o.Harden.Seccomp); err != nil {
			return nil, err
		}
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("verify runs the image with runc and must run as root (try sudo)")
	}
	runc, err := exec.LookPath(o.Runc)
	if err != nil {
		return nil, fmt.Errorf("finding runc: %w (install it: apt-get install runc)", err)
	}
	var proj *generate.Resolved
	var set *templates.Set
	if o.Config != "" {
		p, err := config.Load(o.Config)
		if err != nil {
			return nil, err
		}
		if set, err = generate.LoadTemplates(); err != nil {
			return nil, err
		}
		if proj, err = generate.Resolve(set, p, nil); err != nil {
			src, _ := os.ReadFile(o.Config)
			return nil, config.Locate(err, o.Config, src)
		}
	}

	work, err := os.MkdirTemp(o.WorkDir, "slipway-verify-")
	if err != nil {
		return nil, fmt.Errorf("creating a work directory: %w", err)
	}
	defer os.RemoveAll(work)
	if work, err = filepath.Abs(work); err != nil {
		return nil, err
	}

	img, err := image.OpenLocalContext(ctx, o.Image, work)
	if err != nil {
		return nil, err
	}
	rep := &Report{Image: o.Image, Config: o.Config, Network: "loopback only (own network namespace)"}
	defer rep.sortRows()
	if o.HostNetwork {
		rep.Network = "host"
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("reading image: %w", err)
	}
	rep.Digest = digest.String()
	mf, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading image manifest: %w", err)
	}
	rep.CompressedBytes = mf.Config.Size
	for _, l := range mf.Layers {
		rep.CompressedBytes += l.Size
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	rep.ImageUser = cf.Config.User
	if hc := cf.Config.Healthcheck; hc != nil && len(hc.Test) > 1 && hc.Test[0] == "CMD" {
		rep.Healthcheck = append([]string{}, hc.Test[1:]...)
	}
	exp, err := expect(o, set, proj, cf)
	if err != nil {
		return nil, err
	}
	rep.Port, rep.HealthPath, rep.SizeBudgetBytes = exp.port, exp.healthPath, exp.budget
	if exp.tcp {
		rep.HealthPath = ""
	}
	rep.EnvKeys = envKeys(o.Env)

	fmt.Fprintf(logw, "unpacking %s (%s)\n", textsafe.String(o.Image), textsafe.String(rep.Digest))
	bundle := filepath.Join(work, "bundle")
	rootfs := filepath.Join(bundle, "rootfs")
	if err := os.MkdirAll(rootfs, 0o755); err != nil {
		return nil, err
	}
	stats, err := Unpack(ctx, img, rootfs, o.Limits)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("unpacking %s: %w", o.Image, err)
	}
	rep.UnpackedBytes = stats.Bytes

	// Static checks: the root filesystem and the manifest.
	if err := checkStatic(rep, rootfs, exp); err != nil {
		return nil, err
	}

	// Runtime checks: run the container.
	u, resolved, uerr := resolveUser(rootfs, cf.Config.User)
	if uerr == nil {
		rep.RunAs = u.String()
	}
	var vols []volumeMount
	if uerr == nil {
		vols, uerr = makeVolumes(cf.Config, rootfs, filepath.Join(work, "volumes"), u)
	}
	var spec *specs.Spec
	var serr error
	if uerr == nil {
		spec, serr = runtimeSpec(cf.Config, u, o.HostNetwork, o.Env, vols)
	}
	switch {
	case uerr != nil:
		failRuntime(rep, o, "cannot run the image: "+uerr.Error())
		return rep, nil
	case serr != nil:
		failRuntime(rep, o, "cannot run the image: "+serr.Error())
		return rep, nil
	}
	if o.HostNetwork && exp.port != 0 && !portFree(exp.port) {
		return nil, fmt.Errorf("port %d is already in use on this host: with host networking verify would probe whatever listens there; free it or drop --host-network", exp.port)
	}
	state := filepath.Join(work, "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		return nil, err
	}
	c := &container{runc: runc, state: state, bundle: bundle, id: newID(), log: newTail(logTailBytes)}
	spec.Linux.CgroupsPath = cgroupPath(c.id)
	harden(spec, o.Harden)
	sc, err := seccompFor(spec, o, prof, filepath.Join(work, "seccomp.sock"))
	if err != nil {
		return nil, err
	}
	if sc.agent != nil {
		// Registered before teardown, so it runs after it: the agent
		// answers calls until the container is gone.
		defer sc.agent.stop()
	}
	if prof != nil {
		rep.Enforced = enforcedFrom(spec, o.Harden, len(prof.Allowed()))
	}
	fmt.Fprintf(logw, "running %s as %s with runc (container %s)\n", strings.Join(spec.Process.Args, " "), u, c.id)
	if len(rep.EnvKeys) > 0 {
		fmt.Fprintf(logw, "with env %s (values not shown)\n", strings.Join(rep.EnvKeys, ", "))
	}
	for _, v := range vols {
		fmt.Fprintf(logw, "volume %s: an empty directory owned by %s\n", v.Path, u)
	}
	defer func() {
		if err := c.teardown(); err != nil {
			fmt.Fprintf(logw, "warning: %v\n", err)
		}
	}()
	if err := c.start(ctx, spec); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		failRuntime(rep, o, "the container did not start: "+err.Error())
		sc.row(rep, o, prof)
		return rep, nil
	}
	smp := startSampler(spec.Linux.CgroupsPath)
	checkRuntime(ctx, rep, c, u, resolved, cf, exp, o)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if o.record {
		rep.Observed = observe(c, sc.agent, smp, vols)
	} else {
		smp.finish()
	}
	sc.row(rep, o, prof)
	rep.ContainerLog = tailLines(c.log, 20)
	for _, v := range vols {
		files, bytes := usage(v.Source)
		rep.Volumes = append(rep.Volumes, Volume{Path: v.Path, Files: files, Bytes: bytes})
	}
	return rep, nil
}
