package scan

import (
	"archive/tar"
	"bytes"

	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/shells"
)

// maxRead bounds the content read from one candidate file; a larger file
// is judged by its name alone.
const (
	maxRead       = 64 << 10
	maxAccountLen = 1 << 20 // /etc/passwd, /etc/shadow, /etc/group
)

// tree is what one pass over the image's layers found: every fact a file
// rule needs about the flattened filesystem, and the credentials that
// only lower layers still hold, so the layers are read exactly once.
type tree struct {
	Layers             int
	Files, Dirs, Links int
	Bytes              int64 // regular file content

	Setuid        []string // "/usr/bin/su (setuid root)"
	WorldWritable []string // "/app/data/ (directory)"
	SecretFiles   []string // "/root/.aws/credentials (AWS credentials)"
	GitDirs       []string
	EnvFiles      []string
	AptLists      usage
	Caches        map[string]*usage // cache root ("/root/.npm") → its files
	Shells        []string
	PkgManagers   []string

	Passwd, Shadow, Group []byte
	present               map[string]bool // every path, for shells and package managers

	// Buried are credentials, .env files and .git directories that a
	// layer added and a later layer deleted or overwrote: gone from the
	// flattened filesystem, still in the image (see layers.go).
	Buried []buried

	gitSeen map[string]bool
	final   map[string]bool // fingerprints of the credential and .env files still present
}

// usage counts files and bytes under one place.
type usage struct {
	Files int
	Bytes int64
}

func (u *usage) add(n int64) { u.Files++; u.Bytes += n }

// unvisit takes back what visit counted for an entry that a later entry
// of the same layer replaced (the last entry of a path wins).
func (t *tree) unvisit(p string, e entryInfo) {
	switch e.typ {
	case tar.TypeDir:
		t.Dirs--
	case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // TypeRegA still appears in old layers
		t.Files--
		t.Bytes -= e.size
		if strings.HasPrefix(p, "/var/lib/apt/lists/") && path.Base(p) != "lock" && !strings.HasPrefix(p, "/var/lib/apt/lists/partial/") {
			t.AptLists.Files--
			t.AptLists.Bytes -= e.size
		}
		if c := cacheRoot(p); c != "" && t.Caches[c] != nil {
			t.Caches[c].Files--
			t.Caches[c].Bytes -= e.size
			if t.Caches[c].Files == 0 {
				delete(t.Caches, c)
			}
		}
	case tar.TypeSymlink, tar.TypeLink:
		t.Links--
	}
	delete(t.present, p)
	t.Setuid = dropPath(t.Setuid, p)
	t.WorldWritable = dropPath(t.WorldWritable, p)
	t.SecretFiles = dropPath(t.SecretFiles, p)
	t.EnvFiles = dropPath(t.EnvFiles, p)
	if e.fp != "" {
		delete(t.final, e.fp)
	}
	switch p {
	case "/etc/passwd":
		t.Passwd = nil
	case "/etc/shadow":
		t.Shadow = nil
	case "/etc/group":
		t.Group = nil
	}
}

// dropPath removes the items about p ("p", "p (...)", "p/ (...)").
func dropPath(l []string, p string) []string {
	out := l[:0]
	for _, s := range l {
		if s == p || strings.HasPrefix(s, p+" (") || strings.HasPrefix(s, p+"/ (") {
			continue
		}
		out = append(out, s)
	}
	return out
}

// visit records one entry of the flattened filesystem (the version of a
// path that upper layers did not replace or delete). r reads its content.
// It returns the entry's fingerprint when it is a credential or .env file.
func (t *tree) visit(hdr *tar.Header, p string, r io.Reader) (string, error) {
	t.present[p] = true
	mode := hdr.Mode
	switch hdr.Typeflag {
	case tar.TypeDir:
		t.Dirs++
	case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // TypeRegA still appears in old layers
		t.Files++
		t.Bytes += hdr.Size
	case tar.TypeSymlink, tar.TypeLink:
		t.Links++
	}

	// .git directories: report the top one once.
	if g := gitRoot(p); g != "" && !t.gitSeen[g] {
		t.gitSeen[g] = true
		t.GitDirs = append(t.GitDirs, g)
	}

	isFile := hdr.Typeflag == tar.TypeReg || hdr.Typeflag == tar.TypeRegA //nolint:staticcheck
	if (isFile || hdr.Typeflag == tar.TypeLink) && mode&(modeSetuid|modeSetgid) != 0 {
		t.Setuid = append(t.Setuid, p+" ("+privilege(mode, hdr.Uid, hdr.Gid)+")")
	}
	if ww := worldWritable(p, hdr); ww != "" {
		t.WorldWritable = append(t.WorldWritable, ww)
	}
	if !isFile {
		return "", nil
	}

	if strings.HasPrefix(p, "/var/lib/apt/lists/") && path.Base(p) != "lock" && !strings.HasPrefix(p, "/var/lib/apt/lists/partial/") {
		t.AptLists.add(hdr.Size)
	}
	if c := cacheRoot(p); c != "" {
		u := t.Caches[c]
		if u == nil {
			u = &usage{}
			t.Caches[c] = u
		}
		u.add(hdr.Size)
	}
	switch p {
	case "/etc/passwd", "/etc/shadow", "/etc/group":
		b, err := readAtMost(r, maxAccountLen)
		if err != nil {
			return "", fmt.Errorf("reading %s from the image: %w", p, err)
		}
		switch p {
		case "/etc/passwd":
			t.Passwd = b
		case "/etc/shadow":
			t.Shadow = b
		default:
			t.Group = b
		}
		return "", nil
	}
	env := envFile(p) && hdr.Size > 0
	c := classify(p)
	if (c == nil && !env) || hdr.Size == 0 {
		return "", nil
	}
	var data []byte
	if hdr.Size <= maxRead {
		var err error
		if data, err = readAtMost(r, maxRead); err != nil {
			return "", fmt.Errorf("reading %s from the image: %w", p, err)
		}
	}
	fp := ""
	if env {
		t.EnvFiles = append(t.EnvFiles, p)
		fp = fingerprint(p, data, hdr.Size)
		t.final[fp] = true
	}
	if c == nil {
		return fp, nil
	}
	if what := c(data, hdr.Size); what != "" {
		t.SecretFiles = append(t.SecretFiles, p+" ("+what+")")
		fp = fingerprint(p, data, hdr.Size)
		t.final[fp] = true
	}
	return fp, nil
}

// finish derives what needs the whole filesystem and sorts the lists.
func (t *tree) finish() {
	for _, n := range shellPaths {
		if t.present[n] {
			t.Shells = append(t.Shells, n)
		}
	}
	for _, n := range pkgManagerPaths {
		if t.present[n] {
			t.PkgManagers = append(t.PkgManagers, n)
		}
	}
	for _, l := range [][]string{t.Setuid, t.WorldWritable, t.SecretFiles, t.GitDirs, t.EnvFiles} {
		sort.Strings(l)
	}
	t.settleBuried()
}

// Mode bits as tar stores them.
const (
	modeSetuid = 0o4000
	modeSetgid = 0o2000
	modeSticky = 0o1000
)

func privilege(mode int64, uid, gid int) string {
	var parts []string
	if mode&modeSetuid != 0 {
		parts = append(parts, fmt.Sprintf("setuid %d", uid))
	}
	if mode&modeSetgid != 0 {
		parts = append(parts, fmt.Sprintf("setgid %d", gid))
	}
	return strings.Join(parts, ", ")
}

// cleanPath makes a tar name absolute and clean: "./usr/bin/" → "/usr/bin".
func cleanPath(name string) string {
	return path.Clean("/" + strings.TrimPrefix(name, "./"))
}

// tmpDirs may be world-writable: they are scratch space by design.
var tmpDirs = []string{"/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock"}

func under(p string, dirs ...string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// worldWritable describes p when others may write it: a regular file, or a
// directory without the sticky bit, outside the scratch directories.
// Symbolic links (always 0777) and device nodes are not files one can
// plant code in.
func worldWritable(p string, hdr *tar.Header) string {
	if hdr.Mode&0o002 == 0 || under(p, tmpDirs...) {
		return ""
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if hdr.Mode&modeSticky != 0 {
			return ""
		}
		return fmt.Sprintf("%s/ (directory, mode %04o)", p, hdr.Mode&0o7777)
	case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck
		return fmt.Sprintf("%s (mode %04o)", p, hdr.Mode&0o7777)
	}
	return ""
}

// gitRoot returns the first ".git" directory on p's path, or "".
func gitRoot(p string) string {
	i := strings.Index(p+"/", "/.git/")
	if i < 0 {
		return ""
	}
	return p[:i+len("/.git")]
}

// cacheRoots are package-manager caches that have no business in an image.
// A "*" matches one path element (a home directory).
var cacheRoots = []string{
	"/var/cache/apk",
	"/root/.npm", "/home/*/.npm",
	"/root/.cache/pip", "/home/*/.cache/pip",
	"/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/home/*/.cache/yarn",
}

// cacheRoot returns the cache p belongs to ("/var/cache/apt" for downloaded
// packages and apt's binary caches), or "".
func cacheRoot(p string) string {
	if strings.HasPrefix(p, "/var/cache/apt/") && (strings.HasSuffix(p, ".deb") || strings.HasSuffix(p, ".bin")) {
		return "/var/cache/apt"
	}
	for _, c := range cacheRoots {
		if m := matchPrefix(p, c); m != "" {
			return m
		}
	}
	return ""
}

// matchPrefix reports the directory pattern (with "*" elements) matched by
// a prefix of p.
func matchPrefix(p, pattern string) string {
	pe := strings.Split(p, "/")
	qe := strings.Split(pattern, "/")
	if len(pe) <= len(qe) {
		return ""
	}
	for i, q := range qe {
		if q != "*" && q != pe[i] {
			return ""
		}
	}
	return strings.Join(pe[:len(qe)], "/")
}

// depTrees hold third-party packages and toolchains (Go's GOROOT and module
// cache): their test fixtures (sample keys, example .env files) are not the
// service's secrets, so only credential files by name are looked for there.
var depTreeRe = regexp.MustCompile(`/(?:node_modules|site-packages|dist-packages|vendor|testdata)/|^/usr/(?:share|lib|lib64|include)/|^/(?:lib|lib64)/|^/usr/local/go/|^/go/pkg/mod/`)

func inDepTree(p string) bool { return depTreeRe.MatchString(p) }

// envFile is a .env or .env.<name> file that is not an example.
func envFile(p string) bool {
	b := path.Base(p)
	if b != ".env" && !strings.HasPrefix(b, ".env.") {
		return false
	}
	switch path.Ext(b) {
	case ".example", ".sample", ".template", ".dist", ".defaults", ".tmpl":
		return false
	}
	return !inDepTree(p)
}

// shellPaths (every shell in every bin directory) and pkgManagerPaths
// (with and without merged /usr) are looked for by exact path.
var (
	shellPaths      = shells.Paths()
	pkgManagerPaths = withUsr("/bin/dpkg", "/bin/apt-get", "/bin/apt", "/sbin/apk", "/bin/rpm", "/bin/dnf", "/bin/yum", "/bin/microdnf")
)

func withUsr(ps ...string) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p, "/usr"+p)
	}
	return out
}

// classifier decides from a file's content (nil when the file is larger
// than maxRead) and size what credential it holds, or "".
type classifier func(data []byte, size int64) string

var (
	privateKeyRe = regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`)
	// key = value lines of .npmrc, .pypirc
	npmAuthRe    = regexp.MustCompile(`(?m)^\s*(?:[^\s=#;]*:)?_(?:authToken|auth|password)\s*=\s*(\S+)`)
	pypiPassRe   = regexp.MustCompile(`(?m)^\s*password\s*[=:]\s*(\S+)`)
	netrcPassRe  = regexp.MustCompile(`(?:^|\s)password\s+(\S+)`)
	dockerAuthRe = regexp.MustCompile(`"(?:auth|identitytoken|registrytoken)"\s*:\s*"[^"]+"`)
	kubeCredRe   = regexp.MustCompile(`(?m)^\s*(?:token|client-key-data|password)\s*:\s*\S+`)
	keyNameRe    = regexp.MustCompile(`(?i)(?:\.(?:pem|key|p8|ppk)|^id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?)$`)
)

// filled reports whether one captured value is a real value, not a
// reference to the environment (${NPM_TOKEN}).
func filled(re *regexp.Regexp, data []byte) bool {
	for _, m := range re.FindAllSubmatch(data, -1) {
		v := strings.Trim(string(m[len(m)-1]), `"'`)
		if v != "" && !strings.HasPrefix(v, "$") {
			return true
		}
	}
	return false
}

func byContent(re *regexp.Regexp, what string) classifier {
	return func(data []byte, size int64) string {
		if data == nil || filled(re, data) {
			return what
		}
		return ""
	}
}

func always(what string) classifier {
	return func([]byte, int64) string { return what }
}

// classify returns how to judge p, or nil when p is no candidate.
func classify(p string) classifier {
	base := path.Base(p)
	switch {
	case base == ".npmrc":
		return byContent(npmAuthRe, "an npm token")
	case base == ".pypirc":
		return byContent(pypiPassRe, "a PyPI password")
	case base == ".netrc" || base == "_netrc":
		return byContent(netrcPassRe, "a .netrc password")
	case base == ".git-credentials":
		return always("git credentials")
	case strings.HasSuffix(p, "/.aws/credentials"):
		return always("AWS credentials")
	case strings.HasSuffix(p, "/.docker/config.json"):
		return func(data []byte, size int64) string {
			if data == nil || dockerAuthRe.Match(data) {
				return "registry credentials"
			}
			return ""
		}
	case strings.Contains(p, "/.config/gcloud/") && (base == "application_default_credentials.json" || base == "credentials.db" || base == "access_tokens.db" || strings.Contains(p, "/legacy_credentials/")):
		return always("Google Cloud credentials")
	case strings.Contains(p, "/.azure/") && (base == "accessTokens.json" || base == "msal_token_cache.json" || base == "msal_token_cache.bin"):
		return always("Azure credentials")
	case strings.HasSuffix(p, "/.kube/config"):
		return func(data []byte, size int64) string {
			if data == nil || kubeCredRe.Match(data) {
				return "Kubernetes credentials"
			}
			return ""
		}
	}
	if inDepTree(p) {
		return nil
	}
	if keyNameRe.MatchString(base) || strings.Contains(p, "/.ssh/") || !systemPath(p) {
		// Any small file of the service's own may hold a pasted key.
		return func(data []byte, size int64) string {
			if data != nil && bytes.Contains(data, []byte("PRIVATE KEY")) && privateKeyRe.Match(data) {
				return "a private key"
			}
			return ""
		}
	}
	return nil
}

// systemPath is where the distribution's own files live; their content is
// not searched for pasted keys (their names still are).
func systemPath(p string) bool {
	return under(p, "/usr", "/bin", "/sbin", "/lib", "/lib64", "/var/lib/dpkg", "/var/lib/apt", "/var/cache", "/var/log",
		"/etc/ssl/certs", "/etc/ca-certificates", "/etc/alternatives", "/proc", "/sys", "/dev") &&
		!under(p, "/usr/local", "/usr/src")
}

func readAtMost(r io.Reader, n int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, n))
}
