package lab

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/shells"
)

// distrolessSets are the Debian packages each distroless stand-in adds to its
// parent, with their library dependencies (packages named lib*) when libs is set.
var distrolessSets = []struct {
	ref, parent string
	libs        bool
	pkgs        []string
}{
	{refStatic, "", false, []string{"tzdata", "netbase"}}, // data only: no libc
	{refBase, refStatic, true, []string{"libc6", "libssl3"}},
	{refCC, refBase, true, []string{"libgcc-s1", "libstdc++6", "libgomp1"}},
	{refJava, refCC, true, []string{"openjdk-17-jre-headless"}},
	{refNode, refCC, true, nil},
	{refPython, refCC, true, []string{"python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib"}},
}

// notInDistroless are lib* packages pulled in by maintainer-script or
// debconf dependencies that a distroless image does not need.
var notInDistroless = map[string]bool{
	"libc-bin": true, "libperl5.36": true, "libdebian-installer4": true, "libnewt0.52": true,
	"libslang2": true, "libtextwrap1": true, "libpam-modules": true, "libpam-modules-bin": true,
	"libpam-runtime": true,
}

// isLib reports whether a Debian package is a shared library package.
func isLib(pkg string) bool { return strings.HasPrefix(pkg, "lib") || pkg == "zlib1g" }

// distrolessDebs downloads, once, every Debian package the distroless
// stand-ins use, resolves each set's dependencies, and extracts the CA bundle
// and Java's cacerts from a real install. It returns the directory holding
// them and, for each distroless ref, the packages it adds to its parent.
func (b *builder) distrolessDebs(ctx context.Context) (string, map[string][]string, error) {
	b.distrolessOnce.Do(func() {
		b.distrolessDir, b.distrolessErr = b.fetchDistroless(ctx)
	})
	if b.distrolessErr != nil {
		return "", nil, b.distrolessErr
	}
	sets := map[string][]string{}
	for _, s := range distrolessSets {
		data, err := os.ReadFile(filepath.Join(b.distrolessDir, setFile(s.ref)))
		if err != nil {
			return "", nil, err
		}
		sets[s.ref] = strings.Fields(string(data))
	}
	return b.distrolessDir, sets, nil
}

func setFile(ref string) string {
	return strings.NewReplacer("/", "_", ":", "_").Replace(ref) + ".pkgs"
}

func (b *builder) fetchDistroless(ctx context.Context) (string, error) {
	mirror, security := debianMirror()
	key := b.keys[refDebian] + "-" + recipeVersion
	for _, s := range distrolessSets {
		key += fmt.Sprintf(",%v:%s", s.libs, strings.Join(s.pkgs, "+"))
	}
	out := b.p.join("work", "distroless", fmt.Sprintf("%x", sha256Sum(key+mirror+security))[:16])
	if _, err := os.Stat(filepath.Join(out, "done")); err == nil {
		return out, nil
	}
	if err := b.aptUpdate(ctx); err != nil {
		return "", err
	}
	b.aptMu.Lock()
	defer b.aptMu.Unlock()
	logf(b.log, "fetching Debian packages for the distroless stand-ins")
	_ = os.RemoveAll(out)
	if err := os.MkdirAll(filepath.Join(out, "debs"), 0o755); err != nil {
		return "", err
	}
	// 1. A real install gives the generated CA bundle and Java cacerts; the
	//    dependency closures are resolved in the same tree.
	var script strings.Builder
	script.WriteString(`mkdir -p /usr/share/man/man1
apt-get install -y -q ca-certificates openjdk-17-jre-headless
cp /etc/ssl/certs/ca-certificates.crt /mnt/ca-certificates.crt
cp -L /etc/ssl/certs/java/cacerts /mnt/java-cacerts
closure() { apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "$@" | grep -v '^ ' | grep -v '^<' | sort -u; }
`)
	for _, s := range distrolessSets {
		if len(s.pkgs) == 0 {
			fmt.Fprintf(&script, ": > /mnt/%s.closure\n", setFile(s.ref))
			continue
		}
		fmt.Fprintf(&script, "closure %s > /mnt/%s.closure\n", strings.Join(s.pkgs, " "), setFile(s.ref))
	}
	upper := filepath.Join(out, "upper")
	defer os.RemoveAll(upper)
	if err := b.chrootRun(ctx, []string{b.debianRootfs()}, upper, out, script.String()); err != nil {
		return "", err
	}
	// 2. Each set: its explicit packages and their lib* dependencies, minus
	//    what its ancestors already have.
	have := map[string]map[string]bool{}
	var all []string
	for _, s := range distrolessSets {
		data, err := os.ReadFile(filepath.Join(out, setFile(s.ref)+".closure"))
		if err != nil {
			return "", err
		}
		explicit := map[string]bool{}
		for _, p := range s.pkgs {
			explicit[p] = true
		}
		mine := map[string]bool{}
		for p := range have[s.parent] {
			mine[p] = true
		}
		var add []string
		for _, p := range strings.Fields(string(data)) {
			if mine[p] || notInDistroless[p] || !(explicit[p] || s.libs && isLib(p)) {
				continue
			}
			mine[p] = true
			add = append(add, p)
		}
		sort.Strings(add)
		have[s.ref] = mine
		all = append(all, add...)
		if err := os.WriteFile(filepath.Join(out, setFile(s.ref)), []byte(strings.Join(add, "\n")+"\n"), 0o644); err != nil {
			return "", err
		}
	}
	// 3. Download them (apt-get download needs no install).
	upper2 := filepath.Join(out, "upper2")
	defer os.RemoveAll(upper2)
	if err := b.chrootRun(ctx, []string{b.debianRootfs()}, upper2, out, "cd /mnt/debs && apt-get download -q "+strings.Join(all, " ")); err != nil {
		return "", err
	}
	return out, os.WriteFile(filepath.Join(out, "done"), nil, 0o644)
}

// distrolessLayer assembles the files a distroless stand-in adds to its parent.
func (b *builder) distrolessLayer(ctx context.Context, ref, dir string) error {
	debs, sets, err := b.distrolessDebs(ctx)
	if err != nil {
		return err
	}
	for _, pkg := range sets[ref] {
		m, _ := filepath.Glob(filepath.Join(debs, "debs", pkg+"_*.deb"))
		if len(m) != 1 {
			return fmt.Errorf("package %s: found %d .deb files", pkg, len(m))
		}
		if err := b.run(ctx, "dpkg-deb", "-x", m[0], dir); err != nil {
			return err
		}
		control, err := output(ctx, "dpkg-deb", "-f", m[0])
		if err != nil {
			return err
		}
		if err := writeTree(dir, map[string]string{"var/lib/dpkg/status.d/" + pkg: control + "\n"}); err != nil {
			return err
		}
	}
	switch ref {
	case refStatic:
		if err := staticFiles(dir, debs, b.debianRootfs()); err != nil {
			return err
		}
	case refJava:
		if err := copyFile(filepath.Join(debs, "java-cacerts"), filepath.Join(dir, "etc/ssl/certs/java/cacerts"), 0o644); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, "usr/bin"), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(jvmDir+"/bin/java", filepath.Join(dir, "usr/bin/java")); err != nil {
			return err
		}
	case refNode:
		if err := copyHostNode(dir, false); err != nil {
			return err
		}
	case refPython:
		if err := os.Symlink("python3.11", filepath.Join(dir, "usr/bin/python3")); err != nil {
			return err
		}
	}
	for _, g := range []string{"usr/share/man", "usr/share/info", "usr/share/lintian", "usr/share/locale", "etc/init.d", "etc/cron.daily"} {
		_ = os.RemoveAll(filepath.Join(dir, g))
	}
	if err := slimDocs(dir); err != nil {
		return err
	}
	// No shell in a distroless image, whatever a package shipped.
	for _, sh := range shells.Paths() {
		p := filepath.Join(dir, sh)
		if _, err := os.Lstat(p); err == nil {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	// ldconfig's cache: a real install writes it; loaders find /lib paths anyway.
	return nil
}

func staticFiles(dir, debs, debianRoot string) error {
	if err := writeTree(dir, map[string]string{
		"etc/passwd":        "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
		"etc/group":         "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n",
		"etc/nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\nethers: files\nrpc: files\n",
	}); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(debs, "ca-certificates.crt"), filepath.Join(dir, "etc/ssl/certs/ca-certificates.crt"), 0o644); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(debianRoot, "usr/lib/os-release"), filepath.Join(dir, "etc/os-release"), 0o644); err != nil {
		return err
	}
	for d, mode := range map[string]os.FileMode{"tmp": 0o1777, "root": 0o700, "home/nonroot": 0o700, "var/lib/dpkg/status.d": 0o755} {
		p := filepath.Join(dir, d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(p, mode); err != nil {
			return err
		}
	}
	return os.Chown(filepath.Join(dir, "home/nonroot"), 65532, 65532)
}

func distrolessConfig(ref string) func(c *v1.Config) {
	return func(c *v1.Config) {
		setEnv(c, "PATH="+defaultPath, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt")
		c.User = nonrootUID
		c.WorkingDir = "/home/nonroot"
		switch ref {
		case refJava:
			setEnv(c, "JAVA_VERSION=17", "LANG=C.UTF-8")
			c.Entrypoint = []string{"/usr/bin/java", "-jar"}
		case refNode:
			nodeExtraCAs(c)
			c.Entrypoint = []string{"/nodejs/bin/node"}
		case refPython:
			setEnv(c, "LANG=C.UTF-8")
			c.Entrypoint = []string{"/usr/bin/python3.11"}
		}
	}
}

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }

func writeTree(dir string, files map[string]string) error {
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}
