package generate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/slipway/slipway/internal/config"
)

// ContextDir returns the build context of the service in dir: dir itself,
// or, with service_dir, the folder as many levels up as service_dir has
// segments.
func ContextDir(dir string, p *config.Project) string {
	if p.ServiceDir == "" {
		return dir
	}
	up := strings.Repeat(".."+string(filepath.Separator), strings.Count(p.ServiceDir, "/")+1)
	return filepath.Clean(filepath.Join(dir, up))
}

// CheckTree checks the keys that name files against the service's tree:
// every runtime file exists in the service folder; with service_dir, the
// folder really is at that path of its context, and every shared path
// exists there. Config validation has already refused '..' and absolute
// paths; a path that reaches outside through a symbolic link is refused
// here.
func CheckTree(dir string, p *config.Project) error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, &config.FieldError{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	exists := func(root, rel string) error {
		full := filepath.Join(root, filepath.FromSlash(rel))
		if _, err := os.Stat(full); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s does not exist", full)
			}
			return err
		}
		real, err := filepath.EvalSymlinks(full)
		if err != nil {
			return err
		}
		realRoot, err := filepath.EvalSymlinks(root)
		if err != nil {
			return err
		}
		if r, err := filepath.Rel(realRoot, real); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%s leads outside %s through a symbolic link", full, root)
		}
		return nil
	}
	for i, f := range p.RuntimeFiles {
		if err := exists(dir, f); err != nil {
			add(fmt.Sprintf("runtime_files[%d]", i), "%v: runtime files are copied from the service folder at build time", err)
		}
	}
	if p.ServiceDir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		ctx := ContextDir(abs, p)
		if got := filepath.Join(ctx, filepath.FromSlash(p.ServiceDir)); got != abs {
			add("service_dir", "this folder is %s, not %q of %s", abs, p.ServiceDir, ctx)
		} else {
			for i, s := range p.SharedPaths {
				if err := exists(ctx, s); err != nil {
					add(fmt.Sprintf("shared_paths[%d]", i), "%v: shared paths are relative to the build context %s", err, ctx)
				}
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &config.InvalidError{Errs: errs}
}

// rootIgnore turns the service's ignore file into the one of a build
// context above it. With shared paths, everything is excluded and only the
// service folder and the shared paths are let back in; without, the whole
// context is sent. Every pattern of the service's file then applies at the
// root of each part sent (and at the context root when all of it is), so
// that keys, .env files and build output stay out wherever they are; a
// "**/" pattern already applies at every depth and is kept as it is.
func rootIgnore(body []byte, serviceDir string, shared []string) []byte {
	var b strings.Builder
	roots := append([]string{serviceDir}, shared...)
	if len(shared) == 0 {
		fmt.Fprintf(&b, "# The build context is the repository root (%s is this service's folder in it):\n# all of it is sent, less what follows, at the root and in the service folder.\n\n", serviceDir)
		roots = []string{"", serviceDir}
	} else {
		fmt.Fprintf(&b, "# The build context is the repository root: only this service's folder (%s)\n# and its shared paths are sent, less what follows in each of them.\n*\n", serviceDir)
		for _, r := range roots {
			fmt.Fprintf(&b, "!%s\n", r)
		}
		b.WriteString("\n")
	}
	for _, l := range strings.Split(string(body), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			b.WriteString(l + "\n")
			continue
		}
		neg := ""
		if rest, ok := strings.CutPrefix(t, "!"); ok {
			neg, t = "!", rest
		}
		t = strings.TrimPrefix(t, "/")
		if strings.HasPrefix(t, "**/") {
			// Already matches at any depth of the context.
			fmt.Fprintf(&b, "%s%s\n", neg, t)
			continue
		}
		for _, r := range roots {
			if r == "" {
				fmt.Fprintf(&b, "%s%s\n", neg, t)
			} else {
				fmt.Fprintf(&b, "%s%s/%s\n", neg, r, t)
			}
		}
	}
	return tidy([]byte(b.String()))
}
