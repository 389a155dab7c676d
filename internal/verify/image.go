package verify

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/image"
)

// OpenImage reads the image at p: an OCI layout directory, an OCI layout
// tarball (BuildKit's type=oci export, plain or gzipped) or a `docker save`
// tarball (BuildKit's type=docker). An OCI tarball is unpacked under tmp.
// When the layout holds several images, the one for linux and this machine's
// architecture is picked; attestation manifests are ignored. The loading
// itself is internal/image's, shared with `slipway scan`.
func OpenImage(p, tmp string) (v1.Image, error) {
	return image.OpenLocal(p, tmp)
}
