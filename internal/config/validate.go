package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/distribution/reference"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/secrets"
	"github.com/slipway/slipway/templates"
)

// Languages are the language keys slipway has templates for, in the order
// of the provider registry (templates.Providers).
var Languages = templates.Keys()

// PackageManagers lists, per language, the package managers a service may
// pick; the first is the default. Languages not listed have exactly one.
// Both come from the providers; config keeps no list of its own.
var PackageManagers = templates.Choosable()

var (
	reName      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,127}$`)
	reBinary    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$`)
	reVersion   = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$`)
	reCatalogue = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	reGolden    = regexp.MustCompile(`^golden:[a-z0-9][a-z0-9._-]{0,63}$`)
	reDigest    = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	reMain      = regexp.MustCompile(`^[A-Za-z0-9._/@+][A-Za-z0-9._/@+-]{0,254}$`)
	rePackage   = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]{1,127}(=[A-Za-z0-9.+~:-]{1,64})?$`)
	reSecretID  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`)
	reEnvName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	reLabelKey  = regexp.MustCompile(`^[a-z0-9]([a-z0-9._/-]{0,253}[a-z0-9])?$`)
	reHTTPPath  = regexp.MustCompile(`^/[A-Za-z0-9._~!$&()*+,;=:@%/?-]{0,255}$`)
	reAbsPath   = regexp.MustCompile(`^/[A-Za-z0-9._/@+-]{0,255}$`)
	reRelPath   = regexp.MustCompile(`^[A-Za-z0-9._@+][A-Za-z0-9._/@+-]{0,254}$`)
	reSecretish = regexp.MustCompile(`(?i)(token|passw(or)?d|secret|api_?key|private_?key|credential|auth)`)
)

// Validate reports every problem with p, joined into one *InvalidError. It
// never changes p.
func (p *Project) Validate() error {
	var pr problems
	switch {
	case p.Name == "":
		pr.add("name", "required: the service name (lowercase letters, digits, '.', '_', '-')")
	case !reName.MatchString(p.Name):
		pr.add("name", "%q is not a valid name: use lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (max 128)", p.Name)
	}
	switch {
	case p.Language == "":
		pr.add("language", "required; allowed: %s", strings.Join(Languages, ", "))
	case !slices.Contains(Languages, p.Language):
		pr.add("language", "%q is not supported; allowed: %s", p.Language, strings.Join(Languages, ", "))
	}
	if p.Version != "" && !reVersion.MatchString(p.Version) {
		pr.add("version", "%q is not a valid version: letters, digits, '.', '_' or '-' (e.g. \"1.26\", \"20\", \"3.11\")", p.Version)
	}
	if p.PackageManager != "" {
		allowed := PackageManagers[p.Language]
		if !slices.Contains(allowed, p.PackageManager) {
			if len(allowed) == 0 {
				pr.add("package_manager", "language %q has only one package manager; remove this key", p.Language)
			} else {
				pr.add("package_manager", "%q is not allowed for %s; allowed: %s", p.PackageManager, p.Language, strings.Join(allowed, ", "))
			}
		}
	}
	validateBase(&pr, p.Base, p.BaseDigest)
	validatePins(&pr, p.Pins)
	if p.Main != "" && (!reMain.MatchString(p.Main) || HasDotDot(p.Main)) {
		pr.add("main", "%q is not a valid entry: a relative path, package or class name of letters, digits and ._/@+- (no '..', no spaces)", p.Main)
	}
	validateForLanguage(&pr, p)
	validateExec(&pr, "build_command", p.BuildCommand)
	validateExec(&pr, "entrypoint", p.Entrypoint)
	validateExec(&pr, "cmd", p.Cmd)
	if p.Port < 0 || p.Port > 65535 {
		pr.add("port", "%d is out of range: a TCP port 1-65535 (leave port out for the language's default)", p.Port)
	}
	if p.User < 0 || p.User > 2147483647 {
		pr.add("user", "%d is out of range: a numeric non-root uid 1-2147483647 (leave user out for the base's non-root default)", p.User)
	}
	if len(p.BuildPackages) > maxPackages {
		// They share one Dockerfile line, which BuildKit caps at 64 KiB.
		pr.add("build_packages", "lists %d packages; at most %d are allowed", len(p.BuildPackages), maxPackages)
	}
	for i, pkg := range p.BuildPackages {
		if !rePackage.MatchString(pkg) {
			pr.add(fmt.Sprintf("build_packages[%d]", i), "%q is not a Debian package name (optionally name=version)", pkg)
		}
	}
	if p.SizeBudget != "" {
		if _, err := ParseSize(p.SizeBudget); err != nil {
			pr.add("size_budget", "%s", err)
		}
	}
	validatePaths(&pr, p)
	validateHealthcheck(&pr, p.Healthcheck)
	validateSecrets(&pr, p.Secrets)
	ValidateLabels(&pr, p.Labels)
	ValidateEnv(&pr, p.Env, "declare a [[secret]] for build-time credentials and inject runtime ones at deploy time")
	return pr.err()
}

func validateBase(pr *problems, base, digest string) {
	switch {
	case base == "":
		// The language's default base.
	case strings.HasPrefix(base, "golden:"):
		if !reGolden.MatchString(base) {
			pr.add("base", "%q is not a valid golden reference: golden:<name> with a lowercase name", base)
		}
	case reCatalogue.MatchString(base):
		// A catalogue key; generate checks that it exists.
	default:
		if bad := BadChar(base); bad != "" {
			pr.add("base", "contains %s", bad)
			break
		}
		if _, err := reference.ParseNormalizedNamed(base); err != nil {
			pr.add("base", "%q is neither a catalogue key nor a valid image reference: %v", base, err)
		}
	}
	if digest != "" && !reDigest.MatchString(digest) {
		pr.add("base_digest", "%q is not a digest: sha256: followed by 64 lowercase hex digits", digest)
	}
}

// maxExec bounds an exec-form command as JSON: BuildKit refuses a
// Dockerfile line of 64 KiB or more, and the array is one line.
const maxExec = 16 << 10

// maxPackages bounds build_packages, which share one line.
const maxPackages = 100

// maxValue bounds a label or env value (quoting at most doubles it).
const maxValue = 16 << 10

// ValidateEnv checks the ENV entries of an image (slipway.toml's env, a
// golden spec's): each name a variable name and not a credential's, each
// value one line of printable text of at most 16 KiB that does not look
// like a credential (secrets.Value; it is never shown). instead says what
// to do with a credential.
func ValidateEnv(pr *Problems, env map[string]string, instead string) {
	for _, k := range slices.Sorted(maps.Keys(env)) {
		key := "env." + k
		if !reEnvName.MatchString(k) {
			pr.add(key, "%q is not a valid environment variable name: letters, digits and '_', not starting with a digit", k)
		} else if reSecretish.MatchString(k) {
			pr.add(key, "%q looks like a credential: an image's env is baked into its config, readable by anyone who pulls it; %s", k, instead)
		}
		if what := secrets.Value(env[k]); what != "" {
			pr.add(key, "the value looks like %s (not shown): an image's env is baked into its config, readable by anyone who pulls it; %s", what, instead)
		}
		if bad := BadChar(env[k]); bad != "" {
			pr.add(key, "value contains %s; values must be a single line of printable text", bad)
		} else if len(env[k]) > maxValue {
			pr.add(key, "value is %d bytes; at most %d are allowed", len(env[k]), maxValue)
		}
	}
}

// ValidateExec checks an exec-form command (entrypoint, cmd, a
// healthcheck command) under key: a program first, no NUL byte, valid
// UTF-8, at most 16 KiB as JSON. Golden specs validate theirs with it too.
func ValidateExec(pr *Problems, key string, args []string) { validateExec(pr, key, args) }

func validateExec(pr *problems, key string, args []string) {
	if len(args) > 0 && strings.TrimSpace(args[0]) == "" {
		pr.add(key, "the first element (the program) must not be empty")
	}
	for i, a := range args {
		switch {
		case strings.ContainsRune(a, 0):
			pr.add(fmt.Sprintf("%s[%d]", key, i), "contains a NUL byte")
		case !utf8.ValidString(a):
			pr.add(fmt.Sprintf("%s[%d]", key, i), "is not valid UTF-8")
		}
	}
	if b, err := json.Marshal(args); err == nil && len(b) > maxExec {
		pr.add(key, "is %d bytes as JSON; at most %d are allowed (put a long script in a file)", len(b), maxExec)
	}
}

func validateHealthcheck(pr *problems, h Healthcheck) {
	kinds := 0
	for _, set := range []bool{len(h.Command) > 0, h.HTTPPath != "", h.GRPC, h.Binary != ""} {
		if set {
			kinds++
		}
	}
	if kinds > 1 {
		pr.add("healthcheck", "set one of command, http_path, grpc or binary, not several")
	}
	if h.Binary != "" && !reBinary.MatchString(h.Binary) {
		pr.add("healthcheck.binary", "%q is not a binary name: letters, digits, '_', '.' and '-', at most 64, not starting with '.' or '-'", h.Binary)
	}
	validateExec(pr, "healthcheck.command", h.Command)
	if h.HTTPPath != "" && !reHTTPPath.MatchString(h.HTTPPath) {
		pr.add("healthcheck.http_path", "%q is not a URL path: it must start with '/' and use URL characters only (no spaces or quotes)", h.HTTPPath)
	}
	ValidateProbeTiming(pr, h.Interval, h.Timeout, h.StartPeriod, h.Retries)
}

func validateSecrets(pr *problems, secrets []Secret) {
	seen := map[string]int{}
	for i, s := range secrets {
		key := fmt.Sprintf("secret[%d]", i)
		switch {
		case s.ID == "":
			pr.add(key+".id", "required: an identifier of letters, digits, '_', '.' or '-' (e.g. \"npm_token\")")
		case !reSecretID.MatchString(s.ID):
			pr.add(key+".id", "%q is not a valid secret id: letters, digits, '_', '.' or '-', starting with a letter or '_', no spaces (max 64)", s.ID)
		default:
			if j, dup := seen[s.ID]; dup {
				pr.add(key+".id", "%q is declared twice (also secret[%d])", s.ID, j)
			}
			seen[s.ID] = i
		}
		if s.Target != "" && (!reAbsPath.MatchString(s.Target) || HasDotDot(s.Target)) {
			pr.add(key+".target", "%q is not an absolute path of letters, digits and ._/@+- (no '..', no spaces)", s.Target)
		}
		if s.Env != "" && s.Target != "" {
			pr.add(key, "set either target (a file) or env (a variable), not both")
		}
		if s.Env != "" && !reEnvName.MatchString(s.Env) {
			pr.add(key+".env", "%q is not a valid environment variable name", s.Env)
		}
	}
}

// BadChar names the first character of s that may not appear in a
// single-line value, or returns "".
func BadChar(s string) string {
	for _, r := range s {
		if r == unicode.ReplacementChar {
			return "invalid UTF-8"
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Sprintf("a control character (%U)", r)
		}
	}
	return ""
}

// HasDotDot reports whether a path has a ".." segment (or "..").
func HasDotDot(p string) bool {
	for _, seg := range strings.Split(path.Clean("/"+p), "/") {
		if seg == ".." {
			return true
		}
	}
	return strings.Contains(p, "..")
}

// validateForLanguage refuses the values the language's provider could not
// honour: a language-only key (cgo) on another language, and what the
// provider's own Validate refuses.
func validateForLanguage(pr *problems, p *Project) {
	prov, ok := templates.Provider(p.Language)
	if !ok {
		return
	}
	info := provider.InfoOf(prov)
	set := map[string]bool{"cgo": p.CGO, "healthcheck.binary": p.Healthcheck.Binary != "", "npmrc": p.Npmrc, "runtime_files": len(p.RuntimeFiles) > 0, "service_dir": p.ServiceDir != "", "shared_paths": len(p.SharedPaths) > 0}
	for _, k := range provider.LanguageKeys {
		if set[k] && !slices.Contains(info.Keys, k) {
			pr.add(k, "only %s builds use %s; remove it for %s", strings.Join(templates.Honouring(k), ", "), k, p.Language)
		}
	}
	if v, ok := prov.(provider.Validator); ok {
		for _, is := range v.Validate(provider.Settings{Main: p.Main, PackageManager: p.PackageManager, BuildSecrets: len(p.Secrets), BuildPackages: len(p.BuildPackages), BuildCommand: len(p.BuildCommand) > 0, Npmrc: p.Npmrc}) {
			pr.add(is.Key, "%s", is.Msg)
		}
	}
}

// maxPaths bounds runtime_files and shared_paths (one COPY line each).
const maxPaths = 100

// validatePaths checks runtime_files, service_dir, shared_paths and
// port_env: relative slash paths of a safe alphabet (each lands in a COPY
// instruction), no '..', no absolute path, in clean form, each once.
// Whether they exist is checked when the service's folder is known
// (generate.RenderIn), not here.
func validatePaths(pr *problems, p *Project) {
	checkList := func(key string, paths []string, what string) {
		if len(paths) > maxPaths {
			pr.add(key, "lists %d paths; at most %d are allowed", len(paths), maxPaths)
		}
		seen := map[string]int{}
		for i, f := range paths {
			k := fmt.Sprintf("%s[%d]", key, i)
			if msg := relPathProblem(f, what); msg != "" {
				pr.add(k, "%s", msg)
				continue
			}
			if j, dup := seen[f]; dup {
				pr.add(k, "%q is listed twice (also %s[%d])", f, key, j)
			}
			seen[f] = i
		}
	}
	checkList("runtime_files", p.RuntimeFiles, "the service folder")
	if p.ServiceDir != "" {
		if msg := relPathProblem(p.ServiceDir, "the build context (the repository root)"); msg != "" {
			pr.add("service_dir", "%s", msg)
		}
	}
	checkList("shared_paths", p.SharedPaths, "the build context (the repository root)")
	if len(p.SharedPaths) > 0 && p.ServiceDir == "" {
		pr.add("shared_paths", "needs service_dir: shared paths come from a build context above the service folder; set service_dir to this folder's path in it (e.g. \"src/checkout\")")
	}
	for i, s := range p.SharedPaths {
		if p.ServiceDir != "" && (s == p.ServiceDir || strings.HasPrefix(p.ServiceDir+"/", s+"/") || strings.HasPrefix(s, p.ServiceDir+"/")) {
			if strings.HasPrefix(s, p.ServiceDir+"/") {
				pr.add(fmt.Sprintf("shared_paths[%d]", i), "%q is inside the service folder %q, which is always sent; remove it", s, p.ServiceDir)
			} else {
				pr.add(fmt.Sprintf("shared_paths[%d]", i), "%q holds the service folder %q: list only what the build needs besides it (or leave shared_paths empty to send the whole context)", s, p.ServiceDir)
			}
		}
	}
	if p.PortEnv != "" {
		switch {
		case !reEnvName.MatchString(p.PortEnv):
			pr.add("port_env", "%q is not a valid environment variable name: letters, digits and '_', not starting with a digit", p.PortEnv)
		case p.Env[p.PortEnv] != "":
			pr.add("port_env", "env.%s is set too; port_env sets %s to port, so remove one of them", p.PortEnv, p.PortEnv)
		}
	}
}

// relPathProblem says what is wrong with a path relative to where, or "".
func relPathProblem(f, where string) string {
	switch {
	case f == "" || f == "." || f == "./":
		return fmt.Sprintf("%q names no file: give a path relative to %s (e.g. \"templates\")", f, where)
	case strings.HasPrefix(f, "/"):
		return fmt.Sprintf("%q is absolute: give a path relative to %s", f, where)
	case HasDotDot(f):
		return fmt.Sprintf("%q leaves %s ('..'): give a path inside it", f, where)
	case !reRelPath.MatchString(f):
		return fmt.Sprintf("%q is not a plain relative path: letters, digits and ._/@+- only (no spaces, wildcards or '$'), not starting with '-'", f)
	case path.Clean(f) != f:
		return fmt.Sprintf("%q is not in clean form: write %q", f, path.Clean(f))
	}
	return ""
}
