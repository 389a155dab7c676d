// Package sign signs pushed images and verifies their signatures in
// cosign's format, through the Sigstore Go libraries: an ECDSA P-256 key
// pair whose private half is PEM "ENCRYPTED SIGSTORE PRIVATE KEY" (scrypt
// and NaCl secretbox, go-securesystemslib's encrypted package, as cosign
// writes it), a simple-signing payload naming the image's digest, and a
// signature manifest stored beside the image under cosign's tag
// sha256-<hex>.sig, one layer per signature.
//
// A passphrase or private key never appears in an error this package
// returns: errors name files and images, never secret values.
package sign

import (
	"bytes"
	"crypto"
	"crypto/elliptic"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// File names that GenerateKeys writes in its folder.
const (
	PrivateKeyFile = "slipway.key"
	PublicKeyFile  = "slipway.pub"
)

// EnvPassword holds the private key's passphrase.
const EnvPassword = "SLIPWAY_KEY_PASSWORD"

// maxKeyFile bounds what is read of a key file: a PEM key is well under 4 KiB.
const maxKeyFile = 64 << 10

// Encrypted PEM types: what cosign writes now, and what it wrote before.
const (
	pemEncrypted       = "ENCRYPTED SIGSTORE PRIVATE KEY"
	pemEncryptedCosign = "ENCRYPTED COSIGN PRIVATE KEY"
)

// KeyError is a problem with a key file or its passphrase: bad input (the
// command exits 2). It names the file, never the passphrase.
type KeyError struct {
	File string
	Msg  string
}

func (e *KeyError) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return e.File + ": " + e.Msg
}

// IsKeyError reports whether err is (or wraps) a *KeyError.
func IsKeyError(err error) bool {
	var ke *KeyError
	return errors.As(err, &ke)
}

// Password reads the passphrase: the first line of file when file is not
// empty (a trailing newline is dropped), else $SLIPWAY_KEY_PASSWORD. An
// empty passphrase is refused: the private key is always encrypted.
func Password(file string) ([]byte, error) {
	var pw []byte
	if file != "" {
		b, err := readBounded(file)
		if err != nil {
			return nil, &KeyError{File: file, Msg: "reading the password file: " + errText(err)}
		}
		pw, _, _ = bytes.Cut(b, []byte("\n"))
		pw = bytes.TrimSuffix(pw, []byte("\r"))
		if len(pw) == 0 {
			return nil, &KeyError{File: file, Msg: "the password file is empty"}
		}
		return pw, nil
	}
	pw = []byte(os.Getenv(EnvPassword))
	if len(pw) == 0 {
		return nil, &KeyError{Msg: "no passphrase for the signing key: set $" + EnvPassword + " or pass --password-file FILE"}
	}
	return pw, nil
}

// GenerateKeys writes dir/slipway.key (ECDSA P-256, PKCS#8, encrypted with
// password, PEM) and dir/slipway.pub (PKIX PEM). It refuses to replace
// either file when one exists. The private key is written 0600.
func GenerateKeys(dir string, password []byte) (priv, pub string, err error) {
	if len(password) == 0 {
		return "", "", &KeyError{Msg: "an empty passphrase: the private key is always encrypted"}
	}
	priv, pub = filepath.Join(dir, PrivateKeyFile), filepath.Join(dir, PublicKeyFile)
	for _, p := range []string{priv, pub} {
		if _, err := os.Lstat(p); err == nil {
			return "", "", &KeyError{File: p, Msg: "already exists; slipway never replaces a key (move it away first)"}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", "", &KeyError{File: p, Msg: errText(err)}
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", &KeyError{File: dir, Msg: errText(err)}
	}
	privPEM, pubPEM, err := cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), cryptoutils.StaticPasswordFunc(password))
	if err != nil {
		return "", "", fmt.Errorf("generating the key pair: %w", err)
	}
	// O_EXCL: a file that appeared since the check is not replaced either.
	if err := writeNew(priv, privPEM, 0o600); err != nil {
		return "", "", err
	}
	if err := writeNew(pub, pubPEM, 0o644); err != nil {
		os.Remove(priv) // ours, written just now: no half pair is left
		return "", "", err
	}
	return priv, pub, nil
}

func writeNew(p string, b []byte, perm os.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &KeyError{File: p, Msg: "already exists; slipway never replaces a key (move it away first)"}
		}
		return &KeyError{File: p, Msg: errText(err)}
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(p)
		return &KeyError{File: p, Msg: errText(err)}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(p)
		return &KeyError{File: p, Msg: errText(err)}
	}
	return f.Close()
}

// LoadSigner reads an encrypted private key (cosign's or slipway's) and
// decrypts it with password. An unencrypted key is refused.
func LoadSigner(file string, password []byte) (signature.SignerVerifier, error) {
	b, err := readBounded(file)
	if err != nil {
		return nil, &KeyError{File: file, Msg: "reading the signing key: " + errText(err)}
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, &KeyError{File: file, Msg: "not a PEM private key"}
	}
	if blk.Type != pemEncrypted && blk.Type != pemEncryptedCosign {
		return nil, &KeyError{File: file, Msg: fmt.Sprintf("a PEM %q block; want an encrypted key (%q) as 'slipway key generate' or cosign writes", blk.Type, pemEncrypted)}
	}
	if len(password) == 0 {
		return nil, &KeyError{File: file, Msg: "no passphrase for the signing key"}
	}
	key, err := cryptoutils.UnmarshalPEMToPrivateKey(b, cryptoutils.StaticPasswordFunc(password))
	if err != nil {
		// The library's message says decryption failed; it holds no secret,
		// but keep ours fixed so that nothing of the input is echoed.
		return nil, &KeyError{File: file, Msg: "cannot decrypt the signing key: wrong passphrase or a damaged key file"}
	}
	sv, err := signature.LoadSignerVerifier(key, crypto.SHA256)
	if err != nil {
		return nil, &KeyError{File: file, Msg: "unsupported key: " + errText(err)}
	}
	return sv, nil
}

// LoadVerifier reads a PEM public key (slipway.pub, cosign.pub).
func LoadVerifier(file string) (signature.Verifier, error) {
	b, err := readBounded(file)
	if err != nil {
		return nil, &KeyError{File: file, Msg: "reading the public key: " + errText(err)}
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(b)
	if err != nil {
		return nil, &KeyError{File: file, Msg: "not a PEM public key"}
	}
	if err := cryptoutils.ValidatePubKey(pub); err != nil {
		return nil, &KeyError{File: file, Msg: "unsafe public key: " + errText(err)}
	}
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return nil, &KeyError{File: file, Msg: "unsupported public key: " + errText(err)}
	}
	return v, nil
}

func readBounded(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("larger than %d bytes: not a key", maxKeyFile)
	}
	return b, nil
}

// errText is an OS error without the path it repeats.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return strings.TrimSpace(err.Error())
}
