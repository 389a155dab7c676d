package config

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/slipway/slipway/internal/tomlx"
)

// TrustedKey is one [[trusted_key]] table of a team file: every image
// whose reference lies under its prefix (matched by parts, as
// allowed_registries is) must carry a cosign signature, over the exact
// digest used, by its key or by another key the same file trusts for a
// prefix that covers the image.
type TrustedKey struct {
	// Prefix is a registry or repository prefix: "registry.example.com",
	// "registry.example.com/platform/".
	Prefix string `toml:"prefix"`
	// Key is a PEM public key file (slipway.pub, cosign.pub), relative to
	// the team file.
	Key string `toml:"key"`

	// Path is Key resolved against the team file's folder; File and Line
	// say where the table is (set when the file is read).
	Path string `toml:"-"`
	File string `toml:"-"`
	Line int    `toml:"-"`
}

// maxPublicKey bounds a trusted key file: a PEM public key is under 2 KiB.
const maxPublicKey = 64 << 10

// validateKeys checks the tables' shape (Validate: no file is read).
func (t *Team) validateKeys(pr *problems) {
	for i, k := range t.TrustedKeys {
		at := fmt.Sprintf("trusted_key[%d]", i)
		switch {
		case k.Prefix == "":
			pr.add(at+".prefix", "missing: the registry or repository prefix whose images this key signs (e.g. registry.example.com/platform/)")
		case BadChar(k.Prefix) != "" || strings.ContainsAny(k.Prefix, " \t"):
			pr.add(at+".prefix", "%q is not a registry or repository prefix", k.Prefix)
		default:
			if _, err := ParseRefPattern(k.Prefix); err != nil {
				pr.add(at+".prefix", "%v (e.g. registry.example.com/platform/)", err)
			}
		}
		if k.Key == "" {
			pr.add(at+".key", "missing: the path of a PEM public key (slipway.pub), relative to the team file")
		} else if BadChar(k.Key) != "" {
			pr.add(at+".key", "%q is not a file path", k.Key)
		}
	}
}

// resolveKeys sets each table's Path, File and Line and checks that the
// key file holds a PEM public key; problems name the file and line of the
// key = line.
func (t *Team) resolveKeys(file string, src []byte) []error {
	var pr problems
	dir := filepath.Dir(file)
	for i := range t.TrustedKeys {
		k := &t.TrustedKeys[i]
		k.File = file
		k.Path = k.Key
		if !filepath.IsAbs(k.Path) {
			k.Path = filepath.Join(dir, filepath.FromSlash(k.Key))
		}
		if err := checkPublicKey(k.Path); err != nil {
			pr.add(fmt.Sprintf("trusted_key[%d].key", i), "%s: %v", k.Key, err)
		}
	}
	errs := []error{}
	if e := Locate(pr.err(), file, src); e != nil {
		errs = e.(*InvalidError).Errs
	}
	for i := range t.TrustedKeys {
		t.TrustedKeys[i].Line = tomlx.LineOf(src, fmt.Sprintf("trusted_key[%d]", i))
	}
	return errs
}

func checkPublicKey(p string) error {
	f, err := os.Open(p)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return pe.Err
		}
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPublicKey+1))
	if err != nil {
		return err
	}
	if len(b) > maxPublicKey {
		return fmt.Errorf("larger than %d bytes: not a public key", maxPublicKey)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return errors.New("not a PEM public key (want a PUBLIC KEY block, as slipway.pub or cosign.pub)")
	}
	if _, err := x509.ParsePKIXPublicKey(blk.Bytes); err != nil {
		return fmt.Errorf("not a public key: %v", err)
	}
	return nil
}

// TrustedKeyGroups returns each merged team file's [[trusted_key]] tables,
// outermost file first, leaving out files without any. An image covered by
// a group must be signed by a key of that group that covers it; every
// group that covers it applies, so a nested file can add a requirement but
// never lift one.
func (t *Team) TrustedKeyGroups() [][]TrustedKey {
	var out [][]TrustedKey
	if t.layers == nil {
		if len(t.TrustedKeys) > 0 {
			out = append(out, t.TrustedKeys)
		}
		return out
	}
	for _, l := range t.layers {
		if len(l.keys) > 0 {
			out = append(out, l.keys)
		}
	}
	return out
}

// Covers reports whether ref (an image reference) lies under k's prefix.
func (k TrustedKey) Covers(ref string) bool {
	p, err := ParseRefPattern(k.Prefix)
	return err == nil && p.Match(ref)
}
