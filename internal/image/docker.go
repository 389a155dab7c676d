package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// dockerEntry is one image of a docker save tarball's manifest.json.
type dockerEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// digestInName is the digest a docker save names a file by, if it does:
// "blobs/sha256/<hex>" (Docker 25 and later, and BuildKit) or "<hex>.json"
// (older Docker's config).
func digestInName(name string) (v1.Hash, bool) {
	if strings.HasPrefix(name, "blobs/") {
		if h, err := v1.NewHash(strings.Replace(strings.TrimPrefix(name, "blobs/"), "/", ":", 1)); err == nil {
			return h, true
		}
		return v1.Hash{}, false
	}
	if path.Dir(name) != "." {
		return v1.Hash{}, false
	}
	// "<hex>.json" (Docker before 25), "sha256:<hex>" and "<hex>.tar.gz"
	// (go-containerregistry's tarball).
	hx := strings.TrimPrefix(name, "sha256:")
	if hx == name {
		hx, _ = strings.CutSuffix(name, ".json")
		hx, _ = strings.CutSuffix(hx, ".tar.gz")
	}
	if len(hx) == 64 && digestHex.MatchString(hx) && hx != name {
		return v1.Hash{Algorithm: "sha256", Hex: hx}, true
	}
	return v1.Hash{}, false
}

// openDocker reads a docker save tarball as `docker load` does, but
// verifies what it can: the config against the digest its file is named
// by, each layer against the digest its file is named by and against the
// config's diff ID (a layer stored uncompressed must hash to its diff ID
// before anything reads it; a compressed one is checked as it is read).
// The image's manifest is made from what was verified, as docker does.
func openDocker(ctx context.Context, st *tarStore, s Settings) (*verifiedImage, error) {
	file := st.path + ": manifest.json"
	var entries []dockerEntry
	if err := json.Unmarshal(st.top["manifest.json"], &entries); err != nil {
		return nil, invalid(file, "not a valid docker save manifest: %v", err)
	}
	if len(entries) == 0 {
		return nil, invalid(file, "lists no image")
	}
	if len(entries) > 1 {
		fmt.Fprintf(s.Warn, "slipway: warning: %s: %d images (configs %s and %s ...); reading the first\n",
			file, len(entries), entries[0].Config, entries[1].Config)
	}
	e := entries[0]
	cfgName := cleanName(e.Config)
	cm, ok := st.members[cfgName]
	if !ok {
		return nil, invalid(file, "config %s is not in the tarball", cfgName)
	}
	if cm.size > s.Limits.MaxConfigSize {
		return nil, invalid(st.path+": "+cfgName, "image config is %d bytes, more than the limit of %d (raise it with --max-config-size)", cm.size, s.Limits.MaxConfigSize)
	}
	names := []string{cfgName}
	for _, l := range e.Layers {
		n := cleanName(l)
		if _, ok := st.members[n]; !ok {
			return nil, invalid(file, "layer %s is not in the tarball", n)
		}
		names = append(names, n)
	}
	if st.gz {
		var todo []string
		var total int64
		seen := map[string]bool{}
		for _, n := range names {
			m := st.members[n]
			if !seen[n] && m.spooled == "" && st.spoolTotal+total+m.size <= maxSpool {
				todo = append(todo, n)
				total += m.size
			}
			seen[n] = true
		}
		if err := st.spool(ctx, todo); err != nil {
			return nil, err
		}
	}
	rc, err := st.openMember(ctx, cfgName, cm)
	if err != nil {
		return nil, err
	}
	rawCfg, err := readBounded(rc, s.Limits.MaxConfigSize, "image config", st.path+": "+cfgName, "--max-config-size")
	rc.Close()
	if err != nil {
		return nil, err
	}
	cfgDigest := sha256Of(rawCfg)
	if want, ok := digestInName(cfgName); ok && want != cfgDigest {
		return nil, &DigestError{What: "image config", File: st.path + ": " + cfgName, Want: want, Got: cfgDigest}
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, invalid(st.path+": "+cfgName, "not a valid image config: %v", err)
	}
	if len(cfg.RootFS.DiffIDs) != len(e.Layers) {
		return nil, invalid(file, "lists %d layers, but config %s has %d diff IDs", len(e.Layers), cfgName, len(cfg.RootFS.DiffIDs))
	}
	mf := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.DockerManifestSchema2,
		Config:        v1.Descriptor{MediaType: types.DockerConfigJSON, Size: int64(len(rawCfg)), Digest: cfgDigest},
	}
	st.byDigest = map[v1.Hash]string{cfgDigest: cfgName}
	for i, n := range names[1:] {
		m := st.members[n]
		rc, err := st.openMember(ctx, n, m)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		var head [4]byte
		k, _ := io.ReadFull(io.TeeReader(ctxReader{ctx, rc}, h), head[:])
		_, err = io.Copy(h, ctxReader{ctx, rc})
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %s: %w", st.path, n, err)
		}
		d := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
		lfile := st.path + ": " + n
		if want, ok := digestInName(n); ok && want != d {
			return nil, &DigestError{What: fmt.Sprintf("layer %d", i+1), File: lfile, Want: want, Got: d}
		}
		mt := types.DockerUncompressedLayer
		switch {
		case k >= 2 && head[0] == 0x1f && head[1] == 0x8b:
			mt = types.DockerLayer
		case k == 4 && bytes.Equal(head[:], []byte{0x28, 0xb5, 0x2f, 0xfd}):
			mt = types.OCILayerZStd
		default:
			if d != cfg.RootFS.DiffIDs[i] {
				return nil, &DigestError{What: fmt.Sprintf("layer %d (uncompressed, diff ID)", i+1), File: lfile, Want: cfg.RootFS.DiffIDs[i], Got: d}
			}
		}
		if prev, ok := st.byDigest[d]; ok && prev != n {
			// Two files with the same bytes: either serves.
			_ = prev
		} else {
			st.byDigest[d] = n
		}
		mf.Layers = append(mf.Layers, v1.Descriptor{MediaType: mt, Size: m.size, Digest: d})
	}
	raw, err := json.Marshal(mf)
	if err != nil {
		return nil, err
	}
	d := v1.Descriptor{MediaType: mf.MediaType, Size: int64(len(raw)), Digest: sha256Of(raw)}
	return loadImage(ctx, st, d, raw, s.Limits, st.path)
}

func sha256Of(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}
