package golden

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/slipway/slipway/internal/build"
)

// cacheRecorder records the cache options of each golden build.
type cacheRecorder struct {
	*fakeBuilder
	mu   sync.Mutex
	from map[string][]string
	to   map[string][]string
}

func (c *cacheRecorder) Build(ctx context.Context, o build.Options) (*build.Result, error) {
	c.mu.Lock()
	c.from[o.Tags[0]], c.to[o.Tags[0]] = o.CacheFrom, o.CacheTo
	c.mu.Unlock()
	return c.fakeBuilder.Build(ctx, o)
}

// With the team's cache_registry, each golden image exports its registry
// cache and imports its own and its golden parent's; without, none.
func TestGoldenRegistryCache(t *testing.T) {
	for _, reg := range []string{"registry.test/cache", ""} {
		dir := writeSpecs(t, graphSpecs())
		fr := newFakeRegistry()
		rec := &cacheRecorder{fakeBuilder: &fakeBuilder{t: t, reg: fr}, from: map[string][]string{}, to: map[string][]string{}}
		if sum, err := fakeBuild(t, dir, rec.fakeBuilder, fr, func(o *BuildOptions) { o.Builder = rec; o.CacheRegistry = reg }); err != nil {
			t.Fatalf("%v\n%s", err, sum)
		}
		py := "registry.test/platform/golden/python:latest"
		base := "registry.test/platform/golden/base:latest"
		if reg == "" {
			if len(rec.from[py]) != 0 || len(rec.to[py]) != 0 {
				t.Fatalf("no cache_registry, yet cache %v %v", rec.from[py], rec.to[py])
			}
			continue
		}
		want := []string{"type=registry,ref=registry.test/cache/golden/python:buildcache", "type=registry,ref=registry.test/cache/golden/base:buildcache"}
		if strings.Join(rec.from[py], " ") != strings.Join(want, " ") {
			t.Errorf("python imports %v, want %v", rec.from[py], want)
		}
		if len(rec.to[py]) != 1 || !strings.Contains(rec.to[py][0], "ref=registry.test/cache/golden/python:buildcache,mode=max,oci-mediatypes=true,ignore-error=true") {
			t.Errorf("python exports %v", rec.to[py])
		}
		if len(rec.from[base]) != 1 {
			t.Errorf("base (FROM an external image) imports %v, want only its own", rec.from[base])
		}
	}
}
