// Package config owns slipway.toml (one per service) and the team standard
// file (slipway-team.toml): their types, defaults, strict decoding and
// validation. Decoding never guesses: an unknown key, a wrong type or an
// invalid value is an error that names the file and the line or key.
package config

import (
	"maps"
	"slices"
)

// FileName is the service configuration file slipway reads and writes.
const FileName = "slipway.toml"

// Project is one service's answers: everything generate needs to render a
// Dockerfile and .dockerignore, and everything build needs to build it.
type Project struct {
	// Name is the service name, used for labels and the default image tag.
	Name string `toml:"name"`
	// Language is a template key: go, node, python, java, rust, dotnet.
	Language string `toml:"language"`
	// Version is the language/toolchain version (e.g. "1.26", "20", "3.11").
	Version string `toml:"version,omitempty"`
	// PackageManager picks the build tool where a language has several:
	// node: npm|yarn|pnpm; python: pip|poetry|uv; java: maven|gradle.
	PackageManager string `toml:"package_manager,omitempty"`
	// Base is the final stage's base: a catalogue key (distroless-static),
	// "golden:<name>", or an explicit image reference.
	Base string `toml:"base,omitempty"`
	// BaseDigest pins Base ("sha256:..."), when known.
	BaseDigest string `toml:"base_digest,omitempty"`
	// Main is the entry of the program: the Go main package (./cmd/api), the
	// Node entry file (server.js), the Python module (app), the Rust binary
	// name, the .NET project file, the Java main class or jar name.
	Main string `toml:"main,omitempty"`
	// BuildCommand, when set, replaces the template's build step. Exec form.
	BuildCommand []string `toml:"build_command,omitempty"`
	// Entrypoint and Cmd, when set, replace the template's. Exec form.
	Entrypoint []string `toml:"entrypoint,omitempty"`
	Cmd        []string `toml:"cmd,omitempty"`
	// Port is the TCP port the service listens on; 0 (no key) means the
	// language's default port. An explicit `port = 0` is refused by Parse.
	Port int `toml:"port,omitempty,omitzero" want:"a port number 1-65535 like 8080"`
	// User is the numeric uid of the final stage; 0 means the base's default.
	User int `toml:"user,omitempty,omitzero" want:"a numeric non-root uid like 10001"`
	// BuildPackages are extra Debian packages for the build stage.
	BuildPackages []string `toml:"build_packages,omitempty"`
	// CGO enables cgo for Go builds (needs a glibc base).
	CGO bool `toml:"cgo,omitempty"`
	// Npmrc makes a Node build read the service's .npmrc (which must name
	// its credentials only as ${VAR}, given as secrets): the install and
	// build steps mount it; it never reaches the final image.
	Npmrc bool `toml:"npmrc,omitempty"`
	// RuntimeFiles are the files and folders (relative to the service
	// folder) the program reads at run time ("templates", "static",
	// "data/catalog.json"). The final stage carries each under /app, its
	// working directory, owned by root.
	RuntimeFiles []string `toml:"runtime_files,omitempty"`
	// ServiceDir, when set, builds from a build context above the service
	// folder (a repository root): it is this folder's path inside that
	// context ("src/checkout" puts the context two levels up, as
	// `docker build -f src/checkout/Dockerfile .` would). The Dockerfile stays
	// in the service folder; its ignore file is Dockerfile.dockerignore.
	ServiceDir string `toml:"service_dir,omitempty"`
	// SharedPaths are what the build needs from that context besides the
	// service folder ("shared", "pb/demo.proto", a root go.mod), relative to
	// the context; nothing else of the repository is sent. Empty with
	// service_dir set sends the whole context.
	SharedPaths []string `toml:"shared_paths,omitempty"`
	// PortEnv names the environment variable the program reads its listen
	// port from ("PORT"); the image sets it to port.
	PortEnv string `toml:"port_env,omitempty"`
	// SizeBudget is the largest acceptable image size ("25MB"), for verify.
	SizeBudget string `toml:"size_budget,omitempty" want:"a string like \"25MB\""`
	// Healthcheck configures HEALTHCHECK and what verify probes.
	Healthcheck Healthcheck `toml:"healthcheck,omitempty" want:"a table (a [healthcheck] section)"`
	// Secrets are build-time credentials, mounted with RUN --mount=type=secret.
	Secrets []Secret `toml:"secret,omitempty" want:"an array of tables (one [[secret]] section each)"`
	// Labels are extra image labels (OCI labels are added automatically).
	Labels map[string]string `toml:"labels,omitempty" want:"a table (a [labels] section of key = \"value\" lines)"`
	// Env holds non-secret runtime environment variables for the final image.
	Env map[string]string `toml:"env,omitempty" want:"a table (an [env] section of NAME = \"value\" lines)"`
	// Pins pin the build stages' images: each key is an image reference as
	// the Dockerfile names it without a digest
	// ("docker.io/library/golang:1.26-bookworm"), each value the digest its
	// FROM line then carries. `slipway pin` writes them; a pin whose image
	// no stage uses any more is dropped by the next `slipway pin`.
	Pins map[string]string `toml:"pins,omitempty" want:"a table (a [pins] section of \"image\" = \"sha256:...\" lines)"`
}

// Clone is a deep copy of p: no slice or map of the copy is shared with p.
func (p Project) Clone() Project {
	c := p
	c.BuildCommand = slices.Clone(p.BuildCommand)
	c.Entrypoint = slices.Clone(p.Entrypoint)
	c.Cmd = slices.Clone(p.Cmd)
	c.BuildPackages = slices.Clone(p.BuildPackages)
	c.RuntimeFiles = slices.Clone(p.RuntimeFiles)
	c.SharedPaths = slices.Clone(p.SharedPaths)
	c.Healthcheck.Command = slices.Clone(p.Healthcheck.Command)
	c.Secrets = slices.Clone(p.Secrets)
	c.Labels = maps.Clone(p.Labels)
	c.Env = maps.Clone(p.Env)
	c.Pins = maps.Clone(p.Pins)
	return c
}

// Healthcheck is one of: an exec-form command, an HTTP path to probe, the
// standard gRPC health service on the port, or a binary of the project
// built for the purpose.
type Healthcheck struct {
	// Command is the exec-form probe (["/app/api", "-healthcheck"]).
	Command []string `toml:"command,omitempty"`
	// HTTPPath is a URL path ("/healthz") probed on the service's port with a
	// tool the base has (curl, wget), its language runtime, or slipway's
	// static probe on a base with neither.
	HTTPPath string `toml:"http_path,omitempty"`
	// GRPC probes grpc.health.v1.Health/Check on the service's port, with
	// slipway's static probe (no shell or runtime needed).
	GRPC bool `toml:"grpc,omitempty"`
	// Binary is a program of the project ("healthcheck": a Rust [[bin]], a
	// Go cmd/<name>) built beside main, copied to /app/<binary> and run as
	// the HEALTHCHECK; it exits 0 when the service is healthy.
	Binary string `toml:"binary,omitempty"`
	// Interval, Timeout and StartPeriod are durations ("30s", "1m"; 1ms to
	// 24h); defaults 30s, 5s and 5s.
	Interval    string `toml:"interval,omitempty" want:"a string like \"30s\""`
	Timeout     string `toml:"timeout,omitempty" want:"a string like \"5s\""`
	StartPeriod string `toml:"start_period,omitempty" want:"a string like \"5s\""`
	// Retries is how many failed probes make the container unhealthy
	// (0-100; default 3).
	Retries int `toml:"retries,omitempty,omitzero" want:"a whole number 0-100"`
	// Disabled turns the HEALTHCHECK off explicitly.
	Disabled bool `toml:"disabled,omitempty"`
}

// IsSet reports whether any healthcheck is configured.
func (h Healthcheck) IsSet() bool {
	return !h.Disabled && (len(h.Command) > 0 || h.HTTPPath != "" || h.GRPC || h.Binary != "")
}

// Secret is one build secret. It reaches the build only as a BuildKit secret
// mount: as a file at Target, or as the environment variable Env of the
// build steps that need it. Its value never appears in slipway.toml.
type Secret struct {
	// ID names the secret: `slipway build --secret id=ID,src=FILE` gives it.
	ID string `toml:"id"`
	// Target is the absolute path the secret is mounted at in build steps.
	Target string `toml:"target,omitempty"`
	// Env is the environment variable of the build steps that holds the
	// secret instead of a file; set it or Target.
	Env string `toml:"env,omitempty" want:"a table (an [env] section of NAME = \"value\" lines)"`
	// Optional secrets may be absent at build time.
	Optional bool `toml:"optional,omitempty"`
}
