package scan

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/goldenlock"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/testkit"
)

func TestGolden(t *testing.T) {
	host := testkit.Registry(t)

	base := build(t, goodConfig(), nil, layer(t, baseEntries()...))
	repo := host + "/platform/base"
	ref, _ := name.ParseReference(repo+":1", name.Insecure)
	if err := remote.Write(ref, base); err != nil {
		t.Fatal(err)
	}
	bd, _ := base.Digest()
	lock := &goldenlock.Lock{Version: goldenlock.LockVersion, Images: map[string]*goldenlock.LockEntry{
		"base": {Image: repo, Digest: "sha256:" + strings.Repeat("1", 64), Platforms: map[string]string{"linux/amd64": bd.String()}},
	}}
	service := func(labels map[string]string, on v1.Image) v1.Image {
		img, err := mutate.AppendLayers(on, layer(t, file("app/extra", "x")))
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		cf = cf.DeepCopy()
		cf.Config.Labels = labels
		img, err = mutate.ConfigFile(img, cf)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	other := build(t, goodConfig(), nil, layer(t, append(baseEntries(), file("etc/os-release", "ID=other\n"))...))
	old := "sha256:" + strings.Repeat("0", 64)
	ro := image.Options{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}
	for _, c := range []struct {
		name string
		img  v1.Image
		want []string
		has  string
	}{
		{"layers of the locked image", service(nil, base), nil, ""},
		{"labels name the locked platform digest", service(map[string]string{labelBaseName: repo + ":1", labelBaseDigest: bd.String()}, other), nil, ""},
		{"labels name the locked index digest", service(map[string]string{labelBaseName: repo + ":1", labelBaseDigest: lock.Images["base"].Digest}, other), nil, ""},
		{"labels name an older build", service(map[string]string{labelBaseName: repo + ":1", labelBaseDigest: old}, base), []string{"SW251"}, `golden image "base" at sha256:000000000000, but golden.lock pins sha256:111111111111`},
		{"labels name another base", service(map[string]string{labelBaseName: "docker.io/library/debian:bookworm-slim", labelBaseDigest: old}, base), []string{"SW250"}, "debian:bookworm-slim"},
		{"another base's layers", service(nil, other), []string{"SW250"}, "lowest layers match none"},
		{"golden by name, other layers", service(map[string]string{labelBaseName: repo + ":1"}, other), []string{"SW251"}, "lowest layers are not those of"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Image(context.Background(), c.img, Options{Golden: lock, Remote: ro})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(res.Findings); !slices.Equal(got, c.want) {
				t.Fatalf("rules %v, want %v: %+v", got, c.want, res.Findings)
			}
			if c.has != "" && !strings.Contains(res.Findings[0].Message, c.has) {
				t.Errorf("message %q lacks %q", res.Findings[0].Message, c.has)
			}
		})
	}

	// A locked image the registry does not have: the check cannot be done.
	missing := &goldenlock.Lock{Version: goldenlock.LockVersion, Images: map[string]*goldenlock.LockEntry{
		"gone": {Image: host + "/platform/gone", Digest: old},
	}}
	if _, err := Image(context.Background(), service(nil, base), Options{Golden: missing, Remote: ro}); err == nil || !strings.Contains(err.Error(), `golden image "gone"`) {
		t.Errorf("missing golden image: err = %v", err)
	}
}
