package scan

// Attestations. BuildKit attaches in-toto statements (SLSA provenance,
// SBOMs) to an image as attestation manifests in its index: a manifest
// whose descriptor is annotated vnd.docker.reference.type:
// attestation-manifest, about the image manifest named by
// vnd.docker.reference.digest, with one application/vnd.in-toto+json layer
// per statement. A max provenance statement records every build argument
// verbatim, whatever its name. ReadAttestations finds them wherever the
// image is (an OCI layout directory, an OCI or docker tarball in one
// streaming pass, a registry index), every read bounded and checked against
// its digest; scanner.attestations reports each credential they hold as
// SW226, by where it is and what it looks like, never by its value.

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/secrets"
)

// Limits of attestation reading. A real provenance statement is a few
// kilobytes and an SBOM a few megabytes; anything larger is not read and is
// reported as SW226 (unchecked), so a hostile index costs bounded memory.
// Variables so that tests can lower them.
var (
	maxAttestBlob      int64 = 32 << 20  // one index, manifest or statement
	maxAttestTotal     int64 = 128 << 20 // everything read for attestations
	maxAttestManifests       = 256       // attestation manifests followed
)

// Attestation is one in-toto statement attached to the image, or the
// reason it could not be read.
type Attestation struct {
	// Manifest is the attestation manifest's digest; Subject the image
	// manifest it is about (vnd.docker.reference.digest).
	Manifest, Subject string
	// PredicateType is the layer's in-toto.io/predicate-type annotation
	// (e.g. https://slsa.dev/provenance/v1).
	PredicateType string
	// Layer is the statement blob's digest; Data its bytes (nil when
	// Problem says why it was not read).
	Layer   string
	Data    []byte
	Problem string
}

// Annotations and media types of BuildKit's attestation manifests.
const (
	annotRefType       = "vnd.docker.reference.type"
	annotRefDigest     = "vnd.docker.reference.digest"
	refTypeAttestation = "attestation-manifest"
	annotPredicateType = "in-toto.io/predicate-type"
	mediaTypeInToto    = "application/vnd.in-toto+json"
)

// store reads an image source's index and its blobs by digest.
type store interface {
	// root is the top-level index (index.json, or the registry's
	// manifest), nil when the source has none.
	root(ctx context.Context) ([]byte, error)
	// manifest and blob return a manifest or a blob of at most limit
	// bytes; errTooLarge when it is bigger, errMissing when absent.
	manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error)
	blob(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error)
}

var (
	errTooLarge = errors.New("too large")
	errMissing  = errors.New("not in the image")
)

// ReadAttestations reads the attestations attached to the image src
// (what image.Open accepts): none for a source without an index (a docker
// save tarball from docker itself, a registry tag naming one manifest).
func ReadAttestations(ctx context.Context, src string, o image.Options) ([]Attestation, error) {
	st, err := openStore(ctx, src, o)
	if err != nil || st == nil {
		return nil, err
	}
	return collect(ctx, st)
}

func openStore(ctx context.Context, src string, o image.Options) (store, error) {
	fi, err := os.Stat(src)
	switch {
	case err == nil && fi.IsDir():
		return dirStore(src), nil
	case err == nil:
		ts, err := readTarStore(src)
		if ts == nil || err != nil {
			return nil, err // a tarball without index.json: no store, not a nil *tarStore
		}
		return ts, nil
	}
	ref, err := image.ParseReference(src, o.Insecure)
	if err != nil {
		return nil, nil // image.Open has already said what src is not
	}
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	return &registryStore{ref: ref, opts: []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}}, nil
}

// collect walks the index tree from the root and reads every in-toto
// layer of every attestation manifest, within the limits.
func collect(ctx context.Context, st store) ([]Attestation, error) {
	rootBytes, err := st.root(ctx)
	if err != nil || rootBytes == nil {
		return nil, err
	}
	c := &collector{st: st, seen: map[v1.Hash]bool{}}
	if err := c.index(ctx, rootBytes, "the image index", 0); err != nil {
		return nil, err
	}
	return c.out, nil
}

type collector struct {
	st        store
	seen      map[v1.Hash]bool
	read      int64 // bytes read so far, against maxAttestTotal
	manifests int
	out       []Attestation
}

// budget is what may still be read for one blob.
func (c *collector) budget() int64 { return min(maxAttestBlob, maxAttestTotal-c.read) }

func (c *collector) index(ctx context.Context, b []byte, what string, depth int) error {
	var im v1.IndexManifest
	if err := json.Unmarshal(b, &im); err != nil {
		return fmt.Errorf("reading %s: %w", what, err)
	}
	for _, d := range im.Manifests {
		if err := ctx.Err(); err != nil {
			return err
		}
		if c.seen[d.Digest] {
			continue // an index that names itself, or a manifest named twice
		}
		c.seen[d.Digest] = true
		switch {
		case d.MediaType.IsIndex():
			if lim := image.ContextLimits(ctx).MaxIndexDepth; depth+1 > lim {
				return fmt.Errorf("reading %s: indexes nested deeper than %d (raise the limit with --max-index-depth)", what, lim)
			}
			child, err := c.fetch(ctx, d, true)
			if err != nil {
				return fmt.Errorf("reading the index %s: %w", d.Digest, err)
			}
			if err := c.index(ctx, child, "the index "+d.Digest.String(), depth+1); err != nil {
				return err
			}
		case d.Annotations[annotRefType] == refTypeAttestation:
			if c.manifests++; c.manifests > maxAttestManifests {
				c.out = append(c.out, Attestation{Manifest: d.Digest.String(), Problem: fmt.Sprintf("the index holds more than %d attestation manifests; the rest were not read", maxAttestManifests)})
				return nil
			}
			c.attestation(ctx, d)
		}
	}
	return nil
}

// attestation reads one attestation manifest and its in-toto layers. What
// cannot be read becomes an Attestation with a Problem, not an error: the
// image itself was readable, and the report says what was not checked.
func (c *collector) attestation(ctx context.Context, d v1.Descriptor) {
	a := Attestation{Manifest: d.Digest.String(), Subject: d.Annotations[annotRefDigest]}
	b, err := c.fetch(ctx, d, true)
	if err != nil {
		a.Problem = "its manifest " + problem(err)
		c.out = append(c.out, a)
		return
	}
	var m v1.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		a.Problem = "its manifest is not valid JSON: " + err.Error()
		c.out = append(c.out, a)
		return
	}
	for _, l := range m.Layers {
		if string(l.MediaType) != mediaTypeInToto {
			continue
		}
		x := a
		x.PredicateType = l.Annotations[annotPredicateType]
		x.Layer = l.Digest.String()
		if x.Data, err = c.fetch(ctx, l, false); err != nil {
			x.Data, x.Problem = nil, "its statement "+problem(err)
		}
		c.out = append(c.out, x)
	}
}

// fetch reads d within the budget and checks its size and digest.
func (c *collector) fetch(ctx context.Context, d v1.Descriptor, isManifest bool) ([]byte, error) {
	limit := c.budget()
	if d.Size > limit {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d bytes scan reads", errTooLarge, d.Size, limit)
	}
	var b []byte
	var err error
	if isManifest {
		b, err = c.st.manifest(ctx, d, limit)
	} else {
		b, err = c.st.blob(ctx, d, limit)
	}
	if err != nil {
		return nil, err
	}
	c.read += int64(len(b))
	if int64(len(b)) != d.Size {
		return nil, fmt.Errorf("is %d bytes where its descriptor says %d", len(b), d.Size)
	}
	if d.Digest.Algorithm != "sha256" {
		return nil, fmt.Errorf("has a %s digest; scan checks sha256 only", d.Digest.Algorithm)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != d.Digest.Hex {
		return nil, fmt.Errorf("does not match its digest %s", d.Digest)
	}
	return b, nil
}

func problem(err error) string {
	switch {
	case errors.Is(err, errTooLarge), errors.Is(err, errMissing):
		return "is " + err.Error()
	}
	return err.Error()
}

// readAll reads at most limit bytes of r; more is errTooLarge.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than the %d bytes scan reads", errTooLarge, limit)
	}
	return b, nil
}

// dirStore is an OCI layout directory.
type dirStore string

func (s dirStore) root(context.Context) ([]byte, error) {
	b, err := s.file("index.json", maxAttestBlob)
	if errors.Is(err, errMissing) {
		return nil, nil
	}
	return b, err
}

func (s dirStore) manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	return s.blob(ctx, d, limit)
}

func (s dirStore) blob(_ context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	if !blobName.MatchString(d.Digest.Algorithm + "/" + d.Digest.Hex) {
		return nil, fmt.Errorf("has an invalid digest %q", d.Digest)
	}
	return s.file(path.Join("blobs", d.Digest.Algorithm, d.Digest.Hex), limit)
}

func (s dirStore) file(name string, limit int64) ([]byte, error) {
	f, err := os.Open(filepath.Join(string(s), filepath.FromSlash(name)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errMissing
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, limit)
}

// blobName is a content-addressed blob's path below blobs/.
var blobName = regexp.MustCompile(`^[a-z0-9]+/[a-f0-9]{32,128}$`)

// tarStore is an OCI layout (or BuildKit docker) tarball, read in one
// streaming pass that keeps index.json and the JSON blobs (indexes,
// manifests, statements: they start with '{') no larger than
// maxAttestBlob, up to maxAttestTotal in all; layers are skipped unread.
type tarStore struct {
	index   []byte
	blobs   map[string][]byte // "sha256/<hex>" -> bytes
	skipped map[string]string // blobs not kept, and why
}

func readTarStore(p string) (*tarStore, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("reading attestations: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading attestations in %s: %w", p, err)
		}
		defer zr.Close()
		r = zr
	}
	s := &tarStore{blobs: map[string][]byte{}, skipped: map[string]string{}}
	var kept int64
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading attestations in %s: %w", p, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "/"))
		if name == "index.json" {
			if s.index, err = readAll(tr, maxAttestBlob); err != nil {
				return nil, fmt.Errorf("reading %s: index.json: %w", p, err)
			}
			continue
		}
		rest, ok := strings.CutPrefix(name, "blobs/")
		if !ok || !blobName.MatchString(rest) {
			continue
		}
		if hdr.Size > maxAttestBlob || kept+hdr.Size > maxAttestTotal {
			s.skipped[rest] = fmt.Sprintf("%d bytes, more than scan reads", hdr.Size)
			continue
		}
		eb := bufio.NewReaderSize(tr, 16)
		if first, _ := eb.Peek(1); len(first) == 0 || first[0] != '{' {
			continue // a layer, or empty
		}
		b, err := readAll(eb, hdr.Size)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %s: %w", p, name, err)
		}
		s.blobs[rest] = b
		kept += int64(len(b))
	}
	if s.index == nil {
		return nil, nil
	}
	return s, nil
}

func (s *tarStore) root(context.Context) ([]byte, error) { return s.index, nil }

func (s *tarStore) manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	return s.blob(ctx, d, limit)
}

func (s *tarStore) blob(_ context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	k := d.Digest.Algorithm + "/" + d.Digest.Hex
	if why, ok := s.skipped[k]; ok {
		return nil, fmt.Errorf("%w: %s", errTooLarge, why)
	}
	b, ok := s.blobs[k]
	if !ok {
		return nil, fmt.Errorf("%w (or not JSON)", errMissing)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than the %d bytes scan reads", errTooLarge, limit)
	}
	return b, nil
}

// registryStore is an image in a registry: its top-level manifest, when
// it is an index, and blobs by digest in the same repository.
type registryStore struct {
	ref  name.Reference
	opts []remote.Option
}

func (s *registryStore) root(context.Context) ([]byte, error) {
	desc, err := remote.Get(s.ref, s.opts...)
	if err != nil {
		return nil, fmt.Errorf("reading attestations of %s: %w", s.ref, err)
	}
	if !desc.MediaType.IsIndex() {
		return nil, nil
	}
	if int64(len(desc.Manifest)) > maxAttestBlob {
		return nil, fmt.Errorf("reading attestations of %s: its index is %d bytes, more than the %d scan reads", s.ref, len(desc.Manifest), maxAttestBlob)
	}
	return desc.Manifest, nil
}

func (s *registryStore) manifest(_ context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	desc, err := remote.Get(s.ref.Context().Digest(d.Digest.String()), s.opts...)
	if err != nil {
		return nil, err
	}
	if int64(len(desc.Manifest)) > limit {
		return nil, fmt.Errorf("%w: more than the %d bytes scan reads", errTooLarge, limit)
	}
	return desc.Manifest, nil
}

func (s *registryStore) blob(_ context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	l, err := remote.Layer(s.ref.Context().Digest(d.Digest.String()), s.opts...)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readAll(rc, limit)
}

// attestations reports SW226 for every credential in the statements, and
// for every statement that could not be read.
func (s *scanner) attestations(as []Attestation) {
	for _, a := range as {
		where := "The attestation " + short(a.Manifest)
		if a.PredicateType != "" {
			where = fmt.Sprintf("The %s attestation %s", escape(a.PredicateType), short(a.Manifest))
		}
		if a.Subject != "" {
			where += " (about " + short(a.Subject) + ")"
		}
		if a.Problem != "" {
			s.add("SW226", "%s could not be checked for credentials: %s", where, escape(a.Problem))
			continue
		}
		hits, err := statementSecrets(a.Data)
		if err != nil {
			s.add("SW226", "%s could not be checked for credentials: its statement is not valid JSON (%s)", where, escape(err.Error()))
		}
		if len(hits) > 0 {
			s.add("SW226", "%s records %s", where, list(hits, 5))
		}
	}
}

// statementSecrets walks a statement's JSON and names each credential in
// it: a build argument (BuildKit records them as "build-arg:NAME" keys)
// whose name or value looks like one, or any string value that does. The
// same build arg recorded at several places is named once; values are
// never shown.
func statementSecrets(data []byte) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	err := walkJSON(data, func(p []string, key, v string) {
		var hit string
		if arg, ok := strings.CutPrefix(key, "build-arg:"); ok {
			if why := secretVar(arg, v); why != "" {
				hit = fmt.Sprintf("build arg %s (%s)", escape(arg), why)
			}
		} else if what := secrets.Value(v); what != "" {
			hit = fmt.Sprintf("%s at %s", what, jsonPath(p))
		}
		if hit != "" && !seen[hit] {
			seen[hit] = true
			out = append(out, hit)
		}
	})
	return out, err
}

// walkJSON calls visit for every string value in data, with its path of
// keys and array indexes and the key it is under ("" in an array). It
// streams tokens, so memory is the data plus the nesting depth.
func walkJSON(data []byte, visit func(path []string, key, v string)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		key    string // the current key, in an object
		keyed  bool   // the key has been read and its value not yet
		n      int    // the next index, in an array
	}
	var stack []frame
	var keys []string
	// value is called after a whole value (scalar or container) was read.
	value := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.object {
			top.keyed = false
		} else {
			top.n++
		}
	}
	// here is the path element of the value about to be read.
	here := func() (string, string) {
		top := stack[len(stack)-1]
		if top.object {
			return top.key, top.key
		}
		return "\x00" + strconv.Itoa(top.n), "" // \x00: an index, not a key
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if len(stack) > 0 {
					el, _ := here()
					keys = append(keys, el)
				}
				stack = append(stack, frame{object: d == '{'})
			case '}', ']':
				stack = stack[:len(stack)-1]
				if len(keys) > 0 && len(stack) > 0 {
					keys = keys[:len(keys)-1]
				}
				value()
			}
			continue
		}
		if len(stack) > 0 && stack[len(stack)-1].object && !stack[len(stack)-1].keyed {
			k, _ := tok.(string)
			stack[len(stack)-1].key, stack[len(stack)-1].keyed = k, true
			continue
		}
		if v, ok := tok.(string); ok {
			if len(stack) == 0 {
				visit(nil, "", v)
			} else {
				el, key := here()
				visit(append(keys[:len(keys):len(keys)], el), key, v)
			}
		}
		value()
	}
}

// jsonIdent is a key that a path shows as .key.
var jsonIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// jsonPath shows a path as predicate.buildDefinition.args["build-arg:X"],
// escaped, and at most about 200 characters long.
func jsonPath(p []string) string {
	var b strings.Builder
	for _, el := range p {
		switch {
		case strings.HasPrefix(el, "\x00"):
			b.WriteString("[" + el[1:] + "]")
		case jsonIdent.MatchString(el):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(el)
		default:
			b.WriteString("[" + strconv.Quote(el) + "]")
		}
	}
	s := b.String()
	if len(s) > 200 {
		s = s[:100] + "…" + s[len(s)-100:]
	}
	return s
}

// escape makes an untrusted string safe to print on one line: Go's quoting
// of anything that is not printable, without the quotes.
func escape(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
