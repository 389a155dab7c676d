// Package lab runs the local test lab: a real BuildKit daemon, a loopback
// registry that mirrors docker.io, gcr.io and the other registries the base
// catalogue names, and stand-in base images built offline from Debian packages
// and the machine's own toolchains. Tests, `make demo` and `make bench` use it.
// It imports BuildKit's client only to dial its daemon and see it answer
// (buildkitd.go): it builds nothing through BuildKit, the stand-ins are
// assembled offline (debootstrap, apt in a chroot, the host's files) and
// written as layers with go-containerregistry.
//
// The stand-ins: recipes.go lists them (names, recipe inputs, parents
// first), debian.go makes the debootstrap rootfs and apt layers, distroless.go
// assembles the distroless-style images from Debian packages, host.go lends
// the machine's Go, Node and CA certificates, standins.go builds, caches and
// pushes them; gostandins.go and recipes_<language>.go hold one toolchain
// each.
package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/slipway/slipway/internal/checkout"
)

// Environment variables that describe a running lab.
const (
	EnvBuildkitHost = "BUILDKIT_HOST"
	EnvRegistry     = "SLIPWAY_LAB_REGISTRY"
	EnvDir          = "SLIPWAY_LAB_DIR"
)

// Options configures Start and Stop.
type Options struct {
	// Dir is the state root; default "<repo>/.lab", or $SLIPWAY_LAB_DIR.
	Dir string
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Daemons is how many buildkitd daemons Start keeps running (default
	// 1): the first is BUILDKIT_HOST, the others have their own roots and
	// sockets under daemons/ and share only the registry.
	Daemons int
}

// Lab describes a running lab.
type Lab struct {
	Dir          string
	BuildkitHost string // unix:///.../buildkitd.sock
	Registry     string // 127.0.0.1:PORT
	// Builders are the pool's daemons, BuildkitHost first.
	Builders []string
}

// Env returns the environment lines that point clients at the lab.
func (l *Lab) Env() []string {
	env := []string{EnvBuildkitHost + "=" + l.BuildkitHost, EnvRegistry + "=" + l.Registry}
	if len(l.Builders) > 0 {
		env = append(env, EnvBuilders+"="+strings.Join(l.Builders, ","))
	}
	return env
}

// FromEnv describes the lab named by BUILDKIT_HOST and SLIPWAY_LAB_REGISTRY.
// It does not check that the lab answers.
func FromEnv() (*Lab, error) {
	host, reg := os.Getenv(EnvBuildkitHost), os.Getenv(EnvRegistry)
	var missing []string
	if host == "" {
		missing = append(missing, EnvBuildkitHost)
	}
	if reg == "" {
		missing = append(missing, EnvRegistry)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s not set (`eval \"$(slipway-lab env)\"` sets them for a running lab)", strings.Join(missing, " and "))
	}
	dir := os.Getenv(EnvDir)
	if dir == "" {
		if p, ok := strings.CutPrefix(host, "unix://"); ok {
			dir = filepath.Dir(p)
		}
	}
	l := &Lab{Dir: dir, BuildkitHost: host, Registry: reg}
	if b := os.Getenv(EnvBuilders); b != "" {
		l.Builders = strings.Split(b, ",")
	}
	return l, nil
}

// paths are the files of a lab directory.
type paths struct{ root string }

func (p paths) join(s ...string) string { return filepath.Join(append([]string{p.root}, s...)...) }
func (p paths) state() string           { return p.join("state.json") }
func (p paths) lock() string            { return p.join("lab.lock") }
func (p paths) bin(name string) string  { return p.join("bin", name) }
func (p paths) socket() string          { return p.join("buildkitd.sock") }
func (p paths) logs(name string) string { return p.join("logs", name+".log") }
func (p paths) pid(name string) string  { return p.join("run", name+".pid") }

// state is what must stay fixed for the life of a lab.
type state struct {
	Port int `json:"port"`
}

func resolveDir(o Options) (string, error) {
	dir := o.Dir
	if dir == "" {
		dir = os.Getenv(EnvDir)
	}
	if dir == "" {
		root, err := checkout.Root()
		if err != nil {
			return "", fmt.Errorf("no lab dir given and %w", err)
		}
		dir = filepath.Join(root, ".lab")
	}
	return filepath.Abs(dir)
}

func logf(w io.Writer, format string, args ...any) {
	if w == nil {
		return
	}
	fmt.Fprintf(w, "lab: "+format+"\n", args...)
}

// lockDir takes an exclusive lock on the lab dir so concurrent Starts (test
// packages run in parallel) do not race; the returned func releases it.
func lockDir(ctx context.Context, p paths) (func(), error) {
	f, err := os.OpenFile(p.lock(), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", p.lock(), err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func loadState(p paths) (state, error) {
	var s state
	b, err := os.ReadFile(p.state())
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("reading %s: %w", p.state(), err)
	}
	return s, nil
}

func saveState(p paths, s state) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(p.state(), append(b, '\n'), 0o644)
}

func writeFileAtomic(name string, b []byte, mode os.FileMode) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, b, mode); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// portFree reports whether 127.0.0.1:port can be bound.
func portFree(port int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// Start brings the lab up and returns it. It is idempotent: a healthy running
// registry and daemon are reused, cached stand-in images are only pushed.
func Start(ctx context.Context, o Options) (*Lab, error) {
	if o.Daemons == 0 {
		o.Daemons = 1
	}
	if o.Daemons < 1 || o.Daemons > MaxDaemons {
		return nil, fmt.Errorf("--daemons %d: want 1 to %d", o.Daemons, MaxDaemons)
	}
	dir, err := resolveDir(o)
	if err != nil {
		return nil, err
	}
	p := paths{dir}
	for _, d := range []string{dir, p.join("bin"), p.join("logs"), p.join("run"), p.join("cache")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	unlock, err := lockDir(ctx, p)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := checkPrereqs(); err != nil {
		return nil, err
	}

	st, err := loadState(p)
	if err != nil {
		return nil, err
	}
	lab := &Lab{Dir: dir, BuildkitHost: "unix://" + p.socket()}
	if st.Port != 0 {
		lab.Registry = fmt.Sprintf("127.0.0.1:%d", st.Port)
	}
	if st.Port == 0 || (!registryHealthy(ctx, lab.Registry) && !portFree(st.Port)) {
		// First start, or the port was taken by something else since.
		if st.Port, err = freePort(); err != nil {
			return nil, err
		}
		if err := saveState(p, st); err != nil {
			return nil, err
		}
		lab.Registry = fmt.Sprintf("127.0.0.1:%d", st.Port)
	}
	if err := ensureRegistry(ctx, p, lab.Registry, o.Log); err != nil {
		return nil, err
	}
	if err := ensureBuildkitd(ctx, p, lab, o.Log); err != nil {
		return nil, err
	}
	if err := ensureStandIns(ctx, p, lab.Registry, o.Log); err != nil {
		return nil, err
	}
	if err := ensureExtraDaemons(ctx, p, lab, o.Daemons, o.Log); err != nil {
		return nil, err
	}
	lab.Builders = builders(p)
	return lab, nil
}

// Stop stops every lab process recorded in the lab dir.
func Stop(ctx context.Context, o Options) error {
	dir, err := resolveDir(o)
	if err != nil {
		return err
	}
	p := paths{dir}
	// buildkitd first: it may be pulling from the registry.
	errs := stopExtraDaemons(ctx, p, o.Log)
	for _, name := range []string{"buildkitd", "registry"} {
		if err := stopProcess(ctx, p, name, o.Log); err != nil {
			errs = append(errs, err)
		}
	}
	_ = os.Remove(p.socket())
	return errors.Join(errs...)
}

// Status describes the lab processes; it never starts anything.
type Status struct {
	Lab       Lab
	Registry  bool   // the registry answers /v2/
	Buildkitd bool   // buildkitd answers Info
	Version   string // buildkitd version, when it answers
}

// Check reports whether the lab in o.Dir is up.
func Check(ctx context.Context, o Options) (Status, error) {
	dir, err := resolveDir(o)
	if err != nil {
		return Status{}, err
	}
	p := paths{dir}
	st, err := loadState(p)
	if err != nil {
		return Status{}, err
	}
	s := Status{Lab: Lab{Dir: dir, BuildkitHost: "unix://" + p.socket(), Builders: builders(p)}}
	if st.Port != 0 {
		s.Lab.Registry = fmt.Sprintf("127.0.0.1:%d", st.Port)
		s.Registry = registryHealthy(ctx, s.Lab.Registry)
	}
	s.Version, err = buildkitInfo(ctx, s.Lab.BuildkitHost)
	s.Buildkitd = err == nil
	return s, nil
}

// Ping checks that the lab's registry and BuildKit daemon both answer.
func (l *Lab) Ping(ctx context.Context) error {
	if !registryHealthy(ctx, l.Registry) {
		return fmt.Errorf("the lab registry at %s does not answer", l.Registry)
	}
	if _, err := buildkitInfo(ctx, l.BuildkitHost); err != nil {
		return fmt.Errorf("BuildKit at %s does not answer: %w", l.BuildkitHost, err)
	}
	return nil
}
