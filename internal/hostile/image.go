package hostile

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image cases (issue items 2, 7 and 12) are built by hand, blob by
// blob, so each can break exactly one link of the chain index.json →
// manifest → config → layer: a replaced blob under its digest's name, a
// descriptor that lies about a size, an index that nests too deep, a
// config or manifest too large to read, a tarball naming a file twice.
// Every refused case is refused by the image reader (exit 2), before or
// while its bytes are read; the "1 GiB" files are sparse or gzipped
// zeros, so the corpus stays small on disk.

// imageCases returns the cases about image structure: digests, indexes, sizes.
func imageCases() []Case {
	const replaced = "was replaced or damaged"
	refuse := func(has string) Want { return Want{Refuse: true, ErrorHas: has} }
	c := []Case{
		{Name: "layout-config-replaced", Class: "digest", Want: refuse(replaced), Build: layoutCase(func(l *layoutImg) {
			l.replace(l.config, l.rootConfig())
		})},
		{Name: "layout-layer-replaced", Class: "digest", Want: refuse(replaced), Build: layoutCase(func(l *layoutImg) {
			l.replace(l.layers[0], gz(layerTar(map[string]string{"usr/bin/su": "root shell"}, 0o4755)))
		})},
		{Name: "layout-layer-byte-flipped", Class: "digest", Want: refuse(replaced), Build: layoutCase(func(l *layoutImg) {
			b := bytes.Clone(l.blobs[l.layers[0]])
			b[len(b)/2] ^= 0xff
			l.replace(l.layers[0], b)
		})},
		{Name: "layout-manifest-replaced", Class: "digest", Want: refuse(replaced), Build: layoutCase(func(l *layoutImg) {
			// The same manifest naming the root config instead: the same
			// size, another digest.
			root := l.rootConfig()
			l.put(root)
			l.replace(l.manifest, bytes.Replace(l.blobs[l.manifest], []byte(l.config.Hex), []byte(hashOf(root).Hex), 1))
		})},
		{Name: "layout-diffid-mismatch", Class: "digest", Want: refuse("diff ID"), Build: layoutCase(func(l *layoutImg) {
			l.diffIDs[0] = sha("not this layer")
		})},
		{Name: "layout-layer-size-lies", Class: "digest", Want: refuse("descriptor says"), Build: layoutCase(func(l *layoutImg) {
			l.sizeDelta = -1
		})},
		{Name: "layout-self-referencing-index", Class: "limits", Want: refuse("image index"), Build: func(dir string) (string, error) {
			// A blob named by a digest that lists that same digest as its
			// child: unverified readers recursed until the stack overflowed.
			self := sha("self")
			idx := indexJSON(v1.Descriptor{MediaType: types.OCIImageIndex, Digest: self, Size: 200})
			if err := writeBlobAs(dir, self, idx); err != nil {
				return "", err
			}
			return dir, writeTop(dir, indexJSON(v1.Descriptor{MediaType: types.OCIImageIndex, Digest: self, Size: int64(len(idx))}))
		}},
		{Name: "layout-deep-index-chain", Class: "limits", Want: refuse("nest deeper than"), Build: layoutCase(func(l *layoutImg) {
			l.nest = 6
		})},
		{Name: "layout-many-index-entries", Class: "limits", Want: refuse("descriptors in all"), Build: layoutCase(func(l *layoutImg) {
			l.extraEntries = 10001
		})},
		{Name: "layout-config-1GiB-declared", Class: "limits", Want: refuse("--max-config-size"), Build: layoutCase(func(l *layoutImg) {
			l.configSize = 1 << 30
		})},
		{Name: "layout-config-1GiB-sparse", Class: "limits", Want: refuse("descriptor says"), Build: layoutCase(func(l *layoutImg) {
			l.sparse = map[v1.Hash]int64{l.config: 1 << 30}
		})},
		{Name: "layout-manifest-64MiB-declared", Class: "limits", Want: refuse("--max-manifest-size"), Build: layoutCase(func(l *layoutImg) {
			l.manifestSize = 64 << 20
		})},
		{Name: "layout-index-json-huge", Class: "limits", Want: refuse("--max-manifest-size"), Build: layoutCase(func(l *layoutImg) {
			l.hugeTop = true
		})},
		{Name: "layout-malformed-index", Class: "structure", Want: refuse("not a valid image index"), Build: func(dir string) (string, error) {
			return dir, writeTop(dir, []byte(`{"schemaVersion": 2, "manifests": [`))
		}},
		{Name: "layout-two-manifests-one-platform", Class: "ambiguous", Want: Want{WarnHas: "2 image manifests for linux/"}, Build: layoutCase(func(l *layoutImg) {
			l.twin = true
		})},
		{Name: "ocitar-config-replaced", Class: "digest", Want: refuse(replaced), Build: tarCase(false, func(l *layoutImg) {
			l.replace(l.config, l.rootConfig())
		}, nil)},
		{Name: "ocitargz-layer-replaced", Class: "digest", Want: refuse(replaced), Build: tarCase(true, func(l *layoutImg) {
			l.replace(l.layers[0], gz(layerTar(map[string]string{"bin/sh": "#!"}, 0o755)))
		}, nil)},
		{Name: "ocitargz-config-64MiB", Class: "limits", Want: refuse("--max-config-size"), Build: tarCase(true, func(l *layoutImg) {
			l.bigConfig = 64 << 20
		}, nil)},
		{Name: "ocitar-duplicate-index-json", Class: "structure", Want: refuse("index.json occurs twice"), Build: tarCase(false, nil, func(l *layoutImg, ents []entry) []entry {
			return append(ents, entry{"index.json", []byte(`{"schemaVersion":2,"manifests":[]}`)})
		})},
		{Name: "ocitar-duplicate-blob", Class: "structure", Want: refuse("occurs twice"), Build: tarCase(false, nil, func(l *layoutImg, ents []entry) []entry {
			return append(ents, entry{blobName(l.layers[0]), gz(layerTar(map[string]string{"usr/bin/su": "x"}, 0o4755))})
		})},
		{Name: "docker-config-replaced", Class: "digest", Want: refuse(replaced), Build: dockerCase(false, func(d *dockerImg) {
			d.files[d.configName] = d.l.rootConfig()
		})},
		{Name: "docker-layer-replaced", Class: "digest", Want: refuse(replaced), Build: dockerCase(false, func(d *dockerImg) {
			d.files[d.layerNames[0]] = layerTar(map[string]string{"usr/bin/su": "root shell"}, 0o4755)
		})},
		{Name: "docker-layer-renamed", Class: "digest", Want: refuse("diff ID"), Build: dockerCase(false, func(d *dockerImg) {
			// Old docker save names layers by an id, not a digest: only the
			// config's diff ID can catch the swap.
			d.files["0/layer.tar"] = layerTar(map[string]string{"usr/bin/su": "root shell"}, 0o4755)
			delete(d.files, d.layerNames[0])
			d.layerNames[0] = "0/layer.tar"
		})},
		{Name: "docker-duplicate-manifest-json", Class: "structure", Want: refuse("manifest.json occurs twice"), Build: dockerCase(false, func(d *dockerImg) {
			d.dupManifest = true
		})},
		{Name: "docker-malformed-manifest", Class: "structure", Want: refuse("not a valid docker save manifest"), Build: dockerCase(false, func(d *dockerImg) {
			d.files["manifest.json"] = []byte(`[{"Config": 7}]`)
		})},
		{Name: "docker-two-images", Class: "ambiguous", Want: Want{WarnHas: "2 images"}, Build: dockerCase(false, func(d *dockerImg) {
			e := map[string]any{"Config": d.configName, "RepoTags": []string{"example.com/app:1"}, "Layers": d.layerNames}
			m, _ := json.Marshal([]map[string]any{e, e})
			d.files["manifest.json"] = m
		})},
		{Name: "dockergz-config-replaced", Class: "digest", Want: refuse(replaced), Build: dockerCase(true, func(d *dockerImg) {
			d.files[d.configName] = d.l.rootConfig()
		})},
		{Name: "dockergz-config-16MiB", Class: "limits", Want: refuse("--max-config-size"), Build: dockerCase(true, func(d *dockerImg) {
			d.files[d.configName] = make([]byte, 16<<20)
		})},
	}
	return c
}

// ImageControls are the honest images the image cases are made from, one
// per input kind: each must open and read cleanly, so a refusal of a case
// is due to what the case breaks.
func ImageControls() []Case {
	none := func(*layoutImg) {}
	return []Case{
		{Name: "control-layout", Class: "control", Build: layoutCase(none)},
		{Name: "control-ocitar", Class: "control", Build: tarCase(false, none, nil)},
		{Name: "control-ocitargz", Class: "control", Build: tarCase(true, none, nil)},
		{Name: "control-docker", Class: "control", Build: dockerCase(false, func(*dockerImg) {})},
		{Name: "control-dockergz", Class: "control", Build: dockerCase(true, func(*dockerImg) {})},
	}
}

// layoutImg is a one-layer image being written as an OCI layout, with
// knobs that break it.
type layoutImg struct {
	blobs    map[v1.Hash][]byte
	manifest v1.Hash
	config   v1.Hash
	layers   []v1.Hash
	diffIDs  []v1.Hash
	// replaced are blobs written under another blob's name.
	replaced map[v1.Hash][]byte
	sparse   map[v1.Hash]int64

	sizeDelta                int64
	configSize, manifestSize int64
	bigConfig                int64
	nest, extraEntries       int
	hugeTop, twin            bool
}

// config is what the image's config holds (a non-root user, so a
// replacement running as root is a different verdict).
func (l *layoutImg) configJSON(user string) []byte {
	cf := v1.ConfigFile{OS: "linux", Architecture: runtime.GOARCH, RootFS: v1.RootFS{Type: "layers", DiffIDs: l.diffIDs},
		Config: v1.Config{User: user, Entrypoint: []string{"/app/hello"}}}
	b, _ := json.Marshal(cf)
	return b
}

// rootConfig is the config run as root, padded with JSON whitespace to
// the honest config's size, so only its digest tells it apart.
func (l *layoutImg) rootConfig() []byte {
	b := l.configJSON("0")
	return append(b, bytes.Repeat([]byte{' '}, len(l.configJSON("65532"))-len(b))...)
}

func (l *layoutImg) replace(h v1.Hash, b []byte) { l.replaced[h] = b }

func sha(s string) v1.Hash { return hashOf([]byte(s)) }

func hashOf(b []byte) v1.Hash {
	s := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}
}

func blobName(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

// newLayout makes the honest image: one gzipped layer with /app/hello.
func newLayout() *layoutImg {
	l := &layoutImg{blobs: map[v1.Hash][]byte{}, replaced: map[v1.Hash][]byte{}}
	raw := layerTar(map[string]string{"app/hello": "hello"}, 0o755)
	z := gz(raw)
	l.layers = []v1.Hash{hashOf(z)}
	l.diffIDs = []v1.Hash{hashOf(raw)}
	l.blobs[l.layers[0]] = z
	return l
}

func (l *layoutImg) put(b []byte) v1.Hash {
	h := hashOf(b)
	l.blobs[h] = b
	return h
}

// build computes config, manifest and index.json from the knobs.
func (l *layoutImg) build() []byte {
	cfg := l.configJSON("65532")
	if l.bigConfig > 0 {
		cfg = append(cfg, bytes.Repeat([]byte{' '}, int(l.bigConfig))...)
	}
	l.config = l.put(cfg)
	cfgSize := int64(len(cfg))
	if l.configSize > 0 {
		cfgSize = l.configSize
	}
	mf := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: l.config, Size: cfgSize}}
	for _, h := range l.layers {
		mf.Layers = append(mf.Layers, v1.Descriptor{MediaType: types.OCILayer, Digest: h, Size: int64(len(l.blobs[h])) + l.sizeDelta})
	}
	mb, _ := json.Marshal(mf)
	l.manifest = l.put(mb)
	plat := &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	mSize := int64(len(mb))
	if l.manifestSize > 0 {
		mSize = l.manifestSize
	}
	top := []v1.Descriptor{{MediaType: types.OCIManifestSchema1, Digest: l.manifest, Size: mSize, Platform: plat}}
	if l.twin {
		mf2 := mf
		mf2.Annotations = map[string]string{"org.example.twin": "yes"}
		b2, _ := json.Marshal(mf2)
		top = append(top, v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: l.put(b2), Size: int64(len(b2)), Platform: plat})
	}
	for i := 0; i < l.nest; i++ {
		b := indexJSON(top...)
		top = []v1.Descriptor{{MediaType: types.OCIImageIndex, Digest: l.put(b), Size: int64(len(b))}}
	}
	for i := 0; i < l.extraEntries; i++ {
		top = append(top, v1.Descriptor{MediaType: "application/vnd.example.other", Digest: sha(fmt.Sprint(i)), Size: 1})
	}
	return indexJSON(top...)
}

func indexJSON(ds ...v1.Descriptor) []byte {
	b, _ := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: ds})
	return b
}

type entry struct {
	name string
	body []byte
}

// entries are the files of the layout, in a stable order.
func (l *layoutImg) entries() []entry {
	top := l.build()
	ents := []entry{{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)}}
	var hs []v1.Hash
	for h := range l.blobs {
		hs = append(hs, h)
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].Hex < hs[j].Hex })
	for _, h := range hs {
		b := l.blobs[h]
		if r, ok := l.replaced[h]; ok {
			b = r
		}
		ents = append(ents, entry{blobName(h), b})
	}
	return append(ents, entry{"index.json", top})
}

func layoutCase(mod func(*layoutImg)) func(string) (string, error) {
	return func(dir string) (string, error) {
		l := newLayout()
		l.build() // names the blobs the knobs refer to
		mod(l)
		for _, e := range l.entries() {
			p := filepath.Join(dir, filepath.FromSlash(e.name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return "", err
			}
			if err := os.WriteFile(p, e.body, 0o644); err != nil {
				return "", err
			}
		}
		for h, n := range l.sparse {
			if err := os.Truncate(filepath.Join(dir, filepath.FromSlash(blobName(h))), n); err != nil {
				return "", err
			}
		}
		if l.hugeTop {
			// index.json padded past the limit: a sparse run of spaces'
			// worth of NULs after the JSON.
			if err := os.Truncate(filepath.Join(dir, "index.json"), 5<<20); err != nil {
				return "", err
			}
		}
		return dir, nil
	}
}

func writeBlobAs(dir string, h v1.Hash, b []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(blobName(h)))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

func writeTop(dir string, index []byte) error {
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644)
}

// tarCase writes the layout as a tarball (gzipped when z), after mod
// changes the image and edit the entries.
func tarCase(z bool, mod func(*layoutImg), edit func(*layoutImg, []entry) []entry) func(string) (string, error) {
	return func(dir string) (string, error) {
		l := newLayout()
		l.build()
		if mod != nil {
			mod(l)
		}
		ents := l.entries()
		if edit != nil {
			ents = edit(l, ents)
		}
		name := "image.tar"
		if z {
			name += ".gz"
		}
		return writeTar(filepath.Join(dir, name), z, ents)
	}
}

func writeTar(p string, z bool, ents []entry) (string, error) {
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var zw *gzip.Writer
	var tw *tar.Writer
	if z {
		zw, _ = gzip.NewWriterLevel(f, gzip.BestSpeed)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(f)
	}
	for _, e := range ents {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(e.body))}); err != nil {
			return "", err
		}
		if _, err := tw.Write(e.body); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return "", err
		}
	}
	return p, f.Close()
}

// dockerImg is the same image as a `docker save` tarball (Docker 25's
// shape: blobs named by digest, layers uncompressed).
type dockerImg struct {
	l           *layoutImg
	files       map[string][]byte
	configName  string
	layerNames  []string
	dupManifest bool
}

func dockerCase(z bool, mod func(*dockerImg)) func(string) (string, error) {
	return func(dir string) (string, error) {
		l := newLayout()
		raw := layerTar(map[string]string{"app/hello": "hello"}, 0o755)
		cfg := l.configJSON("65532")
		d := &dockerImg{l: l, files: map[string][]byte{}}
		d.configName = blobName(hashOf(cfg))
		d.layerNames = []string{blobName(hashOf(raw))}
		d.files[d.configName] = cfg
		d.files[d.layerNames[0]] = raw
		mod(d)
		if _, ok := d.files["manifest.json"]; !ok {
			m, _ := json.Marshal([]map[string]any{{"Config": d.configName, "RepoTags": []string{"example.com/app:1"}, "Layers": d.layerNames}})
			d.files["manifest.json"] = m
		}
		var names []string
		for n := range d.files {
			names = append(names, n)
		}
		sort.Strings(names)
		var ents []entry
		for _, n := range names {
			ents = append(ents, entry{n, d.files[n]})
		}
		if d.dupManifest {
			ents = append(ents, entry{"manifest.json", []byte(`[]`)})
		}
		name := "docker.tar"
		if z {
			name += ".gz"
		}
		return writeTar(filepath.Join(dir, name), z, ents)
	}
}

// layerTar is a layer holding files (name → content) with mode.
func layerTar(files map[string]string, mode int64) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if dir := filepath.Dir(n); dir != "." {
			tw.WriteHeader(&tar.Header{Name: strings.TrimSuffix(dir, "/") + "/", Typeflag: tar.TypeDir, Mode: 0o755})
		}
		tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(files[n]))})
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// ImageCases are the cases of this file alone, for the image reader's own
// tests.
func ImageCases() []Case { return imageCases() }
