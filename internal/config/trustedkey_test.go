package config_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

func writePub(t *testing.T, p string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(k.Public())
	writeFile(t, p, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
}

func TestTrustedKeysResolveAgainstTheTeamFile(t *testing.T) {
	dir := t.TempDir()
	writePub(t, filepath.Join(dir, "keys", "platform.pub"))
	file := writeFile(t, filepath.Join(dir, config.TeamFileName), `registry_prefix = "registry.example.com/platform"

[[trusted_key]]
prefix = "registry.example.com/platform/"
key = "keys/platform.pub"
`)
	tm, err := config.LoadTeam(file)
	if err != nil {
		t.Fatal(err)
	}
	g := tm.TrustedKeyGroups()
	if len(g) != 1 || len(g[0]) != 1 {
		t.Fatalf("groups: %+v", g)
	}
	k := g[0][0]
	if k.Path != filepath.Join(dir, "keys", "platform.pub") || k.File != file || k.Line != 3 {
		t.Fatalf("key: %+v", k)
	}
	if !k.Covers("registry.example.com/platform/base:1") || k.Covers("registry.example.com/other/base:1") || k.Covers("docker.io/library/debian") {
		t.Fatal("Covers matches by parts")
	}
}

// The team files of TestTrustedKeyErrorsNameFileAndLine, each the one
// before with a block more: two key-file problems (lines 3 and 7), a
// missing prefix (line 9), an unknown key (line 15).
const (
	trustedKeyKeyFiles = `[[trusted_key]]
prefix = "registry.example.com/platform/"
key = "missing.pub"

[[trusted_key]]
prefix = "registry.example.com/platform/"
key = "not.pub"
`
	trustedKeyNoPrefix = `
[[trusted_key]]
key = "not.pub"
`
	trustedKeyUnknown = `
[[trusted_key]]
prefix = "registry.example.com/x"
key = "not.pub"
colour = "red"
`
)

func TestTrustedKeyErrorsNameFileAndLine(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "not.pub"), "hello\n")
	file := writeFile(t, filepath.Join(dir, config.TeamFileName), trustedKeyKeyFiles+trustedKeyNoPrefix+trustedKeyUnknown)
	_, err := config.LoadTeam(file)
	if !config.IsInvalid(err) {
		t.Fatalf("want invalid, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		file + ":15: trusted_key[3].colour", // unknown key, strict decoding
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	// Without the unknown key: shape and key-file problems, each located.
	file = writeFile(t, filepath.Join(dir, config.TeamFileName), trustedKeyKeyFiles+trustedKeyNoPrefix)
	_, err = config.LoadTeam(file)
	if !config.IsInvalid(err) || !strings.Contains(err.Error(), file+":9: trusted_key[2].prefix: missing") {
		t.Fatalf("shape: %v", err)
	}
	file = writeFile(t, filepath.Join(dir, config.TeamFileName), trustedKeyKeyFiles)
	_, err = config.LoadTeam(file)
	msg = err.Error()
	for _, want := range []string{
		file + ":3: trusted_key[0].key: missing.pub: no such file",
		file + ":7: trusted_key[1].key: not.pub: not a PEM public key",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
}

func TestTrustedKeysOfNestedFilesAllApply(t *testing.T) {
	root := t.TempDir()
	writePub(t, filepath.Join(root, "outer.pub"))
	writePub(t, filepath.Join(root, "svc", "inner.pub"))
	writeFile(t, filepath.Join(root, config.TeamFileName), "[[trusted_key]]\nprefix = \"registry.example.com\"\nkey = \"outer.pub\"\n")
	writeFile(t, filepath.Join(root, "svc", config.TeamFileName), "[[trusted_key]]\nprefix = \"registry.example.com/platform/\"\nkey = \"inner.pub\"\n")
	tm, _, err := config.FindTeam(filepath.Join(root, "svc"), "")
	if err != nil {
		t.Fatal(err)
	}
	g := tm.TrustedKeyGroups()
	if len(g) != 2 || g[0][0].Path != filepath.Join(root, "outer.pub") || g[1][0].Path != filepath.Join(root, "svc", "inner.pub") {
		t.Fatalf("groups: %+v", g)
	}
}
