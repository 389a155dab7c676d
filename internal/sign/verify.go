package sign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/payload"
	"github.com/slipway/slipway/internal/image"
)

// Limits on what a signature manifest may make slipway read: a registry
// (or whoever pushed to it) is not trusted until a signature verifies.
const (
	maxSignatures  = 64
	maxPayloadSize = 64 << 10
)

// Reason says why an image's signature did not verify.
type Reason string

// Reasons.
const (
	// Verified: a trusted key signed this very digest.
	Verified Reason = "verified"
	// Unsigned: there is no signature for the digest.
	Unsigned Reason = "unsigned"
	// WrongKey: signatures exist, but none verifies with a trusted key.
	WrongKey Reason = "wrong key"
	// DigestMoved: a trusted key's signature is there, but over another
	// digest (or another repository) than the one asked for: the image
	// under the name is not the one that was signed.
	DigestMoved Reason = "digest moved"
)

// Key is a trusted public key and where it came from.
type Key struct {
	// Name is shown in reports (the .pub file's path).
	Name     string
	Verifier signature.Verifier
}

// Status is the signature status of one image digest.
type Status struct {
	// Image is the reference as the user wrote it; Digest what it names.
	Image  string `json:"image"`
	Digest string `json:"digest"`
	Reason Reason `json:"status"`
	// Key is the trusted key that verified (Reason Verified).
	Key string `json:"key,omitempty"`
	// Signatures is how many signatures the manifest holds.
	Signatures int `json:"signatures"`
	// Detail says more (the digest a signature names, for DigestMoved).
	Detail string `json:"detail,omitempty"`
}

// OK reports whether a trusted key signed the digest.
func (s *Status) OK() bool { return s != nil && s.Reason == Verified }

func (s *Status) String() string {
	ref := s.Image + "@" + s.Digest
	if strings.HasSuffix(s.Image, "@"+s.Digest) {
		ref = s.Image
	}
	switch s.Reason {
	case Verified:
		return fmt.Sprintf("%s: signed by %s", ref, s.Key)
	case Unsigned:
		return fmt.Sprintf("%s: unsigned (no signature for this digest)", ref)
	default:
		msg := fmt.Sprintf("%s: %s", ref, s.Reason)
		if s.Detail != "" {
			msg += " (" + s.Detail + ")"
		}
		return msg
	}
}

// Verify checks the signatures of image at digest (image may name a tag
// or nothing; digest is what is checked) against keys: it reads cosign's
// signature tag for the digest, checks each signature with each key over
// its payload, and then that the payload is a cosign simple-signing
// payload naming this digest and this repository. A registry error is an
// error; every outcome about signatures is in the Status.
func Verify(ctx context.Context, image string, digest string, keys []Key, o Options) (*Status, error) {
	st := &Status{Image: image, Digest: digest}
	h, err := v1.NewHash(digest)
	if err != nil {
		return nil, fmt.Errorf("verifying %s: digest %q: %w", image, digest, err)
	}
	ref, err := o.Resolve.resolve(image)
	if err != nil {
		return nil, fmt.Errorf("verifying %s: %w", image, err)
	}
	orig, err := name.ParseReference(image)
	if err != nil {
		return nil, fmt.Errorf("verifying %s: %w", image, err)
	}
	tag := SignatureTag(ref.Context(), h)
	img, err := remote.Image(tag, o.remote(ctx)...)
	if isNotFound(err) {
		st.Reason = Unsigned
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verifying %s: reading %s: %w", image, tag, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("verifying %s: reading %s: %w", image, tag, err)
	}
	st.Reason = WrongKey
	for i, l := range m.Layers {
		if i >= maxSignatures {
			break
		}
		if l.MediaType != SimpleSigningMediaType {
			continue
		}
		st.Signatures++
		if l.Size <= 0 || l.Size > maxPayloadSize {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(l.Annotations[SignatureAnnotation])
		if err != nil || len(sig) == 0 {
			continue
		}
		body, err := readLayer(img, l)
		if err != nil {
			return nil, fmt.Errorf("verifying %s: reading a signature payload of %s: %w", image, tag, err)
		}
		for _, k := range keys {
			if k.Verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(body)) != nil {
				continue
			}
			// A trusted key signed this payload: does it name this image?
			var p payload.SimpleContainerImage
			if err := json.Unmarshal(body, &p); err != nil || p.Critical.Type != payload.CosignSignatureType {
				st.Reason, st.Detail = DigestMoved, "a signature by "+k.Name+" whose payload is not a cosign image signature"
				continue
			}
			if p.Critical.Image.DockerManifestDigest != digest {
				st.Reason, st.Detail = DigestMoved, fmt.Sprintf("%s signed %s, not this digest", k.Name, p.Critical.Image.DockerManifestDigest)
				continue
			}
			if !sameRepo(p.Critical.Identity.DockerReference, orig.Context(), ref.Context()) {
				st.Reason, st.Detail = DigestMoved, fmt.Sprintf("%s signed this digest as %q, not as %s", k.Name, p.Critical.Identity.DockerReference, orig.Context().Name())
				continue
			}
			st.Reason, st.Key, st.Detail = Verified, k.Name, ""
			return st, nil
		}
	}
	if st.Signatures == 0 {
		st.Reason = Unsigned
	}
	return st, nil
}

// sameRepo says the payload's identity names one of the repositories (the
// one the user wrote, or the one asked for it); a tag or digest on the
// identity is ignored.
func sameRepo(identity string, repos ...name.Repository) bool {
	r, err := name.ParseReference(identity, name.WeakValidation)
	var id string
	if err == nil {
		id = r.Context().Name()
	} else if rr, err := name.NewRepository(identity, name.WeakValidation); err == nil {
		id = rr.Name()
	} else {
		return false
	}
	for _, repo := range repos {
		if repo.Name() == id {
			return true
		}
	}
	return false
}

// readLayer reads one payload (bounded) and checks it against its digest.
func readLayer(img v1.Image, d v1.Descriptor) ([]byte, error) {
	l, err := img.LayerByDigest(d.Digest)
	if err != nil {
		return nil, err
	}
	return image.ReadCompressed(l, d, maxPayloadSize)
}

func sha256Hash(b []byte) v1.Hash {
	s := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}
}
