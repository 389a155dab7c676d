// Package golden manages a team's golden base images: hardened images
// declared in TOML specs (golden/*.toml), rendered to Dockerfiles, built in
// dependency order through internal/build, pushed, and locked by digest in
// golden/golden.lock. It also tells which images are stale and which
// services (slipway.toml files) use which golden image.
//
// The stages are plain values passed between functions: Load reads specs,
// NewPlan orders them, Render turns one spec into a Dockerfile, Build runs
// the builds and returns a new Lock, Check compares a Lock with the specs
// and the registry, Users walks a tree of services. One file a phase:
// spec.go the spec types, load.go reading them, validate.go Validate,
// plan.go, render.go, build.go, audit.go, check.go and users.go the rest;
// registry access is internal/image's.
package golden

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/slipway/slipway/internal/goldenlock"
)

// GoldenPrefix marks a base that is another golden image: "golden:<name>".
const GoldenPrefix = goldenlock.Prefix

// Spec is one golden image, as written in golden/<name>.toml.
type Spec struct {
	// Name is the image's name; it must match the file name (base.toml: "base").
	Name string `toml:"name"`
	// Description becomes the org.opencontainers.image.description label.
	Description string `toml:"description,omitempty"`
	// Repository is where the image is pushed, below the registry prefix
	// (default "golden/<name>").
	Repository string `toml:"repository,omitempty"`
	// Tags are pushed along with the digest (default ["latest"]).
	Tags []string `toml:"tags,omitempty"`
	// From is the base: an image reference (docker.io/library/debian:bookworm-slim)
	// or "golden:<name>" for another golden image.
	From string `toml:"from"`
	// Packages are installed in one RUN with cleanup.
	Packages Packages `toml:"packages,omitempty"`
	// Files are copied from the spec's folder before packages are installed,
	// so that they can preseed a package's configuration.
	Files []File `toml:"file,omitempty"`
	// User is the runtime user; a spec FROM golden:<name> may leave it out
	// and inherit its parent's.
	User *User `toml:"user,omitempty"`
	// Env, Labels, Ports, Volumes, Workdir, Entrypoint, Cmd and Healthcheck
	// are the image config.
	Env         map[string]string `toml:"env,omitempty"`
	Labels      map[string]string `toml:"labels,omitempty"`
	Ports       []int             `toml:"ports,omitempty"`
	Volumes     []string          `toml:"volumes,omitempty"`
	Workdir     string            `toml:"workdir,omitempty"`
	Entrypoint  []string          `toml:"entrypoint,omitempty"`
	Cmd         []string          `toml:"cmd,omitempty"`
	Healthcheck *Healthcheck      `toml:"healthcheck,omitempty"`
	// Keep, when set, is "distroless mode" taken further: the final image
	// holds only these paths (plus /etc/passwd, /etc/group and the user's
	// home), copied from the build stage onto an empty image.
	Keep []string `toml:"keep,omitempty"`
	// Hardening switches; every one defaults to true.
	Hardening Hardening `toml:"hardening"`

	// File is the spec's path and Dir its folder (files are relative to it);
	// Src is the spec's source. They are set by Load.
	File string `toml:"-"`
	Dir  string `toml:"-"`
	Src  []byte `toml:"-"`
}

// Packages are the OS packages to install: apt for Debian-based images, apk
// for Alpine-based ones. A version may be pinned: "tzdata=2024a-0+deb12u1".
type Packages struct {
	// Manager is apt or apk; default: apk when apk packages are listed or
	// the base looks like Alpine or Wolfi, else the golden parent's, else apt.
	Manager string `toml:"manager,omitempty"`
	// Apt and Apk are the package names ("tzdata", "tzdata=2024a-0+deb12u1"),
	// installed with no recommends and their caches removed.
	Apt []string `toml:"apt,omitempty"`
	Apk []string `toml:"apk,omitempty"`
}

// File is one file copied from the spec's folder into the image.
type File struct {
	// Src is the file's path, relative to the spec's folder.
	Src string `toml:"src"`
	// Dst is the absolute path it is copied to in the image.
	Dst string `toml:"dst"`
	// Mode is octal, e.g. "0644" (the default) or "0755". Setuid, setgid
	// and sticky bits are refused.
	Mode string `toml:"mode,omitempty"`
	// Owner is "root" (the default) or "user" (the runtime user).
	Owner string `toml:"owner,omitempty"`
}

// User is the non-root runtime user. It is created before packages are
// installed, so that a package that creates the same user (postgres) keeps
// its uid.
type User struct {
	// Name is the user's name; root is refused.
	Name string `toml:"name"`
	// UID is the numeric, non-zero user id (10001, or 65532 as distroless).
	UID int `toml:"uid"`
	// GID is the user's group id; default: UID.
	GID int `toml:"gid,omitempty"`
	// Home is the home directory; default: /home/<name>.
	Home string `toml:"home,omitempty"`
	// Shell is the user's shell; default /usr/sbin/nologin; no login shell
	// is allowed.
	Shell string `toml:"shell,omitempty"`
}

// Healthcheck is an exec-form HEALTHCHECK.
type Healthcheck struct {
	// Command is the exec-form probe (["pg_isready", "--host=127.0.0.1"]).
	Command []string `toml:"command"`
	// Interval, Timeout and StartPeriod are durations ("30s", "1m"; 1ms to
	// 24h); defaults 30s, 5s and 10s.
	Interval    string `toml:"interval,omitempty"`
	Timeout     string `toml:"timeout,omitempty"`
	StartPeriod string `toml:"start_period,omitempty"`
	// Retries is how many failed probes make the container unhealthy
	// (0-100; default 3).
	Retries int `toml:"retries,omitempty"`
}

// Hardening switches. Load starts from DefaultHardening, so a switch is
// weakened only by an explicit `name = false` line in the spec.
type Hardening struct {
	// StripSetuid clears every setuid and setgid bit.
	StripSetuid bool `toml:"strip_setuid"`
	// RemovePackageManager deletes dpkg/apt (or apk) binaries and state; a
	// package list is kept at /var/lib/dpkg/status.d for scanners, like
	// distroless does.
	RemovePackageManager bool `toml:"remove_package_manager"`
	// RemoveShells deletes every shell ("distroless mode"), builds the final
	// image from scratch so no lower layer keeps them, and checks the result.
	RemoveShells bool `toml:"remove_shells"`
	// RemoveDocs deletes docs, man pages, info and translations (copyright
	// files stay) and keeps later installs from adding them back.
	RemoveDocs bool `toml:"remove_docs"`
	// Timezone installs tzdata and sets /etc/localtime to UTC.
	Timezone bool `toml:"timezone"`
	// CACertificates installs the CA bundle (and any *.crt files added under
	// /usr/local/share/ca-certificates).
	CACertificates bool `toml:"ca_certificates"`
	// LockRoot locks root's password and gives it no login shell.
	LockRoot bool `toml:"lock_root"`
}

// DefaultHardening is the hardened choice: everything on.
func DefaultHardening() Hardening {
	return Hardening{true, true, true, true, true, true, true}
}

// Parent returns the golden parent's name, or "" when From is external.
func (s *Spec) Parent() string {
	name, ok := strings.CutPrefix(s.From, GoldenPrefix)
	if !ok {
		return ""
	}
	return name
}

// Repo is the repository the image is pushed to, below the registry prefix.
func (s *Spec) Repo() string {
	if s.Repository != "" {
		return s.Repository
	}
	return "golden/" + s.Name
}

// TagList is the tags pushed along with the digest.
func (s *Spec) TagList() []string {
	if len(s.Tags) > 0 {
		return s.Tags
	}
	return []string{"latest"}
}

// Hash is the spec's content hash: its own bytes and every file it adds,
// plus the renderer's version, so that a change to any of them (or to how
// slipway renders specs) makes the image stale.
func (s *Spec) Hash() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "slipway golden spec\nrenderer %d\n%s %d\n", RendererVersion, s.Name, len(s.Src))
	h.Write(s.Src)
	for _, f := range s.Files {
		b, err := os.ReadFile(filepath.Join(s.Dir, filepath.FromSlash(f.Src)))
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", f.Src, err)
		}
		fmt.Fprintf(h, "\nfile %s %d\n", f.Src, len(b))
		h.Write(b)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// NoLoginShells are the shells a runtime user may have.
var NoLoginShells = []string{"/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false"}

// mode is the file's mode, 0644 by default.
func (f File) mode() int64 {
	if f.Mode == "" {
		return 0o644
	}
	m, err := strconv.ParseInt(f.Mode, 8, 32)
	if err != nil {
		return 0o644
	}
	return m
}

// uid, gid, home and shell with their defaults.
func (u *User) gid() int {
	if u.GID == 0 {
		return u.UID
	}
	return u.GID
}

func (u *User) home() string {
	if u.Home == "" {
		return "/home/" + u.Name
	}
	return u.Home
}

func (u *User) shell() string {
	if u.Shell == "" {
		return NoLoginShells[0]
	}
	return u.Shell
}
