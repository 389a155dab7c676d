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
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/docker/go-units"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/layer"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/userspec"
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

// expectations are what the image is checked against, with where each
// came from (for the report's details).
type expectations struct {
	port       int
	portFrom   string
	healthPath string
	// tcp makes the port check a TCP connect: --tcp, or a slipway.toml
	// whose healthcheck is the gRPC health service or a probe binary (no
	// HTTP path is known; the HEALTHCHECK row proves health).
	tcp        bool
	budget     int64
	budgetFrom string
	noShell    bool
	shellWhy   string // why a shell is or is not expected
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

// expect works out the port, health path, size budget and shell claim from
// the options, then slipway.toml, then the image.
func expect(o Options, set *templates.Set, proj *generate.Resolved, cf *v1.ConfigFile) (expectations, error) {
	var e expectations
	switch {
	case o.Port != 0:
		e.port, e.portFrom = o.Port, "--port"
	case proj != nil && proj.Project.Port != 0:
		e.port, e.portFrom = proj.Project.Port, "slipway.toml"
	default:
		var ports []int
		for k := range cf.Config.ExposedPorts {
			num, proto, _ := strings.Cut(k, "/")
			if n, err := strconv.Atoi(num); err == nil && (proto == "" || proto == "tcp") {
				ports = append(ports, n)
			}
		}
		sort.Ints(ports)
		if len(ports) > 0 {
			e.port, e.portFrom = ports[0], "the image's EXPOSE"
		}
	}
	switch {
	case o.HealthPath != "":
		e.healthPath = o.HealthPath
	case proj != nil && proj.Project.Healthcheck.HTTPPath != "":
		e.healthPath = proj.Project.Healthcheck.HTTPPath
	case proj != nil && (proj.Project.Healthcheck.GRPC || proj.Project.Healthcheck.Binary != ""):
		e.tcp = true
	default:
		e.healthPath = "/healthz"
	}
	if o.TCPOnly {
		e.tcp = true
	}
	if !strings.HasPrefix(e.healthPath, "/") && !e.tcp {
		e.healthPath = "/" + e.healthPath
	}
	switch {
	case o.SizeBudget > 0:
		e.budget, e.budgetFrom = o.SizeBudget, "--size-budget"
	case proj != nil && proj.Project.SizeBudget != "":
		n, err := units.FromHumanSize(proj.Project.SizeBudget)
		if err != nil {
			return e, fmt.Errorf("%s: size_budget: %w", o.Config, err)
		}
		e.budget, e.budgetFrom = n, "slipway.toml"
	}
	e.noShell, e.shellWhy = shellClaim(set, proj, cf)
	return e, nil
}

// shellClaim reports whether the image is promised to have no shell: its
// slipway.toml base is a catalogue entry without one, or the base is named
// distroless (in slipway.toml or the image's base-name label).
func shellClaim(set *templates.Set, proj *generate.Resolved, cf *v1.ConfigFile) (bool, string) {
	label := ""
	if cf.Config.Labels != nil {
		label = cf.Config.Labels["org.opencontainers.image.base.name"]
	}
	if proj != nil {
		b := proj.Base
		if _, ok := set.Bases[proj.Project.Base]; ok {
			// A catalogue entry states whether it has a shell.
			if b.Shell {
				return false, fmt.Sprintf("base %s ships a shell", b.Key)
			}
			return true, fmt.Sprintf("base %s has no shell", b.Key)
		}
		if strings.Contains(proj.BaseRef, "distroless") {
			return true, fmt.Sprintf("base %s is distroless", proj.BaseRef)
		}
	}
	if strings.Contains(label, "distroless") || label == "scratch" {
		return true, fmt.Sprintf("the image's base label says %s", label)
	}
	return false, "no shell-less claim (no slipway.toml base without a shell, no distroless base label)"
}

func checkStatic(rep *Report, rootfs string, exp expectations) error {
	if !exp.noShell {
		rep.add(CheckNoShell, "no shell in a shell-less image", Skip, "%s", exp.shellWhy)
	} else {
		shells, err := findShells(rootfs)
		if err != nil {
			return fmt.Errorf("looking for shells: %w", err)
		}
		rep.Shells = shells
		if len(shells) == 0 {
			rep.add(CheckNoShell, "no shell in a shell-less image", Pass, "%s, and none of %s exists", exp.shellWhy, shellSummary)
		} else {
			rep.add(CheckNoShell, "no shell in a shell-less image", Fail, "%s, yet the image has %s", exp.shellWhy, strings.Join(shells, ", "))
		}
	}

	priv, err := findPrivileged(rootfs)
	if err != nil {
		return fmt.Errorf("looking for setuid files: %w", err)
	}
	rep.Privileged = priv
	if len(priv) == 0 {
		rep.add(CheckNoSetuid, "no setuid/setgid files", Pass, "no file has the setuid or setgid bit")
	} else {
		var l []string
		for _, p := range priv {
			l = append(l, p.Path+" ("+p.Bits+")")
		}
		rep.add(CheckNoSetuid, "no setuid/setgid files", Fail, "%d file(s): %s", len(priv), strings.Join(l, ", "))
	}

	sizes := fmt.Sprintf("compressed %s, unpacked %s", human(rep.CompressedBytes), human(rep.UnpackedBytes))
	switch {
	case exp.budget == 0:
		rep.add(CheckSize, "image size within budget", Skip, "%s; no budget (set size_budget in slipway.toml or --size-budget)", sizes)
	case rep.CompressedBytes <= exp.budget:
		rep.add(CheckSize, "image size within budget", Pass, "%s; budget %s (%s)", sizes, human(exp.budget), exp.budgetFrom)
	default:
		rep.add(CheckSize, "image size within budget", Fail, "%s; over the budget of %s (%s) by %s", sizes, human(exp.budget), exp.budgetFrom, human(rep.CompressedBytes-exp.budget))
	}
	return nil
}

func human(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }

// runtimeChecks are the rows that need a running container, in order.
var runtimeChecks = []struct{ id, name string }{
	{CheckNonRoot, "runs as non-root"},
	{CheckPort, "port answers"},
	{CheckHealthcheck, "HEALTHCHECK passes"},
	{CheckReadOnly, "read-only root enforced"},
}

func failRuntime(rep *Report, o Options, why string) {
	for _, c := range runtimeChecks {
		rep.add(c.id, c.name, Fail, "%s", why)
	}
	for _, p := range execProbes(o) {
		rep.add(p.id, p.name(), Fail, "%s", why)
	}
}

func checkRuntime(ctx context.Context, rep *Report, c *container, u User, resolved userspec.Resolved, cf *v1.ConfigFile, exp expectations, o Options) {
	timeout, hostNet := o.Timeout, o.HostNetwork
	name := func(id string) string {
		for _, r := range runtimeChecks {
			if r.id == id {
				return r.name
			}
		}
		return id
	}
	exited := func() string { return "the container's process exited" + c.logTail(8) }

	// Non-root: the uids of the container's init process, from the host.
	if ids, err := procUIDs(c.pid); err != nil || !c.running() {
		rep.add(CheckNonRoot, name(CheckNonRoot), Fail, "%s", exited())
	} else if root := containsZero(ids); root {
		rep.add(CheckNonRoot, name(CheckNonRoot), Fail, "process %d runs as uid %v (real, effective, saved, fs): root; image USER is %q", c.pid, ids, cf.Config.User)
	} else if resolved.Ambiguous() && resolved.AnyRoot() {
		// runc ran the first passwd line; a runtime reading another line,
		// or a later edit of the file, runs the same image as root.
		rep.add(CheckNonRoot, name(CheckNonRoot), Fail, "image USER %q is defined on /etc/passwd lines %v with uids %v, one of them 0: it ran as uid %d here, but which line wins is the runtime's choice", cf.Config.User, resolved.Lines, resolved.UIDs, ids[1])
	} else {
		rep.add(CheckNonRoot, name(CheckNonRoot), Pass, "uid %d (image USER %q, run as %s)", ids[1], cf.Config.User, u)
	}

	// The port.
	if exp.port == 0 {
		rep.add(CheckPort, name(CheckPort), Skip, "no port: pass --port or set port in slipway.toml")
	} else {
		dial := netnsDialer(fmt.Sprintf("/proc/%d/ns/net", c.pid))
		if hostNet {
			dial = (&net.Dialer{}).DialContext
		}
		if exp.tcp {
			checkTCP(ctx, rep, c, dial, exp, timeout, name(CheckPort))
		} else {
			checkHTTP(ctx, rep, c, dial, exp, timeout, name(CheckPort))
		}
	}

	// The image's own HEALTHCHECK, run inside the container as its user.
	checkHealth(ctx, rep, c, u, cf, timeout, name(CheckHealthcheck))

	// The caller's exec probes, once the service is up.
	for _, p := range execProbes(o) {
		runProbe(ctx, rep, c, u, p, timeout)
	}

	// Read-only root: try to create a file through /proc/PID/root, as host
	// root, so the answer does not depend on the image having a touch or on
	// the user's permissions: only the read-only mount can refuse it.
	if !c.running() {
		rep.add(CheckReadOnly, name(CheckReadOnly), Fail, "%s", exited())
		return
	}
	probe := fmt.Sprintf("/proc/%d/root/.slipway-verify-%s", c.pid, c.id)
	f, err := os.OpenFile(probe, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	switch {
	case err == nil:
		f.Close()
		os.Remove(probe)
		rep.add(CheckReadOnly, name(CheckReadOnly), Fail, "creating a file in / succeeded: the root filesystem is writable")
	case errors.Is(err, syscall.EROFS):
		rep.add(CheckReadOnly, name(CheckReadOnly), Pass, "creating a file in / fails with EROFS, even for root")
	default:
		rep.add(CheckReadOnly, name(CheckReadOnly), Fail, "creating a file in /: %v (want EROFS)", err)
	}
}

func containsZero(ids []int) bool {
	if len(ids) < 2 {
		return true
	}
	for _, id := range ids {
		if id == 0 {
			return true
		}
	}
	return false
}

// checkHealth runs the image's HEALTHCHECK like Docker would: exec form
// directly, CMD-SHELL through /bin/sh -c, as the container's user, until it
// exits 0 or timeout passes.
func checkHealth(ctx context.Context, rep *Report, c *container, u User, cf *v1.ConfigFile, timeout time.Duration, name string) {
	hc := cf.Config.Healthcheck
	if hc == nil || len(hc.Test) == 0 {
		rep.add(CheckHealthcheck, name, Skip, "the image has no HEALTHCHECK")
		return
	}
	var args []string
	switch hc.Test[0] {
	case "NONE":
		rep.add(CheckHealthcheck, name, Skip, "HEALTHCHECK NONE")
		return
	case "CMD":
		args = hc.Test[1:]
	case "CMD-SHELL":
		if ok, _ := present(filepath.Join(c.bundle, "rootfs"), "/bin/sh"); !ok {
			rep.add(CheckHealthcheck, name, Fail, "HEALTHCHECK CMD-SHELL %q needs /bin/sh, which the image does not have: use the exec form", strings.Join(hc.Test[1:], " "))
			return
		}
		args = append([]string{"/bin/sh", "-c"}, hc.Test[1:]...)
	default:
		rep.add(CheckHealthcheck, name, Fail, "unknown HEALTHCHECK test type %q", hc.Test[0])
		return
	}
	if len(args) == 0 {
		rep.add(CheckHealthcheck, name, Fail, "HEALTHCHECK has an empty command")
		return
	}
	each := hc.Timeout
	if each <= 0 || each > timeout {
		each = timeout
	}
	shown := strings.Join(args, " ")
	deadline := time.Now().Add(timeout)
	var out []byte
	code, attempts := -1, 0
	var err error
	for {
		attempts++
		out, code, err = c.exec(ctx, u, each, args...)
		if err == nil && code == 0 {
			rep.add(CheckHealthcheck, name, Pass, "`%s` exited 0 (attempt %d)", shown, attempts)
			return
		}
		if ctx.Err() != nil || !c.running() || time.Now().Add(time.Second).After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	msg := strings.TrimSpace(string(out))
	if len(msg) > 300 {
		msg = "…" + msg[len(msg)-300:]
	}
	switch {
	case !c.running():
		rep.add(CheckHealthcheck, name, Fail, "`%s`: %s", shown, "the container's process exited"+c.logTail(8))
	case err != nil:
		rep.add(CheckHealthcheck, name, Fail, "`%s`: %v %s", shown, err, msg)
	default:
		rep.add(CheckHealthcheck, name, Fail, "`%s` exited %d after %d attempt(s) in %s: %s", shown, code, attempts, timeout, msg)
	}
}

// checkHTTP is the port check for an HTTP service: GET the health path
// until it answers 2xx.
func checkHTTP(ctx context.Context, rep *Report, c *container, dial dialFunc, exp expectations, timeout time.Duration, name string) {
	exited := func() string { return "the container's process exited" + c.logTail(8) }
	url := fmt.Sprintf("http://127.0.0.1:%d%s", exp.port, exp.healthPath)
	res := probeHTTP(ctx, dial, url, timeout, c.running)
	switch {
	case res.OK:
		rep.add(CheckPort, name, Pass, "GET %s → %d after %s (port from %s)", url, res.Status, res.Elapsed.Round(time.Millisecond), exp.portFrom)
	case !c.running():
		rep.add(CheckPort, name, Fail, "GET %s: %s", url, exited())
	case res.Status != 0:
		rep.add(CheckPort, name, Fail, "GET %s → %d, not 2xx, for %s", url, res.Status, timeout)
	default:
		rep.add(CheckPort, name, Fail, "GET %s: no answer within %s (%v)%s", url, timeout, res.Err, c.logTail(8))
	}
}

// checkTCP is the port check for a service that does not speak HTTP: a TCP
// connection to the port is accepted.
func checkTCP(ctx context.Context, rep *Report, c *container, dial dialFunc, exp expectations, timeout time.Duration, name string) {
	addr := fmt.Sprintf("127.0.0.1:%d", exp.port)
	res := probeTCP(ctx, dial, addr, timeout, c.running)
	switch {
	case res.OK:
		rep.add(CheckPort, name, Pass, "TCP connect to %s accepted after %s (port from %s)", addr, res.Elapsed.Round(time.Millisecond), exp.portFrom)
	case !c.running():
		rep.add(CheckPort, name, Fail, "TCP connect to %s: the container's process exited%s", addr, c.logTail(8))
	default:
		rep.add(CheckPort, name, Fail, "TCP connect to %s: no connection within %s (%v)%s", addr, timeout, res.Err, c.logTail(8))
	}
}

// probe is one exec probe of Options.Exec or Options.ExecFail.
type probe struct {
	id       string
	args     []string
	mustFail bool
}

func (p probe) name() string {
	cmd := strings.Join(p.args, " ")
	if r := []rune(cmd); len(r) > 48 {
		cmd = string(r[:47]) + "…"
	}
	if p.mustFail {
		return "exec (must fail): " + cmd
	}
	return "exec: " + cmd
}

// execProbes numbers the probes: Options.Exec first, then ExecFail.
func execProbes(o Options) []probe {
	var out []probe
	for _, a := range o.Exec {
		out = append(out, probe{id: fmt.Sprintf("%s%d", CheckExec, len(out)+1), args: a})
	}
	for _, a := range o.ExecFail {
		out = append(out, probe{id: fmt.Sprintf("%s%d", CheckExec, len(out)+1), args: a, mustFail: true})
	}
	return out
}

// runProbe runs p once inside the container as u and adds its row and its
// result.
func runProbe(ctx context.Context, rep *Report, c *container, u User, p probe, timeout time.Duration) {
	shown := strings.Join(p.args, " ")
	res := ExecResult{ID: p.id, Args: p.args, MustFail: p.mustFail, ExitCode: -1}
	if !c.running() {
		rep.Execs = append(rep.Execs, res)
		rep.add(p.id, p.name(), Fail, "`%s`: the container's process exited%s", shown, c.logTail(8))
		return
	}
	out, code, err := c.exec(ctx, u, timeout, p.args...)
	res.Output = strings.TrimSpace(string(out))
	if len(res.Output) > 4096 {
		res.Output = res.Output[len(res.Output)-4096:]
	}
	tail := ""
	if lines := textsafe.Tail(res.Output, 6); lines != "" {
		tail = "\n  output:\n    " + strings.ReplaceAll(lines, "\n", "\n    ")
	}
	if err == nil {
		res.ExitCode = code
	}
	rep.Execs = append(rep.Execs, res)
	switch {
	case err != nil:
		rep.add(p.id, p.name(), Fail, "`%s`: %v%s", shown, err, tail)
	case !p.mustFail && code == 0:
		rep.add(p.id, p.name(), Pass, "`%s` exited 0", shown)
	case !p.mustFail:
		rep.add(p.id, p.name(), Fail, "`%s` exited %d%s", shown, code, tail)
	case code != 0 && execFailedToStart(res.Output):
		// runc's own failure (no such binary) is not the refusal the
		// probe expects.
		rep.add(p.id, p.name(), Fail, "`%s` could not run%s", shown, tail)
	case code != 0:
		rep.add(p.id, p.name(), Pass, "`%s` exited %d, as it must: %s", shown, code, textsafe.Tail(res.Output, 1))
	default:
		rep.add(p.id, p.name(), Fail, "`%s` exited 0, but it must fail%s", shown, tail)
	}
}

// execFailedToStart reports whether runc exec's output says the command
// itself could not be started (not found, not executable).
func execFailedToStart(out string) bool {
	return strings.Contains(out, "exec failed: unable to start container process") ||
		strings.Contains(out, "executable file not found")
}

// makeVolumes creates, under dir, an empty directory for each VOLUME of
// cfg, owned by u and with the mode of the image's own directory there
// (0755 when the image has none).
func makeVolumes(cfg v1.Config, rootfs, dir string, u User) ([]volumeMount, error) {
	paths, err := imageVolumes(cfg)
	if err != nil || len(paths) == 0 {
		return nil, err
	}
	var out []volumeMount
	for i, p := range paths {
		src := filepath.Join(dir, strconv.Itoa(i))
		if err := os.MkdirAll(src, 0o700); err != nil {
			return nil, fmt.Errorf("creating a directory for VOLUME %s: %w", p, err)
		}
		mode := os.FileMode(0o755)
		if in, err := ResolveIn(rootfs, p); err == nil {
			if fi, err := os.Stat(in); err == nil && fi.IsDir() {
				mode = fi.Mode().Perm()
			}
		}
		if err := os.Chown(src, int(u.UID), int(u.GID)); err != nil {
			return nil, fmt.Errorf("creating a directory for VOLUME %s: %w", p, err)
		}
		if err := os.Chmod(src, mode); err != nil {
			return nil, fmt.Errorf("creating a directory for VOLUME %s: %w", p, err)
		}
		out = append(out, volumeMount{Path: p, Source: src})
	}
	return out, nil
}

// usage counts the regular files under dir and their bytes.
func usage(dir string) (files int, bytes int64) {
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			files++
			bytes += fi.Size()
		}
		return nil
	})
	return files, bytes
}
