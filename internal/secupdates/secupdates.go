// Package secupdates tells whether a built image's Debian packages have
// newer versions in its distribution's security updates: it reads the
// packages and apt sources of the image (internal/sbom's walk), fetches the
// Packages index of each security suite the image was built against (or
// the indexes a user names), and compares versions by dpkg's rules.
package secupdates

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/slipway/slipway/internal/debindex"
	"github.com/slipway/slipway/internal/goldenlock"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/sbom"
)

// Checker compares images with package indexes; indexes are fetched once.
type Checker struct {
	// Indexes, when set, are the Packages URLs to compare with instead of
	// the security suites of the image's own apt sources.
	Indexes []string
	Client  *http.Client
	Image   image.Options

	mu    sync.Mutex
	cache map[string]fetched
}

type fetched struct {
	idx debindex.Index
	err error
}

// maxListed is how many updates one reason names.
const maxListed = 5

// Updates returns the security updates of the image ref.
func (c *Checker) Updates(ctx context.Context, ref string) ([]debindex.Update, []string, error) {
	src, err := image.Open(ctx, ref, c.Image)
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	inv, err := sbom.Collect(ctx, src, sbom.Options{})
	if err != nil {
		return nil, nil, err
	}
	var installed []debindex.Installed
	for _, p := range inv.Packages {
		if p.Type == sbom.Deb {
			installed = append(installed, debindex.Installed{Name: p.Name, Version: p.Version, Arch: p.Arch})
		}
	}
	if len(installed) == 0 {
		return nil, nil, nil
	}
	urls := c.Indexes
	if len(urls) == 0 {
		cfg, err := src.ConfigFile()
		if err != nil {
			return nil, nil, err
		}
		urls = IndexURLs(inv.AptSources, debindex.Arch(cfg.Architecture, cfg.Variant))
	}
	var all []debindex.Update
	var problems []string
	for _, u := range urls {
		idx, err := c.fetch(ctx, u)
		if err != nil {
			problems = append(problems, fmt.Sprintf("package index %s cannot be read: %v", u, err))
			continue
		}
		ups, err := debindex.Newer(installed, idx, u)
		if err != nil {
			problems = append(problems, err.Error())
		}
		all = append(all, ups...)
	}
	return all, problems, nil
}

func (c *Checker) fetch(ctx context.Context, u string) (debindex.Index, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.cache[u]; ok {
		return f.idx, f.err
	}
	idx, err := debindex.Fetch(ctx, c.Client, u)
	if c.cache == nil {
		c.cache = map[string]fetched{}
	}
	c.cache[u] = fetched{idx, err}
	return idx, err
}

// Golden is a golden.ContentCheck: the reasons a locked golden image is
// stale by its packages.
func (c *Checker) Golden(ctx context.Context, name string, e *goldenlock.LockEntry) ([]string, error) {
	ups, problems, err := c.Updates(ctx, e.Ref())
	if err != nil {
		return []string{fmt.Sprintf("its packages cannot be checked: %v", err)}, nil
	}
	reasons := problems
	if len(ups) > 0 {
		var parts []string
		for i, u := range ups {
			if i == maxListed {
				parts = append(parts, fmt.Sprintf("and %d more", len(ups)-maxListed))
				break
			}
			parts = append(parts, fmt.Sprintf("%s %s -> %s", u.Package, u.Installed, u.Available))
		}
		reasons = append(reasons, fmt.Sprintf("%d packages have security updates (%s): %s", len(ups), ups[0].Index, strings.Join(parts, ", ")))
		if len(ups) == 1 {
			reasons[len(reasons)-1] = strings.Replace(reasons[len(reasons)-1], "1 packages have", "1 package has", 1)
		}
	}
	return reasons, nil
}

// IndexURLs are the Packages indexes to compare an image with: those of
// the security suites its apt sources name, or, when they name none (a
// debootstrap minbase lists only its release), those of every suite they
// name: the index it was built against.
func IndexURLs(sources []debindex.Source, arch string) []string {
	var sec, all []string
	for _, s := range sources {
		all = append(all, s.PackagesURLs(arch)...)
		if s.Security() {
			sec = append(sec, s.PackagesURLs(arch)...)
		}
	}
	if len(sec) > 0 {
		return sec
	}
	return all
}
