// Package image opens a container image wherever it is: in a registry (by
// reference), in an OCI layout directory, in an OCI layout tarball
// (BuildKit's type=oci export, plain or gzipped) or in a `docker save`
// tarball (BuildKit's type=docker, plain or gzipped as `docker load`
// takes it). `slipway verify` and `slipway scan` read images through it,
// and Blobs reads what sits beside an image in the same source (the
// attestation manifests and statements scan and sbom read).
// It is slipway's one home of registry and image access: Remote (the
// Registry that golden, pin and init ask) resolves references to digests,
// through a mirror when one is set ($SLIPWAY_REGISTRY_MIRROR), and reads a
// pushed image's Facts for golden's audit.
//
// Nothing an image file says is trusted but its digests: every index and
// manifest is checked against the descriptor that names it, the config
// against the manifest, and every layer, as it is read, against the
// manifest's digest and size (compressed) and the config's diff ID
// (uncompressed). A mismatch is a DigestError, reported by the Read that
// reaches the end of the blob. Structure is bounded (Limits): manifest and
// config sizes, index depth and entries, tar entries; a tarball naming a
// file twice is refused. Layers stay where they are and are read lazily;
// only a gzipped tarball's referenced blobs are written to a temporary
// folder, which Close removes.
package image
