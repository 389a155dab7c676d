package build

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/tonistiigi/fsutil"
)

// Validate checks o as Build would before contacting the daemon: the
// context and Dockerfile exist, required secrets are given and their
// sources exist, no build arg looks like a credential. The error is an
// *InvalidError.
func (o Options) Validate() error {
	if _, err := prepare(o); err != nil {
		return &InvalidError{Err: err}
	}
	return nil
}

// prepared is Options checked and resolved, ready for Solve.
type prepared struct {
	contextDir, dockerfileDir, dockerfileName string
	secrets                                   []secretsprovider.Source
	ssh                                       []sshprovider.AgentConfig
	attrs                                     map[string]string
	epoch                                     int64 // -1: none
}

// prepare checks o and resolves defaults. It reads no secret value.
func prepare(o Options) (*prepared, error) {
	p := &prepared{epoch: -1}
	dir := o.ContextDir
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("build context %s is not a directory", dir)
	}
	p.contextDir = abs
	df := o.Dockerfile
	if df == "" {
		df = filepath.Join(abs, "Dockerfile")
	}
	df, err = filepath.Abs(df)
	if err != nil {
		return nil, fmt.Errorf("dockerfile %s: %w", o.Dockerfile, err)
	}
	if fi, err := os.Stat(df); err != nil {
		return nil, fmt.Errorf("dockerfile: %w", err)
	} else if fi.IsDir() {
		return nil, fmt.Errorf("dockerfile %s is a directory", df)
	}
	p.dockerfileDir, p.dockerfileName = filepath.Split(df)

	if !o.allowCredentialArgs {
		if err := CheckBuildArgs(o.BuildArgs); err != nil {
			return nil, err
		}
	}
	if p.secrets, err = resolveSecrets(o.Secrets, o.RequiredSecrets); err != nil {
		return nil, err
	}
	for _, s := range o.SSH {
		id, paths, _ := strings.Cut(s, "=")
		if id == "" {
			return nil, fmt.Errorf("--ssh %q: want default or ID=PATH[,PATH]", s)
		}
		ac := sshprovider.AgentConfig{ID: id}
		if paths != "" {
			ac.Paths = strings.Split(paths, ",")
		}
		p.ssh = append(p.ssh, ac)
	}
	for _, out := range o.Outputs {
		switch out.Type {
		case OutputOCI, OutputDocker, OutputTar, OutputLocal:
			if out.Dest == "" {
				return nil, fmt.Errorf("output type=%s needs a dest", out.Type)
			}
		case OutputImage:
		default:
			return nil, fmt.Errorf("output type %q: want oci, docker, tar, local or image", out.Type)
		}
	}
	if o.Push && len(o.Tags) == 0 && !slices.ContainsFunc(o.Outputs, func(x Output) bool { return x.Attrs["name"] != "" }) {
		return nil, errors.New("--push needs an image name: give --tag REGISTRY/REPO:TAG")
	}

	if o.SourceDateEpoch != nil {
		p.epoch = *o.SourceDateEpoch
	} else {
		p.epoch = gitCommitTime(p.contextDir)
	}

	a := map[string]string{"filename": p.dockerfileName}
	for k, v := range o.BuildArgs {
		a["build-arg:"+k] = v
	}
	for k, v := range o.Labels {
		a["label:"+k] = v
	}
	if len(o.Platforms) > 0 {
		a["platform"] = strings.Join(o.Platforms, ",")
	}
	if o.Target != "" {
		a["target"] = o.Target
	}
	if o.NoCache {
		a["no-cache"] = ""
	}
	switch o.Provenance {
	case "":
	case "min", "max":
		a["attest:provenance"] = "mode=" + o.Provenance
	default:
		return nil, fmt.Errorf("provenance %q: want min or max", o.Provenance)
	}
	if p.epoch >= 0 {
		a["build-arg:SOURCE_DATE_EPOCH"] = strconv.FormatInt(p.epoch, 10)
	}
	if o.Checks {
		a["build-arg:BUILDKIT_DOCKERFILE_CHECK"] = "error=true"
	}
	p.attrs = a
	return p, nil
}

// resolveSecrets checks that every required id is given and that each
// source exists. Values are not read: BuildKit's provider reads them when
// a step mounts the secret.
func resolveSecrets(given []Secret, required []string) ([]secretsprovider.Source, error) {
	have := map[string]bool{}
	var out []secretsprovider.Source
	for _, s := range given {
		if s.ID == "" {
			return nil, errors.New("secret without an id")
		}
		if have[s.ID] {
			return nil, fmt.Errorf("secret %s given twice", s.ID)
		}
		have[s.ID] = true
		src := secretsprovider.Source{ID: s.ID, FilePath: s.Src, Env: s.Env}
		if src.Env == "" && src.FilePath == "" {
			// BuildKit's rule for a bare id: $ID when set, else the file ID.
			if _, ok := os.LookupEnv(s.ID); ok {
				src.Env = s.ID
			} else {
				src.FilePath = s.ID
			}
		}
		switch {
		case src.Env != "":
			if _, ok := os.LookupEnv(src.Env); !ok {
				return nil, fmt.Errorf("secret %s: environment variable %s is not set", s.ID, src.Env)
			}
		default:
			fi, err := os.Stat(src.FilePath)
			if err != nil {
				return nil, fmt.Errorf("secret %s: %w", s.ID, err)
			}
			if fi.IsDir() {
				return nil, fmt.Errorf("secret %s: %s is a directory, want a file", s.ID, src.FilePath)
			}
		}
		out = append(out, src)
	}
	var missing []string
	for _, id := range required {
		if !have[id] && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, &MissingSecretsError{IDs: missing}
	}
	return out, nil
}

// MissingSecretsError means slipway.toml declares secrets the build was
// not given.
type MissingSecretsError struct{ IDs []string }

func (e *MissingSecretsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "missing build secret %s (declared in slipway.toml); give ", strings.Join(e.IDs, ", "))
	for i, id := range e.IDs {
		if i > 0 {
			b.WriteString(" and ")
		}
		fmt.Fprintf(&b, "--secret id=%s,src=FILE (or env=VAR)", id)
	}
	b.WriteString(", or mark it optional = true in slipway.toml")
	return b.String()
}

// gitCommitTime is the time of the last commit (reachable from HEAD) that
// touched dir, or 0 when there is none: dir outside a git work tree, never
// committed, or git missing. Using dir's own last commit rather than HEAD's
// keeps a service's digest stable across commits that touch other services
// of the same repository.
func gitCommitTime(dir string) int64 {
	out, err := exec.Command("git", "-C", dir, "log", "-1", "--format=%ct", "--", ".").Output()
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// contextFS is the build context: dir with .dockerignore applied on this
// side too, so an excluded file (.env, keys) is never sent even if a
// frontend forgot to ask for the exclusion.
func contextFS(dir, dockerfileDir, dockerfileName string) (fsutil.FS, error) {
	base, err := fsutil.NewFS(dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	excludes, err := readIgnore(dir, dockerfileDir, dockerfileName)
	if err != nil {
		return nil, err
	}
	if len(excludes) == 0 {
		return base, nil
	}
	// The frontend reads .dockerignore from the context itself.
	excludes = append(excludes, "!.dockerignore")
	return fsutil.NewFilterFS(base, &fsutil.FilterOpt{ExcludePatterns: excludes})
}

// readIgnore reads the exclusions the dockerfile frontend uses: NAME.dockerignore
// beside the Dockerfile, else .dockerignore at the context root.
func readIgnore(dir, dockerfileDir, dockerfileName string) ([]string, error) {
	for _, f := range []string{filepath.Join(dockerfileDir, dockerfileName+".dockerignore"), filepath.Join(dir, ".dockerignore")} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
		pats, err := ignorefile.ReadAll(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
		return pats, nil
	}
	return nil, nil
}

// dockerfileFS serves only the Dockerfile and its own .dockerignore, even
// when it lives in the context directory.
func dockerfileFS(dir, name string) (fsutil.FS, error) {
	base, err := fsutil.NewFS(dir)
	if err != nil {
		return nil, fmt.Errorf("dockerfile directory %s: %w", dir, err)
	}
	return fsutil.NewFilterFS(base, &fsutil.FilterOpt{IncludePatterns: []string{name, name + ".dockerignore"}})
}

// parseCache parses buildx's --cache-from/--cache-to syntax. A value with
// no '=' is a registry reference.
func parseCache(s string) (bkclient.CacheOptionsEntry, error) {
	if !strings.Contains(s, "=") {
		return bkclient.CacheOptionsEntry{Type: "registry", Attrs: map[string]string{"ref": s}}, nil
	}
	fields, err := csvFields(s)
	if err != nil {
		return bkclient.CacheOptionsEntry{}, fmt.Errorf("cache %q: %w", s, err)
	}
	e := bkclient.CacheOptionsEntry{Attrs: map[string]string{}}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return e, fmt.Errorf("cache %q: field %q is not key=value", s, f)
		}
		if strings.ToLower(k) == "type" {
			e.Type = v
		} else {
			e.Attrs[strings.ToLower(k)] = v
		}
	}
	if e.Type == "" {
		return e, fmt.Errorf("cache %q: missing type= (local, registry, inline, gha, s3)", s)
	}
	return e, nil
}
