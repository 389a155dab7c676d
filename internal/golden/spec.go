// Package golden manages a team's golden base images: hardened images
// declared in TOML specs (golden/*.toml), rendered to Dockerfiles, built in
// dependency order through internal/build, pushed, and locked by digest in
// golden/golden.lock. It also tells which images are stale and which
// services (slipway.toml files) use which golden image.
//
// The stages are plain values passed between functions: Load reads specs,
// NewPlan orders them, Render turns one spec into a Dockerfile, Build runs
// the builds and returns a new Lock, Check compares a Lock with the specs
// and the registry, Users walks a tree of services.
package golden

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/distribution/reference"

	"github.com/slipway/slipway/internal/config"
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
	// Interval, Timeout and StartPeriod are durations ("30s", "1m"; at
	// most 24h); defaults 30s, 5s and 10s.
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

// SpecExt is the file extension of golden image specs.
const SpecExt = ".toml"

// LockFileName is the lock file kept next to the specs.
const LockFileName = goldenlock.FileName

// LoadDir reads and validates every spec in dir (*.toml). Every problem in
// every file is reported, each naming its file and line. A dir that is
// missing or holds no spec is bad input too (a *config.InvalidError).
func LoadDir(dir string) ([]*Spec, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &config.InvalidError{Errs: []error{fmt.Errorf("no golden image specs: %s does not exist (give the folder of golden/*.toml with --dir)", dir)}}
	}
	if err != nil {
		return nil, fmt.Errorf("reading golden specs: %w", err)
	}
	var specs []*Spec
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), SpecExt) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		s, err := Load(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, flatten(err)...)
			continue
		}
		specs = append(specs, s)
	}
	if len(errs) > 0 {
		return nil, &config.InvalidError{Errs: errs}
	}
	if len(specs) == 0 {
		return nil, &config.InvalidError{Errs: []error{fmt.Errorf("no golden image specs (*%s) in %s", SpecExt, dir)}}
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specs, nil
}

// Load reads, strictly decodes and validates one spec file.
func Load(file string) (*Spec, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return Parse(file, src)
}

// Parse decodes src (the spec at path file) and validates it, including
// that the files it adds exist in its folder.
func Parse(file string, src []byte) (*Spec, error) {
	s := &Spec{Hardening: DefaultHardening()}
	err := config.DecodeStrict(file, src, s)
	var errs []error
	var ie *config.InvalidError
	switch {
	case err == nil:
	case errors.As(err, &ie):
		errs = append(errs, ie.Errs...) // unknown keys: report them with the rest
	default:
		return nil, err // syntax or type error: nothing else can be trusted
	}
	s.File, s.Dir, s.Src = file, filepath.Dir(file), src
	if verr := s.Validate(); verr != nil {
		errs = append(errs, flatten(config.Locate(verr, file, src))...)
	}
	for i, f := range s.Files {
		if f.Src == "" || !validRelPath(f.Src) {
			continue // reported by Validate
		}
		fi, err := os.Stat(filepath.Join(s.Dir, filepath.FromSlash(f.Src)))
		if err != nil || !fi.Mode().IsRegular() {
			errs = append(errs, config.Locate(&config.FieldError{
				Key: fmt.Sprintf("file[%d].src", i),
				Msg: fmt.Sprintf("%q is not a regular file in %s", f.Src, s.Dir),
			}, file, src).(*config.InvalidError).Errs...)
		}
	}
	if len(errs) > 0 {
		return nil, &config.InvalidError{Errs: errs}
	}
	return s, nil
}

func flatten(err error) []error {
	var ie *config.InvalidError
	if errors.As(err, &ie) {
		return ie.Errs
	}
	return []error{err}
}

var (
	reName      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	reRepo      = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)
	reTag       = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	reApt       = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]{1,127}(=[A-Za-z0-9.+~:-]{1,64})?$`)
	reApk       = regexp.MustCompile(`^[a-z0-9][a-z0-9+._-]{0,127}([=~><]{1,2}[A-Za-z0-9.+_~-]{1,64})?$`)
	reUserName  = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	reAbsPath   = regexp.MustCompile(`^/[A-Za-z0-9._/@+-]{0,255}$`)
	reRelPath   = regexp.MustCompile(`^[A-Za-z0-9._@+-][A-Za-z0-9._/@+-]{0,254}$`)
	reMode      = regexp.MustCompile(`^0?[0-7]{3}$`)
	reEnvName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	reLabelKey  = regexp.MustCompile(`^[a-z0-9]([a-z0-9._/-]{0,253}[a-z0-9])?$`)
	reSecretish = regexp.MustCompile(`(?i)(token|passw(or)?d|secret|api_?key|private_?key|credential|auth)`)
)

// NoLoginShells are the shells a runtime user may have.
var NoLoginShells = []string{"/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false"}

// Shells are the program names distroless mode removes and the audit looks for.
var Shells = []string{"sh", "bash", "dash", "rbash", "ash", "busybox", "zsh", "ksh", "mksh", "csh", "tcsh", "fish"}

// problems collects FieldErrors, as internal/config's validation does.
type problems = config.Problems

// Validate reports every problem with s that can be seen without the other
// specs (the golden graph is checked by NewPlan). It never changes s.
func (s *Spec) Validate() error {
	var pr problems
	switch {
	case s.Name == "":
		pr.Add("name", "required: the image name, the same as the file name without .toml")
	case !reName.MatchString(s.Name):
		pr.Add("name", "%q is not a valid name: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (max 64)", s.Name)
	case s.File != "" && strings.TrimSuffix(filepath.Base(s.File), SpecExt) != s.Name:
		pr.Add("name", "%q does not match the file name %s: name the file %s%s", s.Name, filepath.Base(s.File), s.Name, SpecExt)
	}
	if s.Description != "" && config.BadChar(s.Description) != "" {
		pr.Add("description", "contains %s", config.BadChar(s.Description))
	}
	if s.Repository != "" && (!reRepo.MatchString(s.Repository) || len(s.Repository) > 200) {
		pr.Add("repository", "%q is not a repository path: lowercase path components like \"golden/base\", without registry, tag or digest", s.Repository)
	}
	for i, t := range s.Tags {
		if !reTag.MatchString(t) {
			pr.Add(fmt.Sprintf("tags[%d]", i), "%q is not a valid tag: letters, digits, '_', '.' or '-' (max 128)", t)
		}
	}
	validateFrom(&pr, s.From, s.Name)
	validatePackages(&pr, s)
	validateFiles(&pr, s.Files)
	if s.User != nil {
		validateUser(&pr, s.User)
	} else if s.Parent() == "" && s.From != "" {
		pr.Add("user", "required: a [user] table with name and uid (a non-root runtime user; only a spec FROM golden:<name> may inherit its parent's)")
	}
	validateEnv(&pr, s.Env)
	for _, k := range sortedKeys(s.Labels) {
		key := "labels." + k
		if !reLabelKey.MatchString(k) {
			pr.Add(key, "%q is not a valid label key: lowercase letters, digits and ._/- (e.g. \"org.opencontainers.image.vendor\")", k)
		}
		if c := config.BadChar(s.Labels[k]); c != "" {
			pr.Add(key, "contains %s", c)
		}
	}
	for i, p := range s.Ports {
		if p < 1 || p > 65535 {
			pr.Add(fmt.Sprintf("ports[%d]", i), "%d is out of range: a TCP port 1-65535", p)
		}
	}
	for i, v := range s.Volumes {
		if !validAbsPath(v) {
			pr.Add(fmt.Sprintf("volumes[%d]", i), "%q is not an absolute path of letters, digits and ._/@+- (no '..', no spaces)", v)
		}
	}
	if s.Workdir != "" && !validAbsPath(s.Workdir) {
		pr.Add("workdir", "%q is not an absolute path of letters, digits and ._/@+- (no '..', no spaces)", s.Workdir)
	}
	validateExec(&pr, "entrypoint", s.Entrypoint)
	validateExec(&pr, "cmd", s.Cmd)
	if s.Healthcheck != nil {
		validateHealthcheck(&pr, s.Healthcheck)
	}
	for i, k := range s.Keep {
		if !validAbsPath(k) || k == "/" {
			pr.Add(fmt.Sprintf("keep[%d]", i), "%q is not an absolute path below / of letters, digits and ._/@+- (no '..', no spaces)", k)
		}
	}
	if s.Hardening.RemoveShells || len(s.Keep) > 0 {
		for key, args := range map[string][]string{"entrypoint": s.Entrypoint, "cmd": s.Cmd} {
			if len(args) > 0 && isShell(args[0]) {
				pr.Add(key, "%q is a shell, but the image has none (remove_shells or keep): run the program directly, or set [hardening] remove_shells = false", args[0])
			}
		}
		if s.Healthcheck != nil && len(s.Healthcheck.Command) > 0 && isShell(s.Healthcheck.Command[0]) {
			pr.Add("healthcheck.command", "%q is a shell, but the image has none: probe with a program the image has", s.Healthcheck.Command[0])
		}
	}
	return pr.Err()
}

func validateFrom(pr *problems, from, self string) {
	switch {
	case from == "":
		pr.Add("from", "required: an image reference (docker.io/library/debian:bookworm-slim) or golden:<name>")
	case strings.HasPrefix(from, GoldenPrefix):
		name := strings.TrimPrefix(from, GoldenPrefix)
		if !reName.MatchString(name) {
			pr.Add("from", "%q is not golden:<name> with a valid name", from)
		} else if name == self {
			pr.Add("from", "%q is this image itself", from)
		}
	case from == "scratch":
		pr.Add("from", "scratch has no shell to install packages or create the user with: start from a base image and use keep = [...] for a minimal result")
	default:
		if c := config.BadChar(from); c != "" {
			pr.Add("from", "contains %s", c)
			return
		}
		if _, err := reference.ParseNormalizedNamed(from); err != nil {
			pr.Add("from", "%q is not an image reference: %v", from, err)
		}
	}
}

func validatePackages(pr *problems, s *Spec) {
	p := s.Packages
	switch p.Manager {
	case "", "apt", "apk":
	default:
		pr.Add("packages.manager", "%q is not supported; allowed: apt, apk", p.Manager)
	}
	if len(p.Apt) > 0 && len(p.Apk) > 0 {
		pr.Add("packages", "list apt or apk packages, not both: an image has one package manager")
	}
	if p.Manager == "apt" && len(p.Apk) > 0 {
		pr.Add("packages.apk", "manager is apt")
	}
	if p.Manager == "apk" && len(p.Apt) > 0 {
		pr.Add("packages.apt", "manager is apk")
	}
	seen := map[string]bool{}
	for i, n := range p.Apt {
		if !reApt.MatchString(n) {
			pr.Add(fmt.Sprintf("packages.apt[%d]", i), "%q is not a Debian package name (optionally name=version)", n)
		}
		if seen[n] {
			pr.Add(fmt.Sprintf("packages.apt[%d]", i), "%q is listed twice", n)
		}
		seen[n] = true
	}
	for i, n := range p.Apk {
		if !reApk.MatchString(n) {
			pr.Add(fmt.Sprintf("packages.apk[%d]", i), "%q is not an Alpine package name (optionally name=version)", n)
		}
	}
}

func validateFiles(pr *problems, files []File) {
	dsts := map[string]int{}
	for i, f := range files {
		key := fmt.Sprintf("file[%d]", i)
		switch {
		case f.Src == "":
			pr.Add(key+".src", "required: a file in the spec's folder")
		case !validRelPath(f.Src):
			pr.Add(key+".src", "%q is not a relative path inside the spec's folder (letters, digits and ._/@+-, no '..')", f.Src)
		}
		switch {
		case f.Dst == "":
			pr.Add(key+".dst", "required: the absolute path in the image")
		case !validAbsPath(f.Dst) || strings.HasSuffix(f.Dst, "/"):
			pr.Add(key+".dst", "%q is not an absolute file path of letters, digits and ._/@+- (no '..', no spaces)", f.Dst)
		default:
			if j, dup := dsts[f.Dst]; dup {
				pr.Add(key+".dst", "%q is also the destination of file[%d]", f.Dst, j)
			}
			dsts[f.Dst] = i
		}
		if f.Mode != "" && !reMode.MatchString(f.Mode) {
			pr.Add(key+".mode", "%q is not a file mode: octal like \"0644\" or \"0755\" (setuid, setgid and sticky bits are not allowed)", f.Mode)
		} else if m := f.mode(); m&0o002 != 0 {
			pr.Add(key+".mode", "%q is world-writable", f.Mode)
		}
		switch f.Owner {
		case "", "root", "user":
		default:
			pr.Add(key+".owner", "%q is not allowed: \"root\" (default) or \"user\" (the runtime user)", f.Owner)
		}
	}
}

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

func validateUser(pr *problems, u *User) {
	switch {
	case u.Name == "":
		pr.Add("user.name", "required: the runtime user's name (e.g. \"app\")")
	case !reUserName.MatchString(u.Name) || u.Name == "root":
		pr.Add("user.name", "%q is not a valid non-root user name: lowercase letters, digits, '_' or '-' (max 32)", u.Name)
	}
	if u.UID < 1 || u.UID > 2147483647 {
		pr.Add("user.uid", "%d is not a non-root uid: 1-2147483647 (e.g. 10001, or 65532 like distroless)", u.UID)
	}
	if u.GID < 0 || u.GID > 2147483647 {
		pr.Add("user.gid", "%d is out of range: 1-2147483647 (default: the uid)", u.GID)
	}
	if u.Home != "" && !validAbsPath(u.Home) {
		pr.Add("user.home", "%q is not an absolute path", u.Home)
	}
	if u.Shell != "" && !contains(NoLoginShells, u.Shell) {
		pr.Add("user.shell", "%q is a login shell: the runtime user gets none; allowed: %s", u.Shell, strings.Join(NoLoginShells, ", "))
	}
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

func validateEnv(pr *problems, env map[string]string) {
	for _, k := range sortedKeys(env) {
		key := "env." + k
		if !reEnvName.MatchString(k) {
			pr.Add(key, "%q is not a valid environment variable name", k)
			continue
		}
		if reSecretish.MatchString(k) {
			pr.Add(key, "%q looks like a credential: an image's environment is readable by anyone who pulls it; pass it at run time instead", k)
		}
		if c := config.BadChar(env[k]); c != "" {
			pr.Add(key, "contains %s", c)
		}
	}
}

func validateExec(pr *problems, key string, args []string) {
	if args == nil {
		return
	}
	if len(args) == 0 || args[0] == "" {
		pr.Add(key, "an exec-form command needs a program: [\"/usr/bin/program\", \"arg\"]")
	} else {
		config.ValidateExec(pr, key, args) // slipway.toml's rules: NUL, UTF-8, size
	}
	for i, a := range args {
		if c := config.BadChar(a); c != "" {
			pr.Add(fmt.Sprintf("%s[%d]", key, i), "contains %s", c)
		}
	}
}

func validateHealthcheck(pr *problems, h *Healthcheck) {
	if len(h.Command) == 0 {
		pr.Add("healthcheck.command", "required: an exec-form probe, e.g. [\"pg_isready\", \"--host=127.0.0.1\"]")
	}
	validateExec(pr, "healthcheck.command", h.Command)
	for _, d := range []struct{ key, val string }{
		{"healthcheck.interval", h.Interval},
		{"healthcheck.timeout", h.Timeout},
		{"healthcheck.start_period", h.StartPeriod},
	} {
		if d.val == "" {
			continue
		}
		// config's reader: the range BuildKit accepts (1ms to 24h), so a
		// spec is refused here, with its line, not inside the build.
		if _, err := config.ParseDuration(d.val); err != nil {
			pr.Add(d.key, "%s", err)
		}
	}
	if h.Retries < 0 || h.Retries > 100 {
		pr.Add("healthcheck.retries", "%d is out of range: 0-100", h.Retries)
	}
}

func isShell(prog string) bool {
	return contains(Shells, path.Base(prog))
}

func validAbsPath(p string) bool {
	return p == "/" || (reAbsPath.MatchString(p) && !config.HasDotDot(p) && path.Clean(p) == p)
}

func validRelPath(p string) bool {
	return reRelPath.MatchString(p) && !config.HasDotDot(p) && path.Clean(p) == p
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
