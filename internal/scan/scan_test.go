package scan

import (
	"archive/tar"
	"context"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/rules"
)

var (
	fakeGitHub = "ghp_" + strings.Repeat("Zx9Q", 9) // 36 characters after ghp_
	fakeKey    = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
)

func ids(fs []rules.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID)
	}
	return out
}

// checkFindings checks a scan's findings: their rule IDs are want, each
// names the image file and has its rule's default severity, and the
// messages (each after its rule ID) hold every text of has and none of
// hasNot (masked secrets).
func checkFindings(t *testing.T, fs []rules.Finding, file string, want, has, hasNot []string) {
	t.Helper()
	if got := ids(fs); !slices.Equal(got, want) {
		t.Errorf("rules %v, want %v", got, want)
	}
	var msgs strings.Builder
	for _, f := range fs {
		msgs.WriteString(f.RuleID + " " + f.Message + "\n")
		if f.File != file {
			t.Errorf("finding names %q, want the image", f.File)
		}
		if r, _ := catalogue.Lookup(f.RuleID); f.Severity != r.Severity {
			t.Errorf("%s: severity %s, want the default %s", f.RuleID, f.Severity, r.Severity)
		}
	}
	for _, h := range has {
		if !strings.Contains(msgs.String(), h) {
			t.Errorf("messages lack %q:\n%s", h, msgs.String())
		}
	}
	for _, h := range hasNot {
		if strings.Contains(msgs.String(), h) {
			t.Errorf("messages show %q:\n%s", h, msgs.String())
		}
	}
}

func TestImageRules(t *testing.T) {
	type tc struct {
		name    string
		entries []entry            // a second layer on top of the clean base
		config  func(c *v1.Config) // changes to the clean config
		history []v1.History       // replaces the history when set
		lower   []entry            // a layer between the base and entries
		want    []string           // exactly these rule ids
		has     []string           // substrings of the messages
		hasNot  []string           // never in any message (masked secrets)
	}
	cases := []tc{
		{name: "clean"},
		// SW200/SW201: the user.
		{name: "no user", config: func(c *v1.Config) { c.User = "" }, want: []string{"SW200"}, has: []string{"sets no user"}},
		{name: "root by name", config: func(c *v1.Config) { c.User = "root" }, want: []string{"SW200"}},
		{name: "uid 0 with a group", config: func(c *v1.Config) { c.User = "0:65532" }, want: []string{"SW200"}},
		{name: "name mapped to uid 0", config: func(c *v1.Config) { c.User = "toor" },
			entries: []entry{file("etc/passwd", goodPasswd+"toor:x:0:0::/:/sbin/nologin\n")},
			want:    []string{"SW200", "SW240"}, has: []string{`"toor", which /etc/passwd maps to uid 0`, "uid 0 is shared by root, toor"}},
		{name: "non-root name", config: func(c *v1.Config) { c.User = "nonroot" }, want: []string{"SW201"}, has: []string{"numeric uid 65532"}},
		{name: "unknown name", config: func(c *v1.Config) { c.User = "ghost" }, want: []string{"SW201"}, has: []string{"does not define"}},
		{name: "numeric uid not in passwd", config: func(c *v1.Config) { c.User = "10001" }},
		// Root under other spellings, read as the runtime reads them.
		{name: "uid 00", config: func(c *v1.Config) { c.User = "00" }, want: []string{"SW200"}, has: []string{`"00" is uid 0`}},
		{name: "uid +0", config: func(c *v1.Config) { c.User = "+0" }, want: []string{"SW200"}, has: []string{`"+0" is uid 0`}},
		{name: "uid -0", config: func(c *v1.Config) { c.User = "-0:65532" }, want: []string{"SW200"}, has: []string{`"-0" is uid 0`}},
		{name: "uid 4294967296", config: func(c *v1.Config) { c.User = "4294967296" }, want: []string{"SW200"}, has: []string{"wraps around to uid 0"}},
		{name: "empty user with a group", config: func(c *v1.Config) { c.User = ":65532" }, want: []string{"SW200"}, has: []string{"image default"}},
		{name: "three parts", config: func(c *v1.Config) { c.User = "65532:65532:0" }, want: []string{"SW200"}, has: []string{"more than one"}},
		{name: "uid 4294967297 is 1", config: func(c *v1.Config) { c.User = "4294967297" }},
		{name: "duplicate passwd name, last is root", config: func(c *v1.Config) { c.User = "app" },
			entries: []entry{file("etc/passwd", goodPasswd+"app:x:10001:10001::/:/sbin/nologin\napp:x:0:0::/:/sbin/nologin\n")},
			want:    []string{"SW200", "SW240"}, has: []string{`"app", which /etc/passwd defines on lines 4, 5 with uids 10001, 0`}},
		// SW202: healthcheck.
		{name: "no healthcheck", config: func(c *v1.Config) { c.Healthcheck = nil }, want: []string{"SW202"}},
		{name: "healthcheck NONE", config: func(c *v1.Config) { c.Healthcheck = &v1.HealthConfig{Test: []string{"NONE"}} }, want: []string{"SW202"}},
		// SW210: setuid/setgid.
		{name: "setuid and setgid", entries: []entry{dir("usr/bin/", 0o755), exe("usr/bin/su", 0o4755), {name: "usr/bin/wall", typ: tar.TypeReg, mode: 0o2755, gid: 5, body: "x"}},
			want: []string{"SW210"}, has: []string{"2 files", "/usr/bin/su (setuid 0)", "/usr/bin/wall (setgid 5)"}},
		{name: "setuid removed by a later layer", lower: []entry{dir("usr/bin/", 0o755), exe("usr/bin/su", 0o4755)},
			entries: []entry{whiteout("usr/bin", "su")}},
		{name: "setuid bit stripped by a later layer", lower: []entry{dir("usr/bin/", 0o755), exe("usr/bin/su", 0o4755)},
			entries: []entry{exe("usr/bin/su", 0o755)}},
		// SW211: world-writable.
		{name: "world-writable file and directory", entries: []entry{dir("app/data/", 0o777), modeFile("app/settings.json", 0o666)},
			want: []string{"SW211"}, has: []string{"/app/data/ (directory, mode 0777)", "/app/settings.json (mode 0666)"}},
		{name: "sticky shared directory and scratch dirs", entries: []entry{dir("srv/", 0o755), dir("srv/shared/", 0o1777), modeFile("var/tmp/x", 0o666), symlink("app/any", "/tmp")}},
		// SW220: environment.
		{name: "token in env", config: func(c *v1.Config) { c.Env = append(c.Env, "GITHUB_TOKEN="+fakeGitHub) },
			want: []string{"SW220"}, has: []string{"GITHUB_TOKEN=ghp_****", "a GitHub token"}, hasNot: []string{fakeGitHub}},
		{name: "secret name with a value", config: func(c *v1.Config) { c.Env = append(c.Env, "API_KEY=s3cr3t-v4lue") },
			want: []string{"SW220"}, has: []string{"ENV API_KEY=****"}, hasNot: []string{"s3cr3t-v4lue"}},
		{name: "secret-looking value under a plain name", config: func(c *v1.Config) { c.Env = append(c.Env, "UPSTREAM=https://bob:hunter22@git.example.com/x") },
			want: []string{"SW220"}, hasNot: []string{"hunter22"}},
		{name: "references and fingerprints are not secrets", config: func(c *v1.Config) {
			c.Env = append(c.Env, "DB_PASSWORD_FILE=/run/secrets/db", "API_KEY=/run/secrets/api", "NPM_TOKEN=", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", "TOKEN=${TOKEN}")
		}},
		// SW221: history.
		{name: "build argument in ARG and RUN history", history: []v1.History{
			{CreatedBy: "ARG GITHUB_TOKEN=" + fakeGitHub, EmptyLayer: true},
			{CreatedBy: "RUN |1 GITHUB_TOKEN=" + fakeGitHub + " /bin/sh -c git clone https://github.com/example/private"},
			{CreatedBy: "COPY app /app # buildkit"},
		}, want: []string{"SW221", "SW221"}, has: []string{"history step 1", "history step 2", "`RUN |1 GITHUB_TOKEN=ghp_**** /bin/sh -c git clone", "build argument GITHUB_TOKEN"}, hasNot: []string{fakeGitHub}},
		{name: "legacy builder history and a password on a command line", history: []v1.History{
			{CreatedBy: "|2 NPM_TOKEN=abcdef123456 VERSION=1 /bin/sh -c npm ci"},
			{CreatedBy: "/bin/sh -c curl -fsSL https://bob:hunter22@repo.example.com/pkg.tgz | tar xz"},
		}, want: []string{"SW221", "SW221"}, has: []string{"NPM_TOKEN=****", "https://****@repo.example.com"}, hasNot: []string{"abcdef123456", "hunter22"}},
		{name: "harmless history", history: []v1.History{
			{CreatedBy: "ARG GITHUB_TOKEN", EmptyLayer: true},
			{CreatedBy: "RUN |1 VERSION=1.2.3 /bin/sh -c make install"},
			{CreatedBy: "ENV SSL_CERT_FILE=/etc/ssl/certs/ca.pem", EmptyLayer: true},
		}},
		{name: "an ENV in the config is reported once, not again in history", config: func(c *v1.Config) { c.Env = append(c.Env, "API_TOKEN=plainvalue1") },
			history: []v1.History{{CreatedBy: "ENV API_TOKEN=plainvalue1"}}, want: []string{"SW220"}},
		// SW222: credential files.
		{name: "credential files", entries: []entry{
			dir("root/", 0o700), file("root/.aws/credentials", "[default]\naws_access_key_id = x\n"),
			file("root/.npmrc", "//registry.npmjs.org/:_authToken=npm_abc\n"),
			file("root/.pypirc", "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n"),
			file("root/.netrc", "machine github.com login bob password hunter22\n"),
			file("root/.docker/config.json", `{"auths":{"registry.example.com":{"auth":"Ym9iOmh1bnRlcjIy"}}}`),
			file("root/.ssh/id_ed25519", fakeKey),
			file("app/tls/server.key", fakeKey),
			file("app/notes.txt", "remember:\n"+fakeKey),
			file("home/app/.git-credentials", "https://bob:x@github.com\n"),
		}, want: []string{"SW222"}, has: []string{"9 files", "/root/.aws/credentials (AWS credentials)", "/root/.npmrc (an npm token)",
			"/root/.pypirc (a PyPI password)", "/root/.netrc (a .netrc password)", "/root/.docker/config.json (registry credentials)",
			"/root/.ssh/id_ed25519 (a private key)", "/app/tls/server.key (a private key)", "/app/notes.txt (a private key)", "/home/app/.git-credentials (git credentials)"}},
		{name: "credential files without credentials", entries: []entry{
			file("app/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nsave-exact=true\n"),
			file("app/.pypirc", "[pypi]\nusername = __token__\n"),
			file("root/.docker/config.json", `{"credsStore":"desktop"}`),
			file("app/node_modules/agent/test/key.pem", fakeKey),
			file("usr/share/doc/example/key.pem", fakeKey),
			file("app/public.pem", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"),
		}},
		// SW223/SW224.
		{name: ".git directory", entries: []entry{dir("app/.git/", 0o755), file("app/.git/config", "[core]\n"), file("app/.git/HEAD", "ref: refs/heads/main\n")},
			want: []string{"SW223"}, has: []string{"1 .git directory: /app/.git"}},
		{name: ".env files", entries: []entry{file("app/.env", "DB=postgres://db\n"), file("app/.env.production", "X=1\n"), file("app/.env.example", "X=\n")},
			want: []string{"SW224"}, has: []string{"2 .env files: /app/.env, /app/.env.production"}},
		// SW230/SW231: leftovers.
		{name: "apt lists", entries: []entry{file("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", strings.Repeat("p", 2048)), file("var/lib/apt/lists/lock", "")},
			want: []string{"SW230"}, has: []string{"1 file (2.05kB)"}},
		{name: "apt lists cleaned", entries: []entry{dir("var/lib/apt/lists/partial/", 0o700), file("var/lib/apt/lists/lock", "")}},
		{name: "package caches", entries: []entry{
			file("var/cache/apt/archives/curl_7.88_amd64.deb", "deb"), file("var/cache/apt/pkgcache.bin", "bin"),
			file("root/.npm/_cacache/index-v5/aa/bb", "{}"), file("root/.cache/pip/http/a/b", "p"),
			file("var/cache/apk/APKINDEX.abc.tar.gz", "i"), file("home/node/.npm/_logs/x.log", "l"),
		}, want: []string{"SW231"}, has: []string{"/var/cache/apt (2 files", "/root/.npm (1 file", "/root/.cache/pip (1 file", "/var/cache/apk (1 file", "/home/node/.npm (1 file"}},
		{name: "apt's own files are no cache", entries: []entry{file("var/cache/apt/archives/lock", ""), file("var/cache/debconf/config.dat", "c")}},
		// SW232: shell in distroless.
		{name: "shell in a distroless image", entries: []entry{dir("usr/bin/", 0o755), exe("usr/bin/dash", 0o755), symlink("usr/bin/sh", "dash"), exe("usr/bin/dpkg", 0o755)},
			want: []string{"SW232"}, has: []string{"says distroless", "a shell: /usr/bin/sh, /usr/bin/dash", "package manager: /usr/bin/dpkg"}},
		{name: "a shell outside /bin and /usr/bin", entries: []entry{dir("usr/local/bin/", 0o755), exe("usr/local/bin/bash", 0o755)},
			want: []string{"SW232"}, has: []string{"a shell: /usr/local/bin/bash"}},
		{name: "description claims distroless", config: func(c *v1.Config) {
			c.Labels = map[string]string{labelDescription: "Distroless Go service"}
		}, entries: []entry{dir("bin/", 0o755), exe("bin/busybox", 0o755)}, want: []string{"SW232"}, has: []string{"/bin/busybox"}},
		{name: "shell in a debian image is expected", config: func(c *v1.Config) {
			c.Labels = map[string]string{labelBaseName: "docker.io/library/debian:bookworm-slim"}
		}, entries: []entry{dir("bin/", 0o755), exe("bin/sh", 0o755)}},
		// SW240/SW241: accounts.
		{name: "duplicate uid and gid", entries: []entry{
			file("etc/passwd", goodPasswd+"app:x:65532:65532::/app:/sbin/nologin\n"),
			file("etc/group", goodGroup+"app:x:65532:\n"),
		}, want: []string{"SW240", "SW240"}, has: []string{"/etc/passwd: uid 65532 is shared by nonroot, app", "/etc/group: gid 65532 is shared by nonroot, app"}},
		{name: "empty passwords", entries: []entry{
			file("etc/passwd", goodPasswd+"guest::1000:1000::/home/guest:/bin/sh\n"),
			file("etc/shadow", strings.Replace(goodShadow, "root:*:", "root::", 1)),
		}, want: []string{"SW241"}, has: []string{"2 accounts", "guest (/etc/passwd line 4)", "root (/etc/shadow line 1)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := goodConfig()
			if c.config != nil {
				c.config(&cfg)
			}
			layers := []v1.Layer{layer(t, baseEntries()...)}
			if c.lower != nil {
				layers = append(layers, layer(t, c.lower...))
			}
			if c.entries != nil {
				layers = append(layers, layer(t, c.entries...))
			}
			img := build(t, cfg, c.history, layers...)
			res, err := Image(context.Background(), img, Options{Name: "test.tar"})
			if err != nil {
				t.Fatal(err)
			}
			checkFindings(t, res.Findings, "test.tar", c.want, c.has, c.hasNot)
		})
	}
}

func TestTeamOverrides(t *testing.T) {
	cfg := goodConfig()
	cfg.User, cfg.Healthcheck = "", nil
	img := build(t, cfg, nil, layer(t, baseEntries()...))
	team := &config.Team{Rules: map[string]string{"SW202": "off", "SW200": "info"}}
	res, err := Image(context.Background(), img, Options{Name: "x", Team: team})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].RuleID != "SW200" || res.Findings[0].Severity != rules.Info {
		t.Errorf("findings %+v, want SW200 at info only", res.Findings)
	}
}

func TestWalkCounts(t *testing.T) {
	img := build(t, goodConfig(), nil, layer(t, baseEntries()...), layer(t, file("app/extra", "12345")))
	res, err := Image(context.Background(), img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// baseEntries: 7 regular files, 6 directories, 1 symlink; plus one file.
	if res.Files != 8 || res.Dirs != 6 || res.Layers != 2 {
		t.Errorf("files %d dirs %d layers %d", res.Files, res.Dirs, res.Layers)
	}
	d, _ := img.Digest()
	if res.Digest != d.String() {
		t.Errorf("digest %s, want %s", res.Digest, d)
	}
}

func TestCanceled(t *testing.T) {
	img := build(t, goodConfig(), nil, layer(t, baseEntries()...))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Image(ctx, img, Options{}); err == nil {
		t.Error("a canceled scan returned no error")
	}
}
