package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

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
