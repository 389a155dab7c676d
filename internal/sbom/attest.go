package sbom

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipway/slipway/internal/atomicfile"
	"github.com/slipway/slipway/internal/image"
)

// The shape BuildKit gives attestations: a manifest in the image's index,
// annotated as an attestation manifest about the image manifest's digest,
// with platform unknown/unknown so no runtime picks it, and one in-toto
// statement layer per predicate.
const (
	AnnotRefType       = "vnd.docker.reference.type"
	AnnotRefDigest     = "vnd.docker.reference.digest"
	RefTypeAttestation = "attestation-manifest"
	AnnotPredicateType = "in-toto.io/predicate-type"
	MediaTypeInToto    = "application/vnd.in-toto+json"
	statementType      = "https://in-toto.io/Statement/v0.1"
)

// Statement is an in-toto statement carrying a predicate.
type Statement struct {
	Type          string          `json:"_type"`
	PredicateType string          `json:"predicateType"`
	Subject       []StmtSubject   `json:"subject"`
	Predicate     json.RawMessage `json:"predicate"`
}

// StmtSubject is the artifact a statement is about.
type StmtSubject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// NewStatement wraps an encoded SBOM in an in-toto statement about subj.
func NewStatement(subj Subject, bom []byte) ([]byte, error) {
	h, err := v1.NewHash(subj.Digest)
	if err != nil {
		return nil, fmt.Errorf("the SBOM's subject: %w", err)
	}
	n := subj.Name
	if n == "" {
		n = "image"
	}
	return json.Marshal(Statement{Type: statementType, PredicateType: PredicateType,
		Subject: []StmtSubject{{Name: n, Digest: map[string]string{h.Algorithm: h.Hex}}}, Predicate: bom})
}

// ParseStatement reads an in-toto statement and, when it carries a
// CycloneDX SBOM, the SBOM.
func ParseStatement(data []byte) (*Statement, error) {
	var st Statement
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("reading the in-toto statement: %w", err)
	}
	return &st, nil
}

// attestation builds the attestation manifest for a statement about the
// image manifest subject.
func attestation(stmt []byte, subject v1.Hash) (v1.Image, v1.Descriptor, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.ConfigFile(img, &v1.ConfigFile{Architecture: "unknown", OS: "unknown", RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:       static.NewLayer(stmt, MediaTypeInToto),
		Annotations: map[string]string{AnnotPredicateType: PredicateType},
	})
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	d, err := img.Digest()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	desc := v1.Descriptor{
		MediaType:   types.OCIManifestSchema1,
		Digest:      d,
		Size:        int64(len(raw)),
		Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{AnnotRefType: RefTypeAttestation, AnnotRefDigest: subject.String()},
	}
	return img, desc, nil
}

// AttachRemote attaches stmt (about the image manifest subject, of the
// platform plat) to the image ref names in a registry, as BuildKit does:
// an index that already lists subject gains the attestation manifest; a
// single manifest is wrapped in a new index with it. The tag then names
// the index.
func AttachRemote(ctx context.Context, ref name.Reference, subject v1.Hash, plat *v1.Platform, stmt []byte, opts ...remote.Option) (v1.Hash, error) {
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("reading %s: %w", ref, err)
	}
	att, attDesc, err := attestation(stmt, subject)
	if err != nil {
		return v1.Hash{}, err
	}
	var idx v1.ImageIndex
	switch {
	case desc.MediaType.IsIndex():
		if idx, err = desc.ImageIndex(); err != nil {
			return v1.Hash{}, err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return v1.Hash{}, err
		}
		if !lists(im.Manifests, subject) {
			return v1.Hash{}, fmt.Errorf("%s: its index does not list the image %s", ref, subject)
		}
		if lists(im.Manifests, attDesc.Digest) {
			return desc.Digest, nil // this very attestation is attached already
		}
	case desc.MediaType.IsImage():
		if desc.Digest != subject {
			return v1.Hash{}, fmt.Errorf("%s names %s, not the image %s that was built (pushed over since?)", ref, desc.Digest, subject)
		}
		img, err := desc.Image()
		if err != nil {
			return v1.Hash{}, err
		}
		idx = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{MediaType: desc.MediaType, Platform: plat}})
	default:
		return v1.Hash{}, fmt.Errorf("%s: media type %s is neither an image nor an index", ref, desc.MediaType)
	}
	idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: att, Descriptor: attDesc})
	if err := remote.WriteIndex(ref, idx, opts...); err != nil {
		return v1.Hash{}, fmt.Errorf("pushing the SBOM attestation to %s: %w", ref, err)
	}
	return idx.Digest()
}

func lists(ds []v1.Descriptor, h v1.Hash) bool {
	for _, d := range ds {
		if d.Digest == h {
			return true
		}
	}
	return false
}

// AttachFile attaches stmt (about the image manifest subject, of platform
// plat) to the OCI layout tarball at p, rewriting it atomically: the
// statement, its config and attestation manifest are added as blobs; an
// index.json that lists subject directly gets a nested index (the image
// and its attestation) in its place, keeping its annotations; one that
// lists an index holding subject gets that index extended.
func AttachFile(ctx context.Context, p string, subject v1.Hash, plat *v1.Platform, stmt []byte) error {
	bl, err := openLayoutTar(ctx, p)
	if err != nil {
		return err
	}
	defer bl.Close()
	top := bl.Root
	att, attDesc, err := attestation(stmt, subject)
	if err != nil {
		return err
	}
	blobs := map[v1.Hash][]byte{}
	if err := addImageBlobs(att, blobs); err != nil {
		return err
	}
	var root v1.IndexManifest
	if err := json.Unmarshal(top, &root); err != nil {
		return fmt.Errorf("%s: index.json: %w", p, err)
	}
	replaced := false
	var drop v1.Hash
	for i, d := range root.Manifests {
		switch {
		case d.Digest == subject:
			sub := d
			sub.Annotations = nil
			if sub.Platform == nil {
				sub.Platform = plat
			}
			nested := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{sub, attDesc}}
			b, h, err := encodeIndex(nested)
			if err != nil {
				return err
			}
			blobs[h] = b
			root.Manifests[i] = v1.Descriptor{MediaType: types.OCIImageIndex, Digest: h, Size: int64(len(b)), Annotations: d.Annotations}
			replaced = true
		case d.MediaType.IsIndex():
			raw, err := bl.Read(ctx, d, true, maxIndex)
			if err != nil {
				return fmt.Errorf("%s: index %s: %w", p, d.Digest, err)
			}
			var nested v1.IndexManifest
			if err := json.Unmarshal(raw, &nested); err != nil {
				return fmt.Errorf("%s: index %s: %w", p, d.Digest, err)
			}
			if !lists(nested.Manifests, subject) {
				continue
			}
			if lists(nested.Manifests, attDesc.Digest) {
				return nil // this very attestation is attached already
			}
			nested.Manifests = append(nested.Manifests, attDesc)
			b, h, err := encodeIndex(nested)
			if err != nil {
				return err
			}
			blobs[h] = b
			drop = d.Digest
			root.Manifests[i].Digest, root.Manifests[i].Size = h, int64(len(b))
			replaced = true
		}
		if replaced {
			break
		}
	}
	if !replaced {
		return fmt.Errorf("%s: index.json does not list the image %s", p, subject)
	}
	newTop, err := json.Marshal(root)
	if err != nil {
		return err
	}
	return rewriteTar(ctx, p, newTop, blobs, drop)
}

func encodeIndex(im v1.IndexManifest) ([]byte, v1.Hash, error) {
	b, err := json.Marshal(im)
	if err != nil {
		return nil, v1.Hash{}, err
	}
	h, _, err := v1.SHA256(bytes.NewReader(b))
	return b, h, err
}

// addImageBlobs adds an in-memory image's manifest, config and layers.
func addImageBlobs(img v1.Image, blobs map[v1.Hash][]byte) error {
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	d, _ := img.Digest()
	blobs[d] = raw
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	cn, _ := img.ConfigName()
	blobs[cn] = cfg
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		h, _ := l.Digest()
		blobs[h] = b
	}
	return nil
}

const maxIndex = 4 << 20

var errGzip = errors.New("a gzipped OCI tarball: --sbom writes to a plain one (type=oci without compression of the tarball)")

// openTar opens the tarball p for reading its members in order.
func openTar(p string) (*os.File, *tar.Reader, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", p, err)
	}
	head := make([]byte, 2)
	if n, _ := io.ReadFull(f, head); n == 2 && head[0] == 0x1f && head[1] == 0x8b {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", p, errGzip)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, tar.NewReader(f), nil
}

func cleanName(n string) string { return strings.TrimPrefix(path.Clean("/"+n), "/") }

// openLayoutTar opens the plain OCI layout tarball p for reading its
// index.json and blobs, each checked against its descriptor (image.Blobs:
// a tarball that names a member twice is refused).
func openLayoutTar(ctx context.Context, p string) (*image.Blobs, error) {
	f, _, err := openTar(p) // refuses a gzipped one, which rewriteTar cannot write
	if err != nil {
		return nil, err
	}
	f.Close()
	bl, err := image.OpenBlobs(ctx, p, image.Options{}, maxIndex)
	if err != nil {
		return nil, err
	}
	if bl.Root == nil {
		bl.Close()
		return nil, fmt.Errorf("%s: no index.json: not an OCI layout tarball", p)
	}
	return bl, nil
}

// rewriteTar copies p with index.json replaced, the blob drop left out and
// blobs added (those not there already), atomically.
func rewriteTar(ctx context.Context, p string, index []byte, blobs map[v1.Hash][]byte, drop v1.Hash) error {
	f, tr, err := openTar(p)
	if err != nil {
		return err
	}
	defer f.Close()
	dropName := ""
	if drop.Hex != "" {
		dropName = "blobs/" + drop.Algorithm + "/" + drop.Hex
	}
	return atomicfile.Write(p, 0o644, func(w io.Writer) error {
		tw := tar.NewWriter(w)
		have := map[string]bool{}
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			n := cleanName(hdr.Name)
			if n == "index.json" || (dropName != "" && n == dropName) {
				continue
			}
			have[n] = true
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if _, err := io.Copy(tw, tr); err != nil {
				return err
			}
		}
		names := make([]v1.Hash, 0, len(blobs))
		for h := range blobs {
			names = append(names, h)
		}
		sort.Slice(names, func(i, j int) bool { return names[i].String() < names[j].String() })
		for _, h := range names {
			b := blobs[h]
			n := "blobs/" + h.Algorithm + "/" + h.Hex
			if have[n] {
				continue
			}
			if err := writeMember(tw, n, b); err != nil {
				return err
			}
		}
		if err := writeMember(tw, "index.json", index); err != nil {
			return err
		}
		return tw.Close()
	})
}

func writeMember(tw *tar.Writer, n string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o444, Size: int64(len(b)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}
