package lint

import "github.com/slipway/slipway/internal/secrets"

// The detectors live in internal/secrets, shared with `slipway scan`.

// secretName reports whether an ARG/ENV name looks like it holds a secret.
func secretName(name string) bool { return secrets.Name(name) }

// secretValue names what a value looks like, or "" when it looks like no
// credential.
func secretValue(v string) string { return secrets.Value(v) }

// redact masks anything secret-looking in s, keeping a recognisable prefix.
func redact(s string) string { return secrets.Redact(s) }
