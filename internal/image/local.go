package image

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// OpenLocal reads the image at p: an OCI layout directory, an OCI layout
// tarball or a `docker save` tarball, with the default limits. A gzipped
// tarball's blobs are written under tmp. When the layout holds several
// images, the one for linux and this machine's architecture is picked;
// attestation manifests are ignored.
func OpenLocal(p, tmp string) (v1.Image, error) {
	return OpenLocalContext(context.Background(), p, tmp)
}

// OpenLocalContext is OpenLocal with the limits and warning writer of
// ctx (WithSettings), stopping when ctx is done.
func OpenLocalContext(ctx context.Context, p, tmp string) (v1.Image, error) {
	img, _, err := openLocal(ctx, p, tmp, settingsFrom(ctx, Options{}), nil)
	return img, err
}

func defaultPlatform(p *v1.Platform) v1.Platform {
	if p == nil {
		return v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	}
	return *p
}

func openLocal(ctx context.Context, p, tmp string, s Settings, platform *v1.Platform) (v1.Image, Kind, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, "", fmt.Errorf("reading image: %w", err)
	}
	if fi.IsDir() {
		img, err := fromLayout(ctx, p, s, platform)
		return img, KindLayout, err
	}
	st, err := listTar(ctx, p, s.Limits)
	if err != nil {
		return nil, "", err
	}
	st.tmp = tmp
	if _, ok := st.top["manifest.json"]; ok {
		img, err := openDocker(ctx, st, s)
		if err != nil {
			return nil, "", err
		}
		return img, KindDockerArchive, nil
	}
	if b, ok := st.top["index.json"]; ok {
		img, err := fromIndex(ctx, st, b, p+": index.json", s, platform)
		if err != nil {
			return nil, "", err
		}
		return img, KindOCIArchive, nil
	}
	return nil, "", invalid(p, "neither an OCI layout (index.json) nor a docker save tarball (manifest.json)")
}

func fromLayout(ctx context.Context, dir string, s Settings, platform *v1.Platform) (v1.Image, error) {
	file := filepath.Join(dir, "index.json")
	f, err := os.Open(file)
	if err != nil {
		return nil, invalid(dir, "not an OCI layout: %v", err)
	}
	b, err := readBounded(f, s.Limits.MaxManifestSize, "index.json", file, "--max-manifest-size")
	f.Close()
	if err != nil {
		return nil, err
	}
	return fromIndex(ctx, dirStore{dir}, b, file, s, platform)
}

// fromIndex picks the image for the platform out of the top index b
// (index.json, or a registry's index), read from file.
func fromIndex(ctx context.Context, st store, b []byte, file string, s Settings, platform *v1.Platform) (v1.Image, error) {
	im, err := parseIndex(b, file)
	if err != nil {
		return nil, err
	}
	w := &walker{ctx: ctx, st: st, lim: s.Limits, platform: defaultPlatform(platform)}
	if err := w.walk(im, file, 0, nil); err != nil {
		return nil, err
	}
	d, err := w.pick(s.Warn, file)
	if err != nil {
		return nil, err
	}
	return loadImage(ctx, st, d, nil, s.Limits, file)
}
