package bench

import (
	"archive/tar"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/textsafe"
)

// imageSizes are one image's sizes.
type imageSizes struct {
	// Compressed is the config blob plus every layer blob, as the
	// manifest lists them: what a registry stores and a pull downloads.
	Compressed int64
	// Unpacked is the bytes of the regular files of the flattened
	// filesystem (a hard link counted once).
	Unpacked int64
	Layers   int
	// Payload is Unpacked restricted to the payload paths asked for.
	Payload int64
	// Matched are the payload paths that matched at least one file.
	Matched map[string]bool
}

// measureImage opens the OCI or docker tarball at p (unpacking it under
// tmp) and measures it; payload are absolute paths (files or directories)
// whose files make up the payload.
func measureImage(p, tmp string, payload []string) (*imageSizes, error) {
	img, err := image.OpenLocal(p, tmp)
	if err != nil {
		return nil, err
	}
	mf, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading the manifest of %s: %w", p, err)
	}
	s := &imageSizes{Compressed: mf.Config.Size, Layers: len(mf.Layers), Matched: map[string]bool{}}
	for _, l := range mf.Layers {
		s.Compressed += l.Size
	}
	err = image.WalkFlattened(img, func(name string, hdr *tar.Header, _ *tar.Reader) error {
		if hdr.Typeflag != tar.TypeReg {
			return nil
		}
		s.Unpacked += hdr.Size
		for _, pre := range payload {
			if name == pre || strings.HasPrefix(name, pre+"/") {
				s.Payload += hdr.Size
				s.Matched[pre] = true
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the filesystem of %s: %w", p, err)
	}
	return s, nil
}

// buildRun is one timed build.
type buildRun struct {
	D        time.Duration
	Res      *build.Result
	Progress string // BuildKit's plain progress output
}

// buildImage builds the Dockerfile in dir (generated or hand-written) and
// times it. With out set the image is exported as an OCI tarball there;
// without, it is kept in the daemon (`slipway build` with no --output).
// Generated Dockerfiles are built with BuildKit's checks as errors, as
// slipway build does. The progress log is kept next to dir (as
// dir.NAME.log) for --keep.
func buildImage(ctx context.Context, env *Env, dir string, ex examples.Example, out string, checks bool) (*buildRun, error) {
	cl, err := env.Builder(ctx)
	if err != nil {
		return nil, err
	}
	for k, v := range ex.Env {
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	o := build.Options{
		ContextDir:      dir,
		Secrets:         ex.Secrets,
		RequiredSecrets: ex.SecretIDs(),
		Checks:          checks,
		Progress:        "plain",
	}
	if out != "" {
		o.Outputs = []build.Output{{Type: build.OutputOCI, Dest: out}}
	}
	var progress strings.Builder
	o.ProgressOut = &progress
	start := time.Now()
	res, err := cl.Build(ctx, o)
	r := &buildRun{D: time.Since(start), Res: res, Progress: progress.String()}
	env.buildLogs++
	_ = os.WriteFile(fmt.Sprintf("%s.%d.log", dir, env.buildLogs), []byte(r.Progress), 0o644)
	if err != nil {
		return nil, fmt.Errorf("building %s: %w\n%s", dir, err, textsafe.Tail(r.Progress, 30))
	}
	return r, nil
}

// steps lists the Dockerfile steps of a plain progress log (base images
// and BuildKit's internal steps left out), and those of them marked CACHED.
func steps(progress string) (all, cached []string) {
	names := map[string]string{}
	for _, line := range strings.Split(progress, "\n") {
		id, rest, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(id, "#") {
			continue
		}
		if _, seen := names[id]; !seen {
			names[id] = rest
			if isStep(rest) {
				all = append(all, rest)
			}
			continue
		}
		if name := names[id]; rest == "CACHED" && isStep(name) {
			cached = append(cached, name)
		}
	}
	return all, cached
}

// cachedSteps are the steps of a progress log that BuildKit marked CACHED.
func cachedSteps(progress string) []string {
	_, cached := steps(progress)
	return cached
}

// countSteps counts the steps of a progress log, and those CACHED.
func countSteps(progress string) (total, cached int) {
	all, c := steps(progress)
	return len(all), len(c)
}
