package scan

// Attestations. BuildKit attaches in-toto statements (SLSA provenance,
// SBOMs) to an image as attestation manifests in its index: a manifest
// whose descriptor is annotated vnd.docker.reference.type:
// attestation-manifest, about the image manifest named by
// vnd.docker.reference.digest, with one application/vnd.in-toto+json layer
// per statement. A max provenance statement records every build argument
// verbatim, whatever its name. ReadAttestations finds them wherever the
// image is (an OCI layout directory, an OCI or docker tarball, a registry
// index), read through internal/image's stores (image.Blobs), every read
// bounded and checked against its digest; scanner.attestations reports each
// credential they hold as SW226, by where it is and what it looks like,
// never by its value.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

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

// ReadAttestations reads the attestations attached to the image src
// (what image.Open accepts): none for a source without an index (a docker
// save tarball from docker itself, a registry tag naming one manifest).
func ReadAttestations(ctx context.Context, src string, o image.Options) ([]Attestation, error) {
	bl, err := image.OpenBlobs(ctx, src, o, maxAttestBlob)
	if err != nil {
		var nf *image.NotFoundError
		if errors.As(err, &nf) {
			return nil, nil // image.Open has already said what src is not
		}
		return nil, fmt.Errorf("reading attestations: %w", err)
	}
	defer bl.Close()
	if bl.Root == nil {
		return nil, nil
	}
	c := &collector{bl: bl, seen: map[v1.Hash]bool{}}
	if err := c.index(ctx, bl.Root, "the image index", 0); err != nil {
		return nil, err
	}
	return c.out, nil
}

type collector struct {
	bl        *image.Blobs
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

// fetch reads d within the budget, checked against its size and digest.
func (c *collector) fetch(ctx context.Context, d v1.Descriptor, isManifest bool) ([]byte, error) {
	b, err := c.bl.Read(ctx, d, isManifest, c.budget())
	c.read += int64(len(b))
	return b, err
}

// problem says why a blob was not read, in the words of a finding.
func problem(err error) string {
	var de *image.DigestError
	switch {
	case errors.Is(err, image.ErrTooLarge):
		return "is " + err.Error()
	case errors.Is(err, image.ErrMissing):
		return "is not in the image"
	case errors.As(err, &de):
		return "does not match its digest " + de.Want.String()
	}
	return err.Error()
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
