package golden

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/shells"
)

var (
	reName     = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	reRepo     = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)
	reTag      = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	reApk      = regexp.MustCompile(`^[a-z0-9][a-z0-9+._-]{0,127}([=~><]{1,2}[A-Za-z0-9.+_~-]{1,64})?$`)
	reUserName = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	reMode     = regexp.MustCompile(`^0?[0-7]{3}$`)
)

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
	config.ValidateEnv(&pr, s.Env, "pass it at run time instead")
	config.ValidateLabels(&pr, s.Labels)
	for i, p := range s.Ports {
		if p < 1 || p > 65535 {
			pr.Add(fmt.Sprintf("ports[%d]", i), "%d is out of range: a TCP port 1-65535", p)
		}
	}
	for i, v := range s.Volumes {
		if !config.ValidAbsPath(v) {
			pr.Add(fmt.Sprintf("volumes[%d]", i), "%q is not an absolute path of letters, digits and ._/@+- (no '..', no spaces)", v)
		}
	}
	if s.Workdir != "" && !config.ValidAbsPath(s.Workdir) {
		pr.Add("workdir", "%q is not an absolute path of letters, digits and ._/@+- (no '..', no spaces)", s.Workdir)
	}
	validateExec(&pr, "entrypoint", s.Entrypoint)
	validateExec(&pr, "cmd", s.Cmd)
	if s.Healthcheck != nil {
		validateHealthcheck(&pr, s.Healthcheck)
	}
	for i, k := range s.Keep {
		if !config.ValidAbsPath(k) || k == "/" {
			pr.Add(fmt.Sprintf("keep[%d]", i), "%q is not an absolute path below / of letters, digits and ._/@+- (no '..', no spaces)", k)
		}
	}
	if s.Hardening.RemoveShells || len(s.Keep) > 0 {
		for key, args := range map[string][]string{"entrypoint": s.Entrypoint, "cmd": s.Cmd} {
			if len(args) > 0 && shells.Is(args[0]) {
				pr.Add(key, "%q is a shell, but the image has none (remove_shells or keep): run the program directly, or set [hardening] remove_shells = false", args[0])
			}
		}
		if s.Healthcheck != nil && len(s.Healthcheck.Command) > 0 && shells.Is(s.Healthcheck.Command[0]) {
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
		if !config.IsDebianPackage(n) {
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
		case !config.ValidRelPath(f.Src):
			pr.Add(key+".src", "%q is not a relative path inside the spec's folder (letters, digits and ._/@+-, no '..')", f.Src)
		}
		switch {
		case f.Dst == "":
			pr.Add(key+".dst", "required: the absolute path in the image")
		case !config.ValidAbsPath(f.Dst) || strings.HasSuffix(f.Dst, "/"):
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
	if u.Home != "" && !config.ValidAbsPath(u.Home) {
		pr.Add("user.home", "%q is not an absolute path", u.Home)
	}
	if u.Shell != "" && !slices.Contains(NoLoginShells, u.Shell) {
		pr.Add("user.shell", "%q is a login shell: the runtime user gets none; allowed: %s", u.Shell, strings.Join(NoLoginShells, ", "))
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
	config.ValidateProbeTiming(pr, h.Interval, h.Timeout, h.StartPeriod, h.Retries)
}
