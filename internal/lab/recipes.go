package lab

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/shells"
)

// The stand-ins, parents before children.
const (
	refDebian       = "docker.io/library/debian:bookworm-slim"
	refStatic       = "gcr.io/distroless/static-debian12:nonroot"
	refBase         = "gcr.io/distroless/base-debian12:nonroot"
	refCC           = "gcr.io/distroless/cc-debian12:nonroot"
	refJava         = "gcr.io/distroless/java17-debian12:nonroot"
	refNode         = "gcr.io/distroless/nodejs20-debian12:nonroot"
	refPython       = "gcr.io/distroless/python3-debian12:nonroot"
	refGolang       = "docker.io/library/golang:1.26-bookworm" // the machine's own Go
	refNodeBuild    = "docker.io/library/node:20-bookworm-slim"
	refPythonBuild  = "docker.io/library/python:3.11-slim-bookworm"
	refMaven        = "docker.io/library/maven:3-eclipse-temurin-17"
	refRust         = "docker.io/library/rust:1-slim-bookworm"
	nonrootUID      = "65532"
	jvmDir          = "/usr/lib/jvm/java-17-openjdk-amd64"
	distrolessTitle = "distroless"
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

func recipes() []recipe {
	mirror, security := debianMirror()
	goroot, goVersion := hostGo()
	nodeVersion := hostNode()
	rs := []recipe{{
		ref:    refDebian,
		inputs: []string{"debootstrap --variant=minbase bookworm", mirror, security},
		rootfs: (*builder).debianRootfs,
		layer:  debianLayer,
		config: func(c *v1.Config) { c.Cmd = []string{"bash"} },
	}}
	for _, s := range distrolessSets {
		s := s
		rs = append(rs, recipe{
			ref: s.ref, parent: s.parent, after: []string{refDebian},
			inputs: append([]string{"distroless", mirror, security, nodeVersion, fmt.Sprint(s.libs)}, s.pkgs...),
			layer:  func(ctx context.Context, b *builder, dir string) error { return b.distrolessLayer(ctx, s.ref, dir) },
			config: distrolessConfig(s.ref),
		})
	}
	rs = append(rs, goRecipe(refGolang, strings.TrimPrefix(goVersion, "go"), []string{goroot, goVersion}, func(context.Context, *builder) (string, error) {
		if goroot == "" {
			return "", fmt.Errorf("no Go toolchain on this machine (`go env GOROOT` failed)")
		}
		return goroot, nil
	}))
	for _, t := range proxyGoToolchains {
		rs = append(rs, goRecipe(t.ref, t.version, []string{"golang.org/toolchain@" + toolchainModuleVersion(t.version)}, func(ctx context.Context, b *builder) (string, error) {
			return b.downloadToolchain(ctx, t.version)
		}))
	}
	rs = append(rs,
		recipe{
			ref: refNodeBuild, parent: refDebian,
			inputs: []string{"ca-certificates node-user", nodeVersion, "headers in /usr/local/include/node, npm_config_nodedir"},
			layer: func(ctx context.Context, b *builder, dir string) error {
				if err := b.aptLayer(ctx, dir, `apt-get install -y -q ca-certificates
groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node`); err != nil {
					return err
				}
				if err := copyHostNode(dir, true); err != nil {
					return err
				}
				// The official image carries Node's headers here; node-gyp
				// compiles addons against them.
				if err := copyTree(hostNodeHeaders, filepath.Join(dir, "usr/local/include/node")); err != nil {
					return fmt.Errorf("the node build stand-in needs this machine's Node headers (%s, from the nodejs package): %w", hostNodeHeaders, err)
				}
				return nil
			},
			config: func(c *v1.Config) {
				// Where the official image's node-gyp would download the same
				// headers from nodejs.org (unreachable here), the stand-in
				// points it at the ones it carries. Only the build stand-in
				// says so; generated Dockerfiles never name a nodedir.
				setEnv(c, "NODE_VERSION="+strings.TrimPrefix(nodeVersion, "v"), "npm_config_nodedir=/usr/local")
				nodeExtraCAs(c)
				c.Cmd = []string{"node"}
			},
		},
		recipe{
			ref: refPythonBuild, parent: refDebian,
			inputs: []string{"python3 python3-venv python3-pip, no EXTERNALLY-MANAGED"},
			layer: func(ctx context.Context, b *builder, dir string) error {
				return b.aptLayer(ctx, dir, `apt-get install -y -q ca-certificates python3 python3-venv python3-pip
ln -sf /usr/bin/python3 /usr/local/bin/python
ln -sf /usr/bin/pip3 /usr/local/bin/pip
rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED`)
			},
			config: func(c *v1.Config) { setEnv(c, "LANG=C.UTF-8", "PYTHON_VERSION=3.11"); c.Cmd = []string{"python3"} },
			wire:   pypiEnv,
		},
		recipe{
			ref: refMaven, parent: refDebian,
			inputs: append([]string{"openjdk-17-jdk-headless maven ca-certificates-java", mavenSettings}, mavenDebs...),
			layer: func(ctx context.Context, b *builder, dir string) error {
				return b.aptLayer(ctx, dir, `mkdir -p /usr/share/man/man1
apt-get install -y -q ca-certificates openjdk-17-jdk-headless maven `+strings.Join(mavenDebs, " ")+`
cat > /usr/share/maven/conf/settings.xml <<'XML'
`+mavenSettings+`XML`)
			},
			config: func(c *v1.Config) {
				setEnv(c, "JAVA_HOME="+jvmDir, "MAVEN_HOME=/usr/share/maven", "MAVEN_CONFIG=/root/.m2", "LANG=C.UTF-8")
				c.Cmd = []string{"mvn"}
			},
		},
		recipe{
			ref: refRust, parent: refDebian,
			inputs: append([]string{"rustc cargo ca-certificates (Debian's)", cargoConfig}, cargoDebs...),
			layer: func(ctx context.Context, b *builder, dir string) error {
				return b.aptLayer(ctx, dir, `apt-get install -y -q ca-certificates rustc cargo `+strings.Join(cargoDebs, " ")+`
mkdir -p /usr/local/cargo/bin && chmod -R a+w /usr/local/cargo
cat > /usr/local/cargo/config.toml <<'TOML'
`+cargoConfig+`TOML`)
			},
			config: func(c *v1.Config) {
				setEnv(c, "PATH=/usr/local/cargo/bin:"+defaultPath, "CARGO_HOME=/usr/local/cargo")
			},
		},
	)
	rs = append(rs, rubyRecipes()...)
	rs = append(rs, phpRecipes()...)
	rs = append(rs, elixirRecipes()...)
	return rs
}

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

// debianRootfs is the unpacked debian stand-in that chroot recipes build on.
func (b *builder) debianRootfs() string { return b.cacheDir(refDebian) + ".rootfs" }

func debianLayer(ctx context.Context, b *builder, dir string) error {
	mirror, security := debianMirror()
	root := dir // == b.debianRootfs(), see the recipe's rootfs
	logf(b.log, "debootstrap --variant=minbase bookworm from %s (about a minute)", mirror)
	if err := b.run(ctx, "debootstrap", "--variant=minbase", "bookworm", root, mirror); err != nil {
		return err
	}
	if err := slimDebian(root, mirror, security); err != nil {
		return err
	}
	return addHostCAs(root)
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
	names := make([]string, 0, len(cas))
	for n := range cas {
		names = append(names, n)
	}
	sort.Strings(names)
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

// slimDebian makes a debootstrap tree look like the debian:bookworm-slim image.
func slimDebian(root, mirror, security string) error {
	files := map[string]string{
		"etc/apt/sources.list.d/debian.sources": fmt.Sprintf(`Types: deb
URIs: %s
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: %s
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`, mirror, security),
		// The same as the real image's /etc/apt/apt.conf.d/docker-clean and dpkg excludes.
		"etc/apt/apt.conf.d/docker-clean": `DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
`,
		"etc/apt/apt.conf.d/docker-no-languages": "Acquire::Languages \"none\";\n",
		"etc/dpkg/dpkg.cfg.d/docker": `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
`,
		"etc/resolv.conf": "",
		"etc/hostname":    "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	for _, g := range []string{"etc/apt/sources.list", "var/lib/apt/lists/*_*", "var/cache/apt/archives/*.deb", "var/cache/apt/*.bin",
		"var/log/bootstrap.log", "etc/machine-id", "debootstrap", "usr/share/man/*", "usr/share/info/*", "usr/share/lintian/*", "usr/share/locale/*"} {
		m, _ := filepath.Glob(filepath.Join(root, g))
		for _, f := range m {
			if err := os.RemoveAll(f); err != nil {
				return err
			}
		}
	}
	return slimDocs(root)
}

// slimDocs keeps only the copyright files under /usr/share/doc.
func slimDocs(root string) error {
	docs := filepath.Join(root, "usr/share/doc")
	ents, _ := os.ReadDir(docs)
	for _, e := range ents {
		sub := filepath.Join(docs, e.Name())
		inner, _ := os.ReadDir(sub)
		for _, f := range inner {
			if f.Name() != "copyright" {
				if err := os.RemoveAll(filepath.Join(sub, f.Name())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ensureDebianRootfs unpacks the cached debian stand-in when its rootfs is gone.
func (b *builder) ensureDebianRootfs(ctx context.Context) error {
	root := b.debianRootfs()
	if _, err := os.Stat(filepath.Join(root, "etc/debian_version")); err == nil {
		return nil
	}
	img, err := loadCached(b.cacheDir(refDebian))
	if err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		return fmt.Errorf("debian stand-in: want one layer (%v)", err)
	}
	d, err := layers[0].Digest()
	if err != nil {
		return err
	}
	tmp := root + ".tmp"
	_ = os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	blob := filepath.Join(b.cacheDir(refDebian), "blobs", d.Algorithm, d.Hex)
	if err := b.run(ctx, "tar", "-xzpf", blob, "-C", tmp, "--numeric-owner"); err != nil {
		return err
	}
	for _, d := range []string{"dev", "proc", "sys"} {
		_ = os.MkdirAll(filepath.Join(tmp, d), 0o755)
	}
	return os.Rename(tmp, root)
}

// aptUpdate fills the shared apt lists once per round.
func (b *builder) aptUpdate(ctx context.Context) error {
	b.aptOnce.Do(func() {
		for _, d := range []string{"lists/partial", "archives/partial"} {
			if b.aptErr = os.MkdirAll(b.p.join("work", "apt", d), 0o755); b.aptErr != nil {
				return
			}
		}
		if b.aptErr = b.ensureDebianRootfs(ctx); b.aptErr != nil {
			return
		}
		logf(b.log, "apt-get update (Debian bookworm)")
		upper := b.p.join("work", "apt", "update-upper")
		defer os.RemoveAll(upper)
		b.aptErr = b.chrootRun(ctx, []string{b.debianRootfs()}, upper, "", "apt-get update -q")
	})
	return b.aptErr
}

// aptLayer runs script (apt-get install ...) in a chroot of the debian
// stand-in; dir, the overlay's upper directory, receives exactly the changes.
func (b *builder) aptLayer(ctx context.Context, dir, script string) error {
	if err := b.aptUpdate(ctx); err != nil {
		return err
	}
	b.aptMu.Lock()
	defer b.aptMu.Unlock()
	return b.chrootRun(ctx, []string{b.debianRootfs()}, dir, "", script)
}

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
