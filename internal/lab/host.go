package lab

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// nodeExtraCAs makes node (which has its own CA store) trust the system
// bundle, only when the machine has extra CAs (see hostCADir).
func nodeExtraCAs(c *v1.Config) {
	if len(hostCAs()) > 0 {
		setEnv(c, "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt")
	}
}

func hostGo() (goroot, version string) {
	out, err := exec.Command("go", "env", "GOROOT", "GOVERSION").Output()
	if err != nil {
		return "", runtime.Version()
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return "", runtime.Version()
	}
	return f[0], f[1]
}

func hostNode() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "no-node"
	}
	return strings.TrimSpace(string(out))
}

// hostNodeHeaders holds the headers of this machine's node (Debian and
// NodeSource packages install them there).
const hostNodeHeaders = "/usr/include/node"

// copyHostNode copies the machine's node (and npm) into an image tree: as
// /usr/local/bin/node with npm for the build image, /nodejs/bin/node for distroless.
func copyHostNode(dir string, withNpm bool) error {
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("the node stand-ins copy this machine's node 20, which is missing: %w", err)
	}
	if node, err = filepath.EvalSymlinks(node); err != nil {
		return err
	}
	if !withNpm {
		return copyFile(node, filepath.Join(dir, "nodejs/bin/node"), 0o755)
	}
	if err := copyFile(node, filepath.Join(dir, "usr/local/bin/node"), 0o755); err != nil {
		return err
	}
	npm := "/usr/lib/node_modules/npm"
	if _, err := os.Stat(npm); err != nil {
		return fmt.Errorf("npm not found at %s: %w", npm, err)
	}
	if err := copyTree(npm, filepath.Join(dir, "usr/local/lib/node_modules/npm")); err != nil {
		return err
	}
	for tool, target := range map[string]string{"npm": "npm-cli.js", "npx": "npx-cli.js"} {
		if err := os.Symlink("../lib/node_modules/npm/bin/"+target, filepath.Join(dir, "usr/local/bin", tool)); err != nil {
			return err
		}
	}
	return nil
}

// hostCADir holds the machine's own extra CA certificates. When the machine's
// egress goes through a TLS-intercepting proxy, its CA is there: the stand-ins
// carry these certificates in /usr/local/share/ca-certificates, so that
// installing ca-certificates (and so every stand-in's CA bundle and Java
// cacerts) trusts them, like the host does. A machine without extras adds none.
const hostCADir = "/usr/local/share/ca-certificates"

// hostCAs returns the machine's extra CA files (relative name -> contents).
func hostCAs() map[string][]byte {
	cas := map[string][]byte{}
	_ = filepath.WalkDir(hostCADir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".crt") {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil {
			rel, _ := filepath.Rel(hostCADir, p)
			cas[rel] = b
		}
		return nil
	})
	return cas
}

func hostCAsDigest() string {
	cas := hostCAs()
	names := slices.Sorted(maps.Keys(cas))
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\n%x\n", n, sha256.Sum256(cas[n]))
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func addHostCAs(root string) error {
	for name, b := range hostCAs() {
		p := filepath.Join(root, hostCADir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
