// Package build builds images through BuildKit. It is the package of
// slipway that builds with BuildKit's client: it connects to a daemon (unix,
// tcp with mTLS, docker-container://, BUILDKIT_HOST), sends the local
// context and Dockerfile, mounts secrets and SSH agents, imports and exports
// cache, writes outputs atomically, and shows progress. Two other packages
// import parts of BuildKit's client module without building through it:
// internal/lab dials its daemon (client.New, Info) to see that it answers,
// and internal/generate runs the dockerfile frontend's lint in process
// (dockerfile2llb.DockerfileLint, which takes client/llb types). Parsing
// Dockerfiles with BuildKit's parser (lint, golden, bench) is not a client.
//
// The files follow a build's phases: build.go the options and result,
// client.go the connection, prepare.go checking and resolving Options
// before the daemon is asked, solve.go the Solve with its progress,
// outputs.go the exporters and the atomic writing of file outputs,
// contextcheck.go the credential check of the context, errors.go the
// errors, parse.go the buildx-style flag values.
//
// Secret values never pass through this package's own code: BuildKit's
// secrets provider reads them from their file or environment variable when
// a RUN --mount=type=secret asks, and no log line or error echoes them.
package build

import (
	"context"
	"io"
)

// Options is one build.
type Options struct {
	// ContextDir is the build context, sent to BuildKit honouring its
	// .dockerignore. Dockerfile is the Dockerfile's path (default
	// ContextDir/Dockerfile).
	ContextDir, Dockerfile string
	// Secrets are build secrets: an id and where its value comes from.
	Secrets []Secret
	// RequiredSecrets are secret ids the service declares (slipway.toml):
	// one missing from Secrets is an error before the build starts.
	RequiredSecrets []string
	// SSH are SSH agents or keys to forward: "default" or "ID=PATH[,PATH]".
	SSH []string
	// BuildArgs are ARG values. A name that looks like a credential
	// (token, password, key, secret, auth, credential) is refused: build
	// args end up in the image history, secrets must use Secrets.
	BuildArgs map[string]string
	// Tags name the image; Push pushes it to its registry.
	Tags []string
	Push bool
	// Outputs are exporters (oci, docker, local, image, tar). An oci or
	// docker tarball is written atomically: no partial file on failure.
	Outputs []Output
	// Platforms to build for (e.g. linux/amd64); empty: the daemon's.
	Platforms []string
	// CacheFrom and CacheTo use buildx's syntax: type=local,src=DIR,
	// type=local,dest=DIR, type=registry,ref=REF, type=inline.
	CacheFrom, CacheTo []string
	// Labels are image labels.
	Labels map[string]string
	// Target is the stage to build; NoCache disables the build cache.
	Target  string
	NoCache bool
	// SourceDateEpoch fixes timestamps (file mtimes in layers, the image's
	// created time and history). nil: the time of the last git commit that
	// touched ContextDir, else 0 (1970-01-01), so that the same sources
	// always give the same digest. A negative value disables it.
	SourceDateEpoch *int64
	// Provenance attaches a SLSA provenance attestation to the image:
	// "" (none), "min" or "max" (max also records the build's inputs, such
	// as build args: never secrets, which reach the build only as mounts).
	Provenance string
	// Checks fails the build on any of BuildKit's Dockerfile checks
	// (BUILDKIT_DOCKERFILE_CHECK=error=true); on for generated Dockerfiles.
	Checks bool
	// Progress is the display: auto (default), tty, plain, rawjson, quiet.
	// ProgressOut receives it (default os.Stderr).
	Progress    string
	ProgressOut io.Writer

	// allowCredentialArgs skips CheckBuildArgs: only tests set it, to build
	// the leak slipway refuses and prove that scan finds it.
	allowCredentialArgs bool
}

// Secret is one build secret: its id and either a file (Src) or an
// environment variable (Env) that holds its value.
type Secret struct{ ID, Src, Env string }

// Output is one exporter. Type is oci, docker, tar, local or image
// (registry is image with push=true); Dest is a file (oci, docker, tar) or
// a directory (local); "-" is not supported. Attrs are the exporter's other
// attributes (name, push, compression, oci-mediatypes ...).
type Output struct {
	Type  string
	Dest  string
	Attrs map[string]string
}

// Result is what a build produced.
type Result struct {
	// ImageDigest is the digest of the image manifest (or index, for
	// several platforms), when the exporter made one.
	ImageDigest string
	// ConfigDigest is the digest of the image config, when known.
	ConfigDigest string
	// Exporter is the exporter's raw response.
	Exporter map[string]string
	// Warnings are BuildKit's Dockerfile check warnings.
	Warnings []Warning
}

// Warning is one of BuildKit's Dockerfile check warnings.
type Warning struct {
	// Rule is the check's short message, e.g. "JSONArgsRecommended: ...".
	Rule, Detail, URL string
	// File and Line locate it (Line 0: unknown).
	File string
	Line int
}

// Builder builds an image. *Client implements it; tests and wrappers
// (recorders, limiters) may too.
type Builder interface {
	Build(ctx context.Context, o Options) (*Result, error)
}

// ConnectOptions says how to reach buildkitd.
type ConnectOptions struct {
	// Addr is the daemon address: unix:///path, tcp://host:port,
	// docker-container://NAME, ... Empty: $BUILDKIT_HOST, else
	// unix:///run/buildkit/buildkitd.sock.
	Addr string
	// CACert, Cert and Key are PEM files for tcp with (m)TLS; ServerName
	// overrides the name checked in the daemon's certificate.
	CACert, Cert, Key, ServerName string
}

// DefaultAddr is the address used when neither Addr nor BUILDKIT_HOST is set.
const DefaultAddr = "unix:///run/buildkit/buildkitd.sock"
