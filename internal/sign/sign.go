package sign

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/payload"
)

// Cosign's names for what a signature manifest holds.
const (
	// SimpleSigningMediaType is the media type of a payload layer.
	SimpleSigningMediaType types.MediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// SignatureAnnotation carries the base64 signature on a payload layer.
	SignatureAnnotation = "dev.cosignproject.cosign/signature"
	// SignatureTagSuffix ends the tag a digest's signatures live under.
	SignatureTagSuffix = ".sig"
)

// Resolver maps a reference as the user wrote it to the one to ask (a
// mirror, plain http for a loopback registry). nil: name.ParseReference.
type Resolver func(ref string) (name.Reference, error)

func (r Resolver) resolve(ref string) (name.Reference, error) {
	if r == nil {
		return name.ParseReference(ref)
	}
	return r(ref)
}

// SignatureTag is cosign's tag for the signatures of digest in repo:
// sha256-<hex>.sig.
func SignatureTag(repo name.Repository, digest v1.Hash) name.Tag {
	return repo.Tag(digest.Algorithm + "-" + digest.Hex + SignatureTagSuffix)
}

// Payload is the simple-signing payload slipway signs for an image: the
// repository as identity and the manifest (or index) digest.
func Payload(repo name.Repository, digest v1.Hash) ([]byte, error) {
	d := repo.Digest(digest.String())
	return json.Marshal(payload.Cosign{Image: d})
}

// Options are what Sign and Verify need besides the image.
type Options struct {
	Resolve Resolver
	// Remote options (auth, transport) for every registry call.
	Remote []remote.Option
}

func (o Options) remote(ctx context.Context) []remote.Option {
	return append([]remote.Option{remote.WithContext(ctx)}, o.Remote...)
}

// Sign signs image (a reference pinned by digest, as pushed) with signer
// and stores the signature under cosign's tag in the image's repository,
// keeping the signatures already there. Signing the same digest twice with
// the same key adds nothing (ECDSA signatures differ each time, so the one
// there is kept when it verifies with signer's key).
func Sign(ctx context.Context, image string, signer signature.SignerVerifier, o Options) error {
	ref, err := o.Resolve.resolve(image)
	if err != nil {
		return fmt.Errorf("signing %s: %w", image, err)
	}
	dref, ok := ref.(name.Digest)
	if !ok {
		return fmt.Errorf("signing %s: not pinned by digest", image)
	}
	h, err := v1.NewHash(dref.DigestStr())
	if err != nil {
		return fmt.Errorf("signing %s: %w", image, err)
	}
	// The identity is the repository as the user names it, not a mirror's.
	orig, err := name.ParseReference(image)
	if err != nil {
		return fmt.Errorf("signing %s: %w", image, err)
	}
	body, err := Payload(orig.Context(), h)
	if err != nil {
		return err
	}
	sig, err := signer.SignMessage(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("signing %s: %w", image, err)
	}
	b64 := base64.StdEncoding.EncodeToString(sig)

	tag := SignatureTag(dref.Context(), h)
	base, err := existing(ctx, tag, o)
	if err != nil {
		return fmt.Errorf("signing %s: %w", image, err)
	}
	if base == nil {
		base = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	} else if dup, err := holds(base, body, signer); err != nil {
		return fmt.Errorf("signing %s: reading %s: %w", image, tag, err)
	} else if dup {
		return nil
	}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:       static.NewLayer(body, SimpleSigningMediaType),
		Annotations: map[string]string{SignatureAnnotation: b64},
	})
	if err != nil {
		return fmt.Errorf("signing %s: %w", image, err)
	}
	if err := remote.Write(tag, img, o.remote(ctx)...); err != nil {
		return fmt.Errorf("signing %s: pushing %s: %w", image, tag.String(), err)
	}
	return nil
}

// existing reads the signature manifest at tag; nil when there is none.
func existing(ctx context.Context, tag name.Tag, o Options) (v1.Image, error) {
	img, err := remote.Image(tag, o.remote(ctx)...)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	for _, l := range m.Layers {
		if l.MediaType != SimpleSigningMediaType {
			return nil, fmt.Errorf("%s holds a %s layer: not a cosign signature manifest", tag, l.MediaType)
		}
	}
	return img, nil
}

func holds(img v1.Image, body []byte, v signature.Verifier) (bool, error) {
	m, err := img.Manifest()
	if err != nil {
		return false, err
	}
	want := sha256Hash(body)
	for _, l := range m.Layers {
		if l.Digest != want {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(l.Annotations[SignatureAnnotation])
		if err != nil {
			continue
		}
		if v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(body)) == nil {
			return true, nil
		}
	}
	return false, nil
}

func isNotFound(err error) bool {
	var te *transport.Error
	if errors.As(err, &te) {
		if te.StatusCode == http.StatusNotFound {
			return true
		}
		for _, d := range te.Errors {
			if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
				return true
			}
		}
	}
	return err != nil && strings.Contains(err.Error(), "MANIFEST_UNKNOWN")
}
