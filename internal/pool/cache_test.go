package pool

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
)

func TestServiceCache(t *testing.T) {
	k := Key{Repo: "github.com/Acme/Shop", Path: "services/Billing API", Target: "run", Platform: "linux/arm64,linux/amd64"}
	c := ServiceCache("registry.example.com:5000/cache", k, "python")
	wantOwn := "registry.example.com:5000/cache/shop/services/billing-api:buildcache-run-linux-arm64-linux-amd64"
	if len(c.To) != 1 || c.To[0] != "type=registry,ref="+wantOwn+",mode=max,oci-mediatypes=true,ignore-error=true" {
		t.Fatalf("cache_to %q", c.To)
	}
	if len(c.From) != 2 || c.From[0] != "type=registry,ref="+wantOwn || c.From[1] != "type=registry,ref=registry.example.com:5000/cache/golden/python:buildcache" {
		t.Fatalf("cache_from %q", c.From)
	}
	for _, k := range []Key{k, {Repo: "commit:0123456789abcdef0123", Path: "."}, {Repo: "dir:..weird NAME", Path: "a/../b"}} {
		ref := ServiceCacheRef("127.0.0.1:5000/cache", k)
		if _, err := name.ParseReference(ref, name.StrictValidation); err != nil {
			t.Errorf("%+v gives %q: %v", k, ref, err)
		}
	}
	if g := GoldenCache("r.example/c", "base", ""); len(g.From) != 1 || !strings.Contains(g.To[0], "r.example/c/golden/base:buildcache,mode=max") {
		t.Fatalf("golden cache %+v", g)
	}
}

func TestForPlatform(t *testing.T) {
	got := ForPlatform("type=registry,ref=r.example/c/shop/api:buildcache,mode=max", "linux/arm64")
	if got != "type=registry,ref=r.example/c/shop/api:buildcache-linux-arm64,mode=max" {
		t.Fatal(got)
	}
	if s := "type=local,dest=/tmp/c"; ForPlatform(s, "linux/arm64") != s {
		t.Fatal("a local cache was changed")
	}
}
