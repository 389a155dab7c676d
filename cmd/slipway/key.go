package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/sign"
	"github.com/slipway/slipway/internal/textsafe"
)

func newKeyCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "key",
		Short: "Make the key pair that signs golden and service images",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	c.AddCommand(newKeyGenerateCmd())
	return c
}

func newKeyGenerateCmd() *cobra.Command {
	var passwordFile string
	c := &cobra.Command{
		Use:   "generate DIR",
		Short: "Write DIR/slipway.key (encrypted) and DIR/slipway.pub",
		Long: `generate writes a new ECDSA P-256 key pair in cosign's format:
DIR/slipway.key, the private key encrypted with a passphrase (PEM
"ENCRYPTED SIGSTORE PRIVATE KEY", scrypt and NaCl secretbox; mode 0600), and
DIR/slipway.pub, the public key (PEM) that a team file's [[trusted_key]]
table names and that 'cosign verify --key' accepts.

The passphrase is read from --password-file (its first line) or from
$SLIPWAY_KEY_PASSWORD, never from a flag's value: a flag would be kept in
shell history and shown by ps. An existing key file is never replaced.`,
		Example: `  SLIPWAY_KEY_PASSWORD=... slipway key generate keys/
  slipway key generate --password-file /run/secrets/signing-pass keys/`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := sign.Password(passwordFile)
			if err != nil {
				return errdefs.Invalid(err)
			}
			priv, pub, err := sign.GenerateKeys(args[0], pw)
			if sign.IsKeyError(err) {
				return errdefs.Invalid(err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (private, encrypted) and %s (public)\n", textsafe.String(priv), textsafe.String(pub))
			return nil
		},
	}
	c.Flags().StringVar(&passwordFile, "password-file", "", "file whose first line is the passphrase (default $"+sign.EnvPassword+")")
	return c
}
