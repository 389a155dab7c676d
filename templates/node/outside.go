package node

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

var (
	// path.join(__dirname, '..', '..', 'pb', 'demo.proto'), path.resolve(...).
	reDirJoin = regexp.MustCompile(`path\.(?:join|resolve)\(\s*__dirname((?:\s*,\s*["'][^"'\n]*["'])+)\s*\)`)
	reLit     = regexp.MustCompile(`["']([^"'\n]*)["']`)
	// A relative path literal that leaves the folder: require('../../shared/x').
	reUpLit = regexp.MustCompile(`["'](\.\./[A-Za-z0-9._/@+-]*)["']`)
)

// detectOutside finds files the entry sources read from above the service
// folder (a monorepo's shared pb/ folder, loaded with
// path.join(__dirname, '..', '..', 'pb', ...)): the build context becomes
// the folder they share (service_dir is this folder's path in it) and
// shared_paths the top folders read there, each with evidence.
func detectOutside(d *provider.Detector) error {
	type hit struct{ rel, where string }
	var hits []hit
	for _, src := range d.Sources {
		b, err := d.Read(src)
		if err != nil {
			return err
		}
		for i, l := range strings.Split(string(b), "\n") {
			where := fmt.Sprintf("%s:%d", src, i+1)
			for _, m := range reDirJoin.FindAllStringSubmatch(l, -1) {
				parts := []string{path.Dir(src)}
				for _, a := range reLit.FindAllStringSubmatch(m[1], -1) {
					parts = append(parts, a[1])
				}
				hits = append(hits, hit{path.Join(parts...), where})
			}
			for _, m := range reUpLit.FindAllStringSubmatch(l, -1) {
				hits = append(hits, hit{path.Join(path.Dir(src), m[1]), where})
			}
		}
	}
	up := 0
	var outside []hit
	for _, h := range hits {
		n := 0
		for rest := h.rel; rest == ".." || strings.HasPrefix(rest, "../"); rest = strings.TrimPrefix(strings.TrimPrefix(rest, ".."), "/") {
			n++
		}
		if n > 0 && h.rel != strings.Repeat("../", n-1)+".." {
			outside = append(outside, h)
			up = max(up, n)
		}
	}
	if up == 0 {
		return nil
	}
	abs, err := filepath.Abs(d.Dir)
	if err != nil {
		return err
	}
	comps := strings.Split(filepath.ToSlash(abs), "/")
	if up >= len(comps)-1 {
		return nil
	}
	serviceDir := strings.Join(comps[len(comps)-up:], "/")
	root := filepath.Join(abs, strings.Repeat("../", up))
	shared := map[string]string{}
	for _, h := range outside {
		target := path.Clean(serviceDir + "/" + h.rel)
		if strings.HasPrefix(target, "../") {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(target))); err != nil {
			d.R.Note(fmt.Sprintf("%s reads %s above the service folder, which does not exist; ignored", h.where, target))
			continue
		}
		tc := strings.Split(target, "/")
		for i := 1; i <= len(tc); i++ {
			p := strings.Join(tc[:i], "/")
			if !strings.HasPrefix(serviceDir+"/", p+"/") {
				if _, ok := shared[p]; !ok {
					shared[p] = h.where + " (" + target + ")"
				}
				break
			}
		}
	}
	if len(shared) == 0 {
		return nil
	}
	d.R.ServiceDir = serviceDir
	d.R.Found("service_dir", serviceDir, "the sources read files %d folder(s) above the service (the build context is %s)", up, strings.Repeat("../", up-1)+"..")
	keys := slices.Sorted(maps.Keys(shared))
	for _, k := range keys {
		d.R.SharedPaths = append(d.R.SharedPaths, k)
		d.R.Note(fmt.Sprintf("shared_paths += %s  from %s", k, shared[k]))
	}
	return nil
}
