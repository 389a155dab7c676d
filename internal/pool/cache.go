package pool

import (
	"regexp"
	"slices"
	"strings"
)

// CacheTag is the tag every registry cache ref carries.
const CacheTag = "buildcache"

// Cache is a build's registry cache: where it exports (mode=max, so every
// stage's layers are kept, in OCI media types, with ignore-error so a cache
// registry outage never fails a build) and what it imports (its own ref,
// then its golden base's), in buildx's --cache-to / --cache-from syntax.
type Cache struct {
	From, To []string
}

// ServiceCache is the cache of the service that key names, under the team
// file's cache_registry (host[:port]/path). goldenBase, when the service is
// built FROM golden:<name>, adds that image's cache to what it imports, so
// that a daemon that never built the service starts from its base's layers.
func ServiceCache(registry string, key Key, goldenBase string) Cache {
	own := ServiceCacheRef(registry, key)
	c := Cache{To: []string{exportSpec(own)}, From: []string{importSpec(own)}}
	if goldenBase != "" {
		c.From = append(c.From, importSpec(GoldenCacheRef(registry, goldenBase)))
	}
	return c
}

// GoldenCache is the cache of the golden image name; parent, when it is
// built FROM golden:<parent>, adds that image's cache to what it imports.
func GoldenCache(registry, name, parent string) Cache {
	own := GoldenCacheRef(registry, name)
	c := Cache{To: []string{exportSpec(own)}, From: []string{importSpec(own)}}
	if parent != "" {
		c.From = append(c.From, importSpec(GoldenCacheRef(registry, parent)))
	}
	return c
}

// ServiceCacheRef is REGISTRY/<repo>/<path>:buildcache[-<target>][-<platform>]:
// the repository's last name and the service's path in it, lowercased, and
// every other character a reference cannot hold made '-'.
func ServiceCacheRef(registry string, key Key) string {
	repo := key.Repo
	switch {
	case strings.HasPrefix(repo, "commit:"):
		repo = "commit-" + firstN(strings.TrimPrefix(repo, "commit:"), 12)
	case strings.HasPrefix(repo, "dir:"):
		repo = strings.TrimPrefix(repo, "dir:")
	default:
		repo = repo[strings.LastIndexByte(repo, '/')+1:]
	}
	parts := []string{component(repo)}
	if key.Path != "." && key.Path != "" {
		for _, s := range strings.Split(key.Path, "/") {
			parts = append(parts, component(s))
		}
	}
	tag := CacheTag
	if key.Target != "" {
		tag += "-" + component(key.Target)
	}
	if key.Platform != "" {
		tag += "-" + component(key.Platform)
	}
	return registry + "/" + strings.Join(parts, "/") + ":" + firstN(tag, 128)
}

// GoldenCacheRef is REGISTRY/golden/<name>:buildcache.
func GoldenCacheRef(registry, name string) string {
	return registry + "/golden/" + component(name) + ":" + CacheTag
}

var reNotRef = regexp.MustCompile(`[^a-z0-9._-]+`)

// component makes s a valid reference path component: lowercase, runs of
// other characters '-', no separator at either end.
func component(s string) string {
	s = reNotRef.ReplaceAllString(strings.ToLower(s), "-")
	s = strings.Trim(s, "._-")
	if s == "" {
		return "x"
	}
	return s
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func exportSpec(ref string) string {
	return "type=registry,ref=" + ref + ",mode=max,oci-mediatypes=true,ignore-error=true"
}

func importSpec(ref string) string { return "type=registry,ref=" + ref }

// ForPlatform is a --cache-to spec of a build narrowed to one platform:
// a registry ref gets the platform in its tag, so that the parts of a
// build split over native daemons do not overwrite one cache ref. Other
// specs are returned as they are.
func ForPlatform(spec, platform string) string {
	fields := strings.Split(spec, ",")
	if !slices.Contains(fields, "type=registry") {
		return spec
	}
	for i, f := range fields {
		if ref, ok := strings.CutPrefix(f, "ref="); ok {
			fields[i] = "ref=" + ref + "-" + component(platform)
		}
	}
	return strings.Join(fields, ",")
}
