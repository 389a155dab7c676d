package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/lint"
	"github.com/slipway/slipway/internal/sign"
	"github.com/slipway/slipway/internal/textsafe"
)

// signFlags are --sign, --key and --password-file.
type signFlags struct {
	sign         bool
	key          string
	passwordFile string
}

func (s *signFlags) add(f *pflag.FlagSet) {
	f.BoolVar(&s.sign, "sign", false, "sign each pushed image by digest (cosign's format, stored in the registry); needs --key")
	f.StringVar(&s.key, "key", "", "encrypted private key for --sign (slipway key generate); its passphrase is $"+sign.EnvPassword+" or --password-file")
	f.StringVar(&s.passwordFile, "password-file", "", "file whose first line is the signing key's passphrase (default $"+sign.EnvPassword+")")
}

// signer loads the key when --sign is given: before anything builds, so a
// wrong passphrase costs no build. --key or --password-file without --sign
// is a usage error rather than a silently ignored flag.
func (s *signFlags) signer(cmd *cobra.Command) (signature.SignerVerifier, error) {
	if !s.sign {
		if s.key != "" || s.passwordFile != "" {
			return nil, &usageError{err: errors.New("--key and --password-file are for --sign"), cmd: cmd}
		}
		return nil, nil
	}
	if s.key == "" {
		return nil, &usageError{err: errors.New("--sign needs --key FILE (make one with 'slipway key generate DIR')"), cmd: cmd}
	}
	pw, err := sign.Password(s.passwordFile)
	if err != nil {
		return nil, errdefs.Invalid(err)
	}
	sv, err := sign.LoadSigner(s.key, pw)
	if err != nil {
		return nil, errdefs.Invalid(err)
	}
	return sv, nil
}

// signOptions are the registry options for signing and verifying: the
// same mirror and loopback rules as every other registry read.
func signOptions(mirror string) sign.Options {
	return sign.Options{Resolve: image.NewRemote(mirror).Reference}
}

// signPushed signs res's image under every tag's repository.
func signPushed(ctx context.Context, cmd *cobra.Command, sv signature.SignerVerifier, o build.Options, digest string) error {
	if digest == "" {
		return errors.New("--sign: the build returned no image digest; nothing was signed")
	}
	done := map[string]bool{}
	for _, t := range o.Tags {
		ref, err := name.ParseReference(t)
		if err != nil {
			return fmt.Errorf("--sign: tag %s: %w", t, err)
		}
		img := ref.Context().Name() + "@" + digest
		if done[img] {
			continue
		}
		done[img] = true
		if err := sign.Sign(ctx, img, sv, signOptions("")); err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "signed %s\n", textsafe.String(img))
	}
	return nil
}

// teamPolicy reads the team's trusted keys for a build in dir.
func teamPolicy(dir, team string) (*sign.Policy, error) {
	t, _, err := config.FindTeam(dir, team)
	if err != nil {
		return nil, err
	}
	return sign.NewPolicy(t)
}

// verifyFrom checks, before the build starts, that every FROM image the
// team's trusted keys cover is signed over the digest it names (its tag
// resolved first when it is not pinned). A refusal exits 1, as a team
// floor does; a malformed Dockerfile or trusted key exits 2.
func verifyFrom(cmd *cobra.Command, o build.Options, team string) error {
	dir := o.ContextDir
	if dir == "" {
		dir = filepath.Dir(o.Dockerfile)
	}
	p, err := teamPolicy(dir, team)
	if err != nil {
		return err
	}
	if p.Empty() {
		return nil
	}
	data, err := os.ReadFile(o.Dockerfile)
	if err != nil {
		return errdefs.Invalid(fmt.Errorf("reading %s: %w", o.Dockerfile, err))
	}
	bases, err := lint.BaseImages(lint.Input{Path: o.Dockerfile, Data: data}, o.BuildArgs)
	if err != nil {
		return errdefs.Invalid(err)
	}
	var refused []error
	for _, b := range bases {
		if !p.Covers(b.Ref) {
			continue
		}
		sts, err := p.Check(cmd.Context(), b.Ref, "", signOptions(""))
		var re *sign.RefusedError
		if errors.As(err, &re) {
			re.Where = fmt.Sprintf("%s:%d", o.Dockerfile, b.Line)
			refused = append(refused, re)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s:%d: verifying the signature of %s: %w", o.Dockerfile, b.Line, b.Ref, err)
		}
		for _, st := range sts {
			fmt.Fprintf(cmd.ErrOrStderr(), "verified %s\n", textsafe.String(st.String()))
		}
	}
	if len(refused) > 0 {
		return withCode(exitFailure, fmt.Errorf("%w\nnothing was built", errors.Join(refused...)))
	}
	return nil
}

// goldenVerifier is golden.BuildOptions.VerifyBase for the team's keys.
func goldenVerifier(p *sign.Policy, mirror string, cmd *cobra.Command) func(ctx context.Context, image, digest string) error {
	if p.Empty() {
		return nil
	}
	return func(ctx context.Context, image, digest string) error {
		sts, err := p.Check(ctx, image, digest, signOptions(mirror))
		if err != nil {
			return err
		}
		for _, st := range sts {
			fmt.Fprintf(cmd.ErrOrStderr(), "verified %s\n", textsafe.String(st.String()))
		}
		return nil
	}
}

// reportSignature prints, for an IMAGE given as a registry reference (not
// a file), its signature status against the team's trusted keys, on
// stderr so that a JSON or SARIF report on stdout stays whole. An image
// the keys cover but did not sign over its digest exits 1; one that no
// trusted key covers is reported as such and passes.
//
// With required (verify --signed-in), an image no trusted key covers is a
// usage error: the check asked for cannot be made.
func reportSignature(cmd *cobra.Command, img, team string, insecure, required bool) error {
	if _, err := os.Stat(img); err == nil {
		return nil // a tarball or layout: no registry holds its signatures
	}
	if _, err := name.ParseReference(img); err != nil {
		return nil // the command itself reported what it could not open
	}
	p, err := teamPolicy(".", team)
	if err != nil {
		return err
	}
	w := cmd.ErrOrStderr()
	if !p.Covers(img) {
		if required {
			return errdefs.Invalid(fmt.Errorf("%s: no [[trusted_key]] of the team file covers it, so its signature cannot be checked", img))
		}
		fmt.Fprintf(w, "signature: %s: no [[trusted_key]] of the team file covers it; not checked\n", textsafe.String(img))
		return nil
	}
	o := sign.Options{Resolve: func(ref string) (name.Reference, error) { return image.ParseReference(ref, insecure) }}
	sts, err := p.Check(cmd.Context(), img, "", o)
	var re *sign.RefusedError
	if errors.As(err, &re) {
		fmt.Fprintf(w, "signature: %s\n", textsafe.String(re.Status.String()))
		return withCode(exitFailure, err)
	}
	if err != nil {
		return fmt.Errorf("checking the signature of %s: %w", img, err)
	}
	for _, st := range sts {
		fmt.Fprintf(w, "signature: %s\n", textsafe.String(st.String()))
	}
	return nil
}

// checkSignedIn is verify --signed-in: the digest of the image file (the
// one verify reports) must be signed by a trusted key in repo. An image
// that does not open is left to verify, which says why.
func checkSignedIn(cmd *cobra.Command, file, workDir, repo string) error {
	tmp, err := os.MkdirTemp(workDir, "slipway-signed-in-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	img, err := image.OpenLocalContext(cmd.Context(), file, tmp)
	if err != nil {
		return nil
	}
	d, err := img.Digest()
	if err != nil {
		return nil
	}
	return reportSignature(cmd, repo+"@"+d.String(), "", false, true)
}
