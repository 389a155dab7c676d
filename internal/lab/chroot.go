package lab

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// debianMirror returns the Debian mirror apt is configured with on this
// machine (the builds use the same one), and the security mirror.
func debianMirror() (main, security string) {
	main, security = "http://deb.debian.org/debian", "http://deb.debian.org/debian-security"
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*")
	files = append(files, "/etc/apt/sources.list")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			var uris []string
			switch {
			case strings.HasPrefix(line, "URIs:"):
				uris = strings.Fields(strings.TrimPrefix(line, "URIs:"))
			case strings.HasPrefix(line, "deb "):
				for _, f := range strings.Fields(line)[1:] {
					if strings.Contains(f, "://") {
						uris = append(uris, f)
						break
					}
				}
			}
			for _, u := range uris {
				u = strings.TrimRight(u, "/")
				switch {
				case strings.HasSuffix(u, "/debian-security"):
					security = u
				case strings.HasSuffix(u, "/debian"):
					main = u
				}
			}
		}
	}
	return main, security
}

// chrootRun runs script as root in a chroot of an overlay of lowers (the first
// is the top), writing changes to upper. It runs in a private mount namespace,
// so every mount disappears when it ends, however it ends. apt's lists and
// archives are shared lab directories; out, if set, is mounted at /mnt.
func (b *builder) chrootRun(ctx context.Context, lowers []string, upper, out, script string) error {
	work := upper + ".work"
	merged := upper + ".merged"
	for _, d := range []string{upper, work, merged} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	defer os.RemoveAll(work)
	defer os.Remove(merged)
	outer := `set -eu
mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$UPPER,workdir=$WORK" "$MERGED"
mount -t proc proc "$MERGED/proc"
mount --rbind /dev "$MERGED/dev"
mount --bind /etc/resolv.conf "$MERGED/etc/resolv.conf"
mount --bind "$LISTS" "$MERGED/var/lib/apt/lists"
mount --bind "$ARCHIVES" "$MERGED/var/cache/apt/archives"
if [ -n "$OUT" ]; then mount --bind "$OUT" "$MERGED/mnt"; fi
exec chroot "$MERGED" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/sh -euc "$INNER"
`
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-euc", outer)
	cmd.Env = append(os.Environ(),
		"LOWER="+strings.Join(lowers, ":"), "UPPER="+upper, "WORK="+work, "MERGED="+merged,
		"LISTS="+b.p.join("work", "apt", "lists"), "ARCHIVES="+b.p.join("work", "apt", "archives"),
		"OUT="+out, "INNER="+aptConf+script)
	logFile, err := os.OpenFile(b.p.logs("standins"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "\n--- chroot %s\n%s\n", upper, script)
	var tailBuf tailWriter
	cmd.Stdout = io.MultiWriter(logFile, &tailBuf)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("chroot script failed: %w\n%s", err, tailBuf.String())
	}
	// What apt and dpkg leave behind that no image wants.
	for _, g := range []string{"var/cache/apt/*.bin", "var/log/apt", "var/cache/debconf/*-old", "var/lib/dpkg/*-old", "tmp/*", "root/.cache", "var/cache/ldconfig/aux-cache", "etc/apt/apt.conf.d/zz-slipway-lab"} {
		m, _ := filepath.Glob(filepath.Join(upper, g))
		for _, f := range m {
			os.RemoveAll(f)
		}
	}
	return nil
}

// aptConf makes apt quiet, non-interactive and happy to run as root on bind
// mounts (no _apt sandbox user).
const aptConf = `mkdir -p /etc/apt/apt.conf.d
cat > /etc/apt/apt.conf.d/zz-slipway-lab <<'APT'
#clear DPkg::Post-Invoke;
#clear APT::Update::Post-Invoke;
APT::Sandbox::User "root";
APT::Install-Recommends "false";
Dpkg::Use-Pty "false";
Acquire::Retries "3";
APT
`

// tailWriter keeps the last 4 KiB written to it.
type tailWriter struct{ b []byte }

func (t *tailWriter) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}
func (t *tailWriter) String() string { return string(t.b) }
