package verify

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultPath is what container runtimes set when an image has no PATH.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// runtimeSpec writes the OCI runtime configuration that runs an image the
// way a hardened production runtime would: as the image's user, with a
// read-only root, no capabilities at all, no-new-privileges, a tmpfs /tmp,
// and its own pid, ipc, uts and mount namespaces. With hostNetwork false it
// also gets its own network namespace, where runc brings up only the
// loopback interface: the service is reachable from verify (which dials
// from inside that namespace) and from nothing else, and a port already
// taken on the host does not matter; as under Docker, ports below 1024
// need no capability there.
//
// extraEnv (KEY=VALUE) is added to the image's environment, replacing a
// variable of the same name. Each of volumes is bind-mounted, read-write,
// from its host directory: the image's VOLUMEs, writable on a read-only root.
func runtimeSpec(cfg v1.Config, u User, hostNetwork bool, extraEnv []string, volumes []volumeMount) (*specs.Spec, error) {
	args := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)
	if len(args) == 0 {
		return nil, errors.New("the image has neither ENTRYPOINT nor CMD: there is nothing to run")
	}
	env := mergeEnv(cfg.Env, extraEnv)
	hasPath := false
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			hasPath = true
		}
	}
	if !hasPath {
		env = append(env, defaultPath)
	}
	cwd := cfg.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	empty := []string{}
	ns := []specs.LinuxNamespace{
		{Type: specs.PIDNamespace},
		{Type: specs.IPCNamespace},
		{Type: specs.UTSNamespace},
		{Type: specs.MountNamespace},
	}
	var sysctl map[string]string
	if !hostNetwork {
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace})
		// As Docker does in every container's own network namespace (and
		// Kubernetes allows as a safe sysctl): any port is unprivileged, so
		// a non-root service may listen on :80 without NET_BIND_SERVICE.
		// The setting belongs to the container's namespace, not the host's.
		sysctl = map[string]string{"net.ipv4.ip_unprivileged_port_start": "0"}
	}
	mounts := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777", "size=65536k"}},
	}
	for _, v := range volumes {
		mounts = append(mounts, specs.Mount{Destination: v.Path, Type: "bind", Source: v.Source, Options: []string{"rbind", "rw", "nosuid", "nodev"}})
	}
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			User: specs.User{UID: u.UID, GID: u.GID},
			Args: args,
			Env:  env,
			Cwd:  cwd,
			Capabilities: &specs.LinuxCapabilities{
				Bounding: empty, Effective: empty, Inheritable: empty, Permitted: empty, Ambient: empty,
			},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "slipway-verify",
		Mounts:   mounts,
		Linux: &specs.Linux{
			Namespaces: ns,
			Sysctl:     sysctl,
			Resources: &specs.LinuxResources{
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			},
			MaskedPaths: []string{
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
			},
			ReadonlyPaths: []string{
				"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
			},
		},
	}, nil
}

// mergeEnv returns base with each KEY=VALUE of extra added, replacing a
// variable of the same name in place (the image's order is kept).
func mergeEnv(base, extra []string) []string {
	env := append([]string{}, base...)
	for _, kv := range extra {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, e := range env {
			if ek, _, _ := strings.Cut(e, "="); ek == k {
				env[i], replaced = kv, true
			}
		}
		if !replaced {
			env = append(env, kv)
		}
	}
	return env
}

// envKeys returns the names of env's KEY=VALUE pairs: what verify may print
// of them (values may be passwords).
func envKeys(env []string) []string {
	keys := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
	}
	return keys
}

// checkEnv rejects an entry of Options.Env that is not KEY=VALUE. The error
// names the key only.
func checkEnv(env []string) error {
	for i, kv := range env {
		k, _, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
			return fmt.Errorf("env entry %d (%q) is not KEY=VALUE", i+1, k)
		case k == "":
			return fmt.Errorf("env entry %d has no name before '='", i+1)
		case strings.ContainsAny(k, " \t\n\x00"):
			return fmt.Errorf("env name %q holds whitespace or NUL", k)
		case strings.ContainsRune(kv, 0):
			return fmt.Errorf("env %s: its value holds a NUL byte", k)
		}
	}
	return nil
}

// volumeMount is one of the image's VOLUMEs and the host directory that
// backs it.
type volumeMount struct {
	Path   string // in the container
	Source string // on the host
}

// imageVolumes returns the image's VOLUME paths, cleaned, sorted and
// without duplicates. A path that verify already mounts something on
// (/tmp, /proc, /dev, /sys) is left out; a relative path, or / itself, is an
// error.
func imageVolumes(cfg v1.Config) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for v := range cfg.Volumes {
		if !strings.HasPrefix(v, "/") {
			return nil, fmt.Errorf("VOLUME %q is not an absolute path", v)
		}
		p := path.Clean(v)
		if p == "/" {
			return nil, errors.New("VOLUME / would replace the whole root filesystem")
		}
		if seen[p] || reservedMount(p) {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// reservedMount reports whether p is, or is under, a path verify mounts
// itself.
func reservedMount(p string) bool {
	for _, r := range []string{"/proc", "/dev", "/sys", "/tmp"} {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}
