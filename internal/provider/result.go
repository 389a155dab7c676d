package provider

import (
	"fmt"
	"strings"
)

// Result is what a source tree says about the service: the provider's plan,
// as plain values. Its fields mirror config.Project; an empty field means
// "not found" (or, when the field is in Unresolved, "found several"). Every
// value set is explained by one line of Evidence.
type Result struct {
	Name           string
	Language       string
	Version        string
	PackageManager string
	// Framework is the web or application framework found ("fastapi").
	Framework string
	Main      string
	// Entrypoint and Cmd are the run command, when the language's default
	// (from the manifest and Main) is not how the service starts.
	Entrypoint []string
	Cmd        []string
	// RuntimeFiles are the paths (relative to the service root) that the
	// program reads at run time and the final stage must carry.
	RuntimeFiles []string
	// ServiceDir and SharedPaths are set when the build needs files above
	// the service folder: ServiceDir is the folder's path inside the build
	// context (a repository root or module root above it), SharedPaths what
	// else the build needs from that context (config's service_dir and
	// shared_paths).
	ServiceDir  string
	SharedPaths []string
	// NativePackages are the Debian packages the build stage needs to
	// compile native code (build_packages).
	NativePackages []string
	// BuildSecrets are the credentials the build needs, mounted as BuildKit
	// secrets (config's [[secret]]).
	BuildSecrets []Secret
	Port         int
	// PortSource is where the port was found ("main.go:12").
	PortSource string
	// PortEnv is the environment variable the program reads its port from
	// ("PORT"), so the image sets it (config's port_env).
	PortEnv string
	// HealthPath is an HTTP health endpoint seen in the main source ("/healthz").
	HealthPath string
	// HealthFlag is a command-line flag the program accepts to probe itself
	// ("-healthcheck" or "--healthcheck"), usable as an exec-form HEALTHCHECK
	// on bases without a shell.
	HealthFlag string
	// Languages lists every language whose project file was found, in the
	// order of the registry.
	Languages []string
	// Evidence says which file told us what, one finding a line.
	Evidence []string
	// Ambiguities are the choices the tree left open, each starting with the
	// config key it concerns ("main: three main packages: ...").
	Ambiguities []string
	// Unresolved lists the config keys left empty because of an ambiguity.
	Unresolved []string
}

// Secret is a credential the build reads: its BuildKit secret id and, when
// the build reads it from the environment, the variable's name
// (NPM_TOKEN for an .npmrc's ${NPM_TOKEN}).
type Secret struct {
	ID  string
	Env string
}

// Ambiguous reports whether key was left empty because several answers fit.
func (r *Result) Ambiguous(key string) bool {
	for _, k := range r.Unresolved {
		if k == key {
			return true
		}
	}
	return false
}

// Found records the evidence for key = value: "from" and the formatted source.
func (r *Result) Found(key, value, format string, args ...any) {
	r.Evidence = append(r.Evidence, fmt.Sprintf("%s = %s  from %s", key, value, fmt.Sprintf(format, args...)))
}

// Note records a line of evidence that sets no value (a file not parsed, a
// candidate not chosen).
func (r *Result) Note(line string) { r.Evidence = append(r.Evidence, line) }

// Choice records an open choice on key; unresolved marks key as left empty.
func (r *Result) Choice(key string, unresolved bool, format string, args ...any) {
	r.Ambiguities = append(r.Ambiguities, key+": "+fmt.Sprintf(format, args...))
	if unresolved && !r.Ambiguous(key) {
		r.Unresolved = append(r.Unresolved, key)
	}
}

// CountWord spells small counts for messages ("three main packages").
func CountWord(n int) string {
	words := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
	if n < len(words) {
		return words[n]
	}
	return fmt.Sprint(n)
}

// MajorMinor cuts "1.22.3" or "v1.22rc1" to "1.22"; "" when it is no version.
func MajorMinor(v string) string {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 || !AllDigits(parts[0]) {
		return ""
	}
	minor := parts[1]
	for i, c := range minor {
		if c < '0' || c > '9' {
			minor = minor[:i]
			break
		}
	}
	if minor == "" {
		return ""
	}
	return parts[0] + "." + minor
}

// AllDigits reports whether s is a non-empty run of ASCII digits.
func AllDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
