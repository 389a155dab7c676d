package scan

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/hostile"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/lab/labtest"
	tarlayer "github.com/slipway/slipway/internal/layer"
	"github.com/slipway/slipway/internal/verify"
)

var fakeKey2 = strings.Replace(fakeKey, "b3BlbnNzaC1rZXktdjEAAAAA", "c2Vjb25kLWtleS12MQAAAAA", 1)

func opaque(dir string) entry { return file(dir+"/.wh..wh..opq", "") }

// steps is a history with one entry per layer, the base first.
func steps(createdBy ...string) []v1.History {
	h := []v1.History{{CreatedBy: "ADD rootfs.tar / # buildkit"}, {CreatedBy: "CMD [\"/app/server\"]", EmptyLayer: true}}
	for _, c := range createdBy {
		h = append(h, v1.History{CreatedBy: c})
		h = append(h, v1.History{CreatedBy: "ENV X=1", EmptyLayer: true})
	}
	return h
}

func TestBuriedSecrets(t *testing.T) {
	type tc struct {
		name    string
		layers  [][]entry // on top of the clean base (layer 1)
		history []v1.History
		want    []string // exactly these rule ids
		has     []string // substrings of the messages
		hasNot  []string
	}
	cases := []tc{
		{
			name: "private key copied, then rm'd (whiteout)",
			layers: [][]entry{
				{dir("root/", 0o700), dir("root/.ssh/", 0o700), file("root/.ssh/id_rsa", fakeKey)},
				{dir("root/.ssh/", 0o700), whiteout("root/.ssh", "id_rsa")},
			},
			history: steps("COPY id_rsa /root/.ssh/id_rsa # buildkit", "RUN /bin/sh -c rm /root/.ssh/id_rsa # buildkit"),
			want:    []string{"SW225"},
			has: []string{"/root/.ssh/id_rsa (a private key) was added in layer 2 (created by `COPY id_rsa /root/.ssh/id_rsa`)" +
				" and removed in layer 3 (created by `RUN rm /root/.ssh/id_rsa`), but every layer ships with the image: anyone can read it from layer 2"},
			hasNot: []string{"BEGIN"},
		},
		{
			name: "directory removed (whiteout of a parent)",
			layers: [][]entry{
				{dir("root/", 0o700), dir("root/.aws/", 0o700), file("root/.aws/credentials", "[default]\naws_secret_access_key = x\n")},
				{dir("root/", 0o700), whiteout("root", ".aws")},
			},
			want: []string{"SW225"}, has: []string{"/root/.aws/credentials (AWS credentials) was added in layer 2 and removed in layer 3"},
		},
		{
			name: "opaque directory whiteout",
			layers: [][]entry{
				{dir("app/", 0o755), dir("app/conf/", 0o755), file("app/conf/.npmrc", "//registry.npmjs.org/:_authToken=npm_abcdef\n")},
				{dir("app/conf/", 0o755), opaque("app/conf"), file("app/conf/settings.json", "{}")},
			},
			history: steps("COPY . /app # buildkit", "RUN /bin/sh -c rm -rf /app/conf && mkdir /app/conf && echo {} > /app/conf/settings.json # buildkit"),
			want:    []string{"SW225"},
			has:     []string{"/app/conf/.npmrc (an npm token) was added in layer 2 (created by `COPY . /app`) and removed in layer 3 (created by `RUN rm -rf /app/conf"},
		},
		{
			name: "overwritten by another key: both reported, each once",
			layers: [][]entry{
				{dir("app/tls/", 0o755), file("app/tls/server.key", fakeKey)},
				{file("app/tls/server.key", fakeKey2)},
			},
			want: []string{"SW222", "SW225"},
			has:  []string{"1 file with credentials: /app/tls/server.key (a private key)", "/app/tls/server.key (a private key) was added in layer 2 and overwritten in layer 3"},
		},
		{
			name: "overwritten by a placeholder",
			layers: [][]entry{
				{file("root/.npmrc", "//registry.npmjs.org/:_authToken=npm_abcdef\n")},
				{file("root/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n")},
			},
			want: []string{"SW225"}, has: []string{"/root/.npmrc (an npm token) was added in layer 2 and overwritten in layer 3"},
		},
		{
			name: "rewritten with the same content (chmod), then removed: one finding naming both layers",
			layers: [][]entry{
				{file("root/.ssh/id_ed25519", fakeKey)},
				{{name: "root/.ssh/id_ed25519", typ: tar.TypeReg, mode: 0o600, body: fakeKey}},
				{whiteout("root/.ssh", "id_ed25519")},
			},
			want: []string{"SW225"}, has: []string{"added in layer 2 and removed in layer 4", "anyone can read it from layers 2 and 3"},
		},
		{
			name: ".git directory removed",
			layers: [][]entry{
				{dir("src/", 0o755), dir("src/.git/", 0o755), file("src/.git/config", "[core]\n"), file("src/.git/HEAD", "ref: refs/heads/main\n"), file("src/main.go", "package main\n")},
				{whiteout("src", ".git")},
			},
			history: steps("COPY . /src # buildkit", "RUN /bin/sh -c rm -rf .git # buildkit"),
			want:    []string{"SW223"},
			has:     []string{"the .git directory /src/.git was added in layer 2 (created by `COPY . /src`) and removed in layer 3 (created by `RUN rm -rf .git`)"},
		},
		{
			name: ".env file removed; its example is no finding",
			layers: [][]entry{
				{file("app/.env", "DB_PASSWORD=hunter22\n"), file("app/.env.example", "DB_PASSWORD=\n")},
				{whiteout("app", ".env"), whiteout("app", ".env.example")},
			},
			want: []string{"SW224"}, has: []string{"the .env file /app/.env was added in layer 2 and removed in layer 3"}, hasNot: []string{"example", "hunter22"},
		},
		{
			name: "history that does not match the layers names no steps",
			layers: [][]entry{
				{file("app/deploy.pem", fakeKey)},
				{whiteout("app", "deploy.pem")},
			},
			history: []v1.History{{CreatedBy: "COPY . /app"}},
			want:    []string{"SW225"}, has: []string{"/app/deploy.pem (a private key) was added in layer 2 and removed in layer 3,"},
		},
		// Negative cases.
		{
			name: "a key that stays is reported once, by SW222",
			layers: [][]entry{
				{file("root/.ssh/id_rsa", fakeKey)},
				{{name: "root/.ssh/id_rsa", typ: tar.TypeReg, mode: 0o600, body: fakeKey}},
			},
			want: []string{"SW222"},
		},
		{
			name: "a key moved to another credential path is reported once, at its new path",
			layers: [][]entry{
				{file("app/id_rsa", fakeKey)},
				{whiteout("app", "id_rsa"), file("root/.ssh/id_rsa", fakeKey)},
			},
			want: []string{"SW222"}, has: []string{"/root/.ssh/id_rsa (a private key)"}, hasNot: []string{"/app/id_rsa"},
		},
		{
			name: "removed, then put back: reported once, by SW222",
			layers: [][]entry{
				{file("root/.ssh/id_rsa", fakeKey)},
				{whiteout("root/.ssh", "id_rsa")},
				{file("root/.ssh/id_rsa", fakeKey)},
			},
			want: []string{"SW222"},
		},
		{
			name: "a .env file that stays is reported once, by SW224",
			layers: [][]entry{
				{file("app/.env", "A=1\n")},
				{file("app/.env", "A=1\n"), file("app/other", "x")},
			},
			want: []string{"SW224"}, has: []string{"1 .env file: /app/.env"},
		},
		{
			name: "a .git directory that stays is reported once, by SW223",
			layers: [][]entry{
				{file("src/.git/config", "[core]\n"), file("src/.git/index", "1")},
				{file("src/.git/index", "2")},
			},
			want: []string{"SW223"}, has: []string{"1 .git directory: /src/.git"},
		},
		{
			name: "non-secret files deleted or overwritten later",
			layers: [][]entry{
				{file("app/notes.txt", "nothing here\n"), file("app/build/out.o", "\x7fELF"), file("root/.npmrc", "save-exact=true\n"), exe("usr/bin/su", 0o4755)},
				{whiteout("app", "notes.txt"), whiteout("app", "build"), whiteout("root", ".npmrc"), whiteout("usr/bin", "su")},
			},
		},
		{
			name: "test fixtures in dependency trees are no secrets, deleted or not",
			layers: [][]entry{
				{file("app/node_modules/agent/test/key.pem", fakeKey), file("usr/share/doc/example/key.pem", fakeKey)},
				{whiteout("app", "node_modules")},
			},
		},
		{
			name: "a whiteout hides only lower layers, not its own",
			layers: [][]entry{
				{whiteout("app", "config.yaml"), file("app/config.yaml", "port: 9090\n"), file("app/id_rsa", fakeKey)},
			},
			want: []string{"SW222"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			layers := []v1.Layer{layer(t, baseEntries()...)}
			for _, es := range c.layers {
				layers = append(layers, layer(t, es...))
			}
			img := build(t, goodConfig(), c.history, layers...)
			res, err := Image(context.Background(), img, Options{Name: "test.tar"})
			if err != nil {
				t.Fatal(err)
			}
			checkFindings(t, res.Findings, "test.tar", c.want, c.has, c.hasNot)
		})
	}
}

// TestBuriedCapped: many deleted keys give at most maxBuriedFindings
// findings, the last counting the rest.
func TestBuriedCapped(t *testing.T) {
	var add, rm []entry
	for i := 0; i < 25; i++ {
		n := fmt.Sprintf("k%02d.pem", i)
		add = append(add, file("app/keys/"+n, strings.Replace(fakeKey, "AAAAA", fmt.Sprintf("A%04d", i), 1)))
		rm = append(rm, whiteout("app/keys", n))
	}
	img := build(t, goodConfig(), nil, layer(t, baseEntries()...), layer(t, add...), layer(t, rm...))
	res, err := Image(context.Background(), img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != maxBuriedFindings {
		t.Fatalf("%d findings, want %d", len(res.Findings), maxBuriedFindings)
	}
	var summary int
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "6 more files that a later layer removed") && strings.Contains(f.Message, "/app/keys/k19.pem") {
			summary++
		}
	}
	if summary != 1 {
		t.Errorf("no summary of the other 6 files: %v", res.Findings)
	}
}

func TestStep(t *testing.T) {
	for in, want := range map[string]string{
		"COPY id_rsa /root/.ssh/id_rsa # buildkit":                                     "COPY id_rsa /root/.ssh/id_rsa",
		"RUN /bin/sh -c rm /root/.ssh/id_rsa # buildkit":                               "RUN rm /root/.ssh/id_rsa",
		"RUN |1 GITHUB_TOKEN=" + fakeGitHub + " /bin/sh -c make # buildkit":            "RUN make",
		"|2 A=1 B=2 /bin/sh -c make install":                                           "RUN make install",
		"/bin/sh -c #(nop) COPY file:0123abcd in /app ":                                "COPY file:0123abcd in /app",
		"/bin/sh -c apt-get update":                                                    "RUN apt-get update",
		"RUN /bin/sh -c curl -fsSL https://bob:hunter22@repo.example.com/x # buildkit": "RUN curl -fsSL https://****@repo.example.com/x",
		"": "",
	} {
		if got := step(in); got != want {
			t.Errorf("step(%q) = %q, want %q", in, got, want)
		}
	}
	if got := step("RUN " + strings.Repeat("x", 300)); len(got) != 100 || !strings.HasSuffix(got, "...") {
		t.Errorf("a long step is not shortened: %q", got)
	}
}

// flatPaths lists the paths of the root filesystem that verify's
// unpacker makes of img: the reference for the walk (layers applied from
// the bottom up, the last entry of a path wins, as containerd and umoci
// do).
func flatPaths(t *testing.T, img v1.Image) []string {
	t.Helper()
	if os.Geteuid() != 0 {
		labtest.Unavailable(t, "verify's unpacker keeps owners: run as root")
	}
	root := t.TempDir()
	if _, err := verify.Unpack(context.Background(), img, root, tarlayer.Limits{}); err != nil {
		t.Fatal(err)
	}
	var want []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		want = append(want, "/"+filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(want)
	return want
}

func walkedPaths(t *testing.T, img v1.Image) (*tree, []string) {
	t.Helper()
	tr, err := walk(context.Background(), img, tarlayer.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// An unpacker makes the parents an entry needs; the walk knows only
	// entries.
	all := map[string]bool{}
	for p := range tr.present {
		for d := p; d != "/"; d = parent(d) {
			all[d] = true
		}
	}
	var got []string
	for p := range all {
		got = append(got, p)
	}
	sort.Strings(got)
	return tr, got
}

// TestFlattenLikeUnpack: the walk's flattened filesystem is what verify's
// unpacker makes of the same layers (whiteouts, opaque directories,
// overwrites, replaced directories, "./" names, duplicates in one layer).
func TestFlattenLikeUnpack(t *testing.T) {
	img := build(t, goodConfig(), nil,
		layer(t, baseEntries()...),
		layer(t, dir("srv/", 0o755), dir("srv/a/", 0o755), file("srv/a/1", "1"), file("srv/a/2", "2"), dir("srv/b/", 0o755), file("srv/b/1", "1"),
			file("srv/c", "c"), dir("srv/d/", 0o755), file("srv/d/x", "x"), entry{name: "./srv/e", typ: tar.TypeReg, mode: 0o644, body: "e"}),
		layer(t, dir("srv/", 0o755), dir("srv/a/", 0o755), whiteout("srv/a", "1"), dir("srv/b/", 0o755), opaque("srv/b"), file("srv/b/2", "2"), whiteout("srv", "c"), whiteout("srv", "d"), file("srv/e", "E")),
		layer(t, dir("srv/", 0o755), dir("srv/d/", 0o755), file("srv/d/y", "y"), file("srv/a/3", "3"),
			dir("srv/f/", 0o755), file("srv/f", "a file now"), file("srv/g", "g"), dir("srv/g/", 0o755), file("srv/g/1", "1")),
	)
	tr, got := walkedPaths(t, img)
	want := flatPaths(t, img)
	if !slices.Equal(got, want) {
		t.Errorf("flattened paths\n got %v\nwant %v", got, want)
	}
	for _, p := range []string{"/srv/a/2", "/srv/a/3", "/srv/b/2", "/srv/d/y", "/srv/e", "/srv/f", "/srv/g/1"} {
		if !tr.present[p] {
			t.Errorf("%s is missing", p)
		}
	}
	for _, p := range []string{"/srv/a/1", "/srv/b/1", "/srv/c", "/srv/d/x"} {
		if tr.present[p] {
			t.Errorf("%s is present", p)
		}
	}
}

// TestWalkLayerCases runs scan's walk, and scan itself, over every layer
// case of the hostile corpus (OCI layout and docker-save): a refused case
// is a bad-input error naming its layer, an accepted one is reported with
// the case's rules, and its flattened paths are those verify unpacks.
func TestWalkLayerCases(t *testing.T) {
	for _, c := range hostile.LayerCases() {
		t.Run(c.Name, func(t *testing.T) {
			p, err := c.Build(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			img, err := image.OpenLocal(p, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := Image(context.Background(), img, Options{Name: c.Name})
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("scan took %s", took)
			}
			if c.Want.Refuse {
				if err == nil || !tarlayer.IsBadInput(err) || !strings.Contains(err.Error(), c.Want.ErrorHas) || !strings.HasPrefix(err.Error(), "layer ") {
					t.Fatalf("scan = %v; want a bad-input error naming the layer and containing %q", err, c.Want.ErrorHas)
				}
				if len(err.Error()) > 400 {
					t.Errorf("the error is %d bytes long; keep it short", len(err.Error()))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range res.Findings {
				if slices.Contains(c.Want.ScanRules, f.RuleID) {
					found = true
				}
			}
			if !found {
				t.Errorf("scan found %v; want one of %v", res.Findings, c.Want.ScanRules)
			}
			if os.Geteuid() == 0 {
				_, got := walkedPaths(t, img)
				if want := flatPaths(t, img); !slices.Equal(got, want) {
					t.Errorf("flattened paths\n got %v\nwant %v (verify's unpacker)", got, want)
				}
			}
		})
	}
}

// TestWalkLimits: the walk holds the image to the limits.
func TestWalkLimits(t *testing.T) {
	img, err := hostile.ManyFilesImage(3000)
	if err != nil {
		t.Fatal(err)
	}
	var le *tarlayer.LimitError
	if _, err := walk(context.Background(), img, tarlayer.Limits{Files: 1000}); !errors.As(err, &le) || le.Flag != "--max-files" {
		t.Fatalf("3000 files under --max-files 1000: %v", err)
	}
	if _, err := walk(context.Background(), img, tarlayer.Limits{Files: 5000}); err != nil {
		t.Fatal(err)
	}
	bomb, err := hostile.GzipBombImage(64 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := walk(context.Background(), bomb, tarlayer.Limits{UnpackedBytes: 16 << 20}); !errors.As(err, &le) || le.Flag != "--max-unpacked-size" {
		t.Fatalf("a 64 MiB bomb under --max-unpacked-size 16MiB: %v", err)
	}
}

// TestWalkBombBounded: a 256 MiB gzip bomb (a 256 KB layer) is walked in
// bounded memory, whether the limit refuses it or lets it through, and
// the walk writes nothing to disk (TMPDIR stays empty).
func TestWalkBombBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the bomb takes a few seconds to compress")
	}
	bomb, err := hostile.GzipBombImage(256 << 20)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hostile.WriteDockerSave(t.TempDir(), "bomb.tar", bomb)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	const memBound = 160 << 20
	for _, lim := range []int64{64 << 20, 512 << 20} {
		labtest.PeakRSS(t, true)
		src, err := image.Open(context.Background(), p, image.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Image(context.Background(), src, Options{Limits: tarlayer.Limits{UnpackedBytes: lim}})
		src.Close()
		peak := labtest.PeakRSS(t, false)
		t.Logf("limit %d MiB: %v; peak RSS %d MiB", lim>>20, err, peak>>20)
		if refused := tarlayer.IsBadInput(err); refused != (lim < 256<<20) {
			t.Errorf("limit %d MiB: %v", lim>>20, err)
		}
		if peak > memBound {
			t.Errorf("peak RSS %d MiB, bound %d MiB", peak>>20, memBound>>20)
		}
		if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
			t.Errorf("TMPDIR holds %d entries after the scan", len(ents))
		}
	}
}
