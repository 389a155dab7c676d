package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/deploy"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/verify"
)

// hardenFlags are verify's --learn and --seccomp flags.
type hardenFlags struct {
	learn     bool
	seccomp   string
	deployDir string
	imageRef  string
	force     bool
	checkOnly bool
}

// check refuses flags that would be ignored.
func (h hardenFlags) check(cmd *cobra.Command) error {
	if !h.learn {
		for _, f := range []string{"image-ref", "force", "check"} {
			if cmd.Flags().Changed(f) {
				return &usageError{err: fmt.Errorf("--%s only applies with --learn", f), cmd: cmd}
			}
		}
	}
	return nil
}

// dir is the deploy folder: --deploy-dir, else deploy/ beside slipway.toml.
func (h hardenFlags) dir(o verify.Options) string {
	if h.deployDir != "" {
		return h.deployDir
	}
	base := "."
	if o.Config != "" {
		base = filepath.Dir(o.Config)
	}
	return filepath.Join(base, "deploy")
}

// apply sets o.Harden for a plain verify run: --seccomp FILE, else what
// deploy/compose.yaml names, else deploy/seccomp.json.
func (h hardenFlags) apply(cmd *cobra.Command, o *verify.Options) error {
	switch {
	case h.seccomp == "none":
		return nil
	case h.seccomp != "":
		if _, err := os.Stat(h.seccomp); err != nil {
			return errdefs.Invalid(fmt.Errorf("--seccomp: %w", err))
		}
		o.Harden.Seccomp = h.seccomp
		return nil
	}
	dir := h.dir(*o)
	compose := filepath.Join(dir, deploy.ComposeFile)
	if _, err := os.Stat(compose); err == nil {
		hd, err := deploy.ReadHardening(cmd.Context(), compose)
		if err != nil {
			return errdefs.Invalid(err)
		}
		o.Harden = hd
		fmt.Fprintf(o.Log, "hardened as %s names: seccomp %s, tmpfs %v, memory %d bytes, pids %d\n",
			compose, hd.Seccomp, hd.Tmpfs, hd.MemoryLimit, hd.PidsLimit)
		return nil
	}
	if p := filepath.Join(dir, deploy.SeccompFile); fileExists(p) {
		o.Harden.Seccomp = p
	}
	return nil
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// runLearn is verify --learn.
func runLearn(cmd *cobra.Command, o verify.Options, h hardenFlags, format string) error {
	dir := h.dir(o)
	l, err := verify.Learn(cmd.Context(), o, filepath.Join(dir, deploy.SeccompFile))
	if errors.Is(err, fs.ErrNotExist) || image.IsInvalid(err) {
		return errdefs.Invalid(err)
	}
	var pe *verify.ProfileError
	if errors.As(err, &pe) {
		return errdefs.Invalid(err)
	}
	if err != nil {
		return err // an image that is not one, or breaks a limit, is bad input
	}
	out := cmd.OutOrStdout()
	if format == formatJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"recording": l.Recording, "enforced": l.Enforced, "hardening": l.Hardening, "proven": l.Proven()}); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(out, "Recording run:")
		if err := l.Recording.WriteTable(out); err != nil {
			return err
		}
		if l.Enforced != nil {
			fmt.Fprintln(out, "\nEnforced run:")
			if err := l.Enforced.WriteTable(out); err != nil {
				return err
			}
		}
	}
	if !l.Proven() {
		return withCode(exitFailure, errors.New("the image failed verification: no profile or deploy file written"))
	}
	name, ref, err := serviceName(o, l, h.imageRef)
	if err != nil {
		return err
	}
	svc, err := deploy.FromLearned(l, name, ref)
	if err != nil {
		return err
	}
	files, err := deploy.Files(svc)
	if err != nil {
		return err
	}
	log := cmd.ErrOrStderr()
	if h.checkOnly {
		stale, err := deploy.Stale(cmd.Context(), dir, l, files)
		if err != nil {
			return errdefs.Invalid(err)
		}
		for _, s := range stale {
			fmt.Fprintln(log, textsafe.String(s))
		}
		if len(stale) > 0 {
			return withCode(exitFailure, fmt.Errorf("the deploy files in %s no longer hold for this image (%d problem(s)): run verify --learn to update them", dir, len(stale)))
		}
		fmt.Fprintf(log, "the deploy files in %s are up to date\n", dir)
		return nil
	}
	changes, err := deploy.Write(dir, files, h.force)
	var ce *generate.ConflictError
	if errors.As(err, &ce) {
		return withCode(exitFailure, err)
	}
	if err != nil {
		return err
	}
	for _, c := range changes {
		fmt.Fprintf(log, "%s: %s\n", c.Path, verbFor(c.State))
	}
	fmt.Fprintf(log, "profile: %d calls allowed (%d observed), default action %s; limits: memory %d bytes, pids %d; tmpfs %v\n",
		len(l.Profile.Allowed()), len(l.Observation.Syscalls), l.Profile.DefaultAction, l.Hardening.MemoryLimit, l.Hardening.PidsLimit, l.Hardening.Tmpfs)
	return nil
}

func verbFor(s generate.State) string {
	switch s {
	case generate.Same:
		return "up to date"
	case generate.New:
		return "written"
	default:
		return "updated"
	}
}

// serviceName is the deploy files' service name (slipway.toml's name, else
// the image file's) and image reference (--image-ref, else NAME@DIGEST).
func serviceName(o verify.Options, l *verify.Learned, ref string) (string, string, error) {
	name := ""
	if o.Config != "" {
		p, err := config.Load(o.Config)
		if err != nil {
			return "", "", err
		}
		name = p.Name
	}
	if name == "" {
		base := filepath.Base(strings.TrimRight(o.Image, "/"))
		name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if ref == "" {
		ref = name + "@" + l.Enforced.Digest
	}
	return name, ref, nil
}
