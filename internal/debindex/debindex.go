// Package debindex reads Debian repository package indexes (the Packages
// files of dists/<suite>/<component>/binary-<arch>/) and apt's source lists,
// and compares installed package versions with an index by dpkg's rules, so
// that golden check can tell an image whose packages have security updates.
package debindex

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"pault.ag/go/debian/version"
)

// Source is one repository apt reads: a URI, a suite and its components.
type Source struct {
	URI        string
	Suite      string
	Components []string
}

// Security reports whether the suite is a security-updates suite
// (bookworm-security, or the old "bookworm/updates").
func (s Source) Security() bool {
	return strings.HasSuffix(s.Suite, "-security") || strings.HasSuffix(s.Suite, "/updates")
}

// PackagesURLs are the gzipped Packages indexes of s for a Debian
// architecture.
func (s Source) PackagesURLs(arch string) []string {
	var out []string
	for _, c := range s.Components {
		out = append(out, strings.TrimSuffix(s.URI, "/")+"/dists/"+s.Suite+"/"+c+"/binary-"+arch+"/Packages.gz")
	}
	return out
}

// ParseSources reads an apt source list: the one-line format of
// sources.list ("deb [opts] URI suite comp...") or the deb822 format of
// *.sources files (Types, URIs, Suites, Components). Only binary ("deb")
// sources are returned.
func ParseSources(name string, data []byte) []Source {
	if strings.HasSuffix(name, ".sources") {
		return parseDeb822Sources(data)
	}
	var out []Source
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = strings.TrimSpace(l[:i])
		}
		f := strings.Fields(l)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") { // [arch=amd64 signed-by=...]
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			if len(f) > 0 {
				f = f[1:]
			}
		}
		if len(f) < 3 {
			continue
		}
		out = append(out, Source{URI: f[0], Suite: f[1], Components: f[2:]})
	}
	return out
}

func parseDeb822Sources(data []byte) []Source {
	var out []Source
	for _, stanza := range strings.Split(string(data), "\n\n") {
		h := fields(stanza)
		if !strings.Contains(" "+h["Types"]+" ", " deb ") || strings.EqualFold(h["Enabled"], "no") {
			continue
		}
		for _, uri := range strings.Fields(h["URIs"]) {
			for _, suite := range strings.Fields(h["Suites"]) {
				out = append(out, Source{URI: uri, Suite: suite, Components: strings.Fields(h["Components"])})
			}
		}
	}
	return out
}

// fields reads one deb822 stanza (continuation lines joined).
func fields(stanza string) map[string]string {
	h := map[string]string{}
	last := ""
	for _, l := range strings.Split(stanza, "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if last != "" {
				h[last] += " " + strings.TrimSpace(l)
			}
			continue
		}
		if k, v, ok := strings.Cut(l, ":"); ok {
			last = strings.TrimSpace(k)
			h[last] = strings.TrimSpace(v)
		}
	}
	return h
}

// Index maps a package name to the versions an index lists for it.
type Index map[string][]Entry

// Entry is one package stanza of an index.
type Entry struct {
	Version string
	Arch    string
}

// MaxIndex bounds an index as read (uncompressed): Debian's largest, main
// of a release, is about 50 MB; a security suite's is a few MB.
const MaxIndex = 256 << 20

// Parse reads a Packages file, plain or gzipped.
func Parse(data []byte) (Index, error) {
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(zr, MaxIndex+1))
		if err != nil {
			return nil, err
		}
		if len(b) > MaxIndex {
			return nil, fmt.Errorf("the index unpacks to more than %d bytes", MaxIndex)
		}
		data = b
	}
	idx := Index{}
	for _, stanza := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n") {
		h := fields(stanza)
		if h["Package"] == "" || h["Version"] == "" {
			continue
		}
		idx[h["Package"]] = append(idx[h["Package"]], Entry{Version: h["Version"], Arch: h["Architecture"]})
	}
	return idx, nil
}

// Fetch reads the index at url with client (nil: http.DefaultClient).
func Fetch(ctx context.Context, client *http.Client, url string) (Index, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxIndex+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if len(b) > MaxIndex {
		return nil, fmt.Errorf("GET %s: more than %d bytes", url, MaxIndex)
	}
	idx, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return idx, nil
}

// Installed is one installed package.
type Installed struct {
	Name, Version, Arch string
}

// Update is an installed package an index has a newer version of.
type Update struct {
	Package   string `json:"package"`
	Installed string `json:"installed"`
	Available string `json:"available"`
	Index     string `json:"index"`
}

// Newer returns, sorted by package, every installed package that idx
// (read from url) lists at a higher version for its architecture (or all).
func Newer(installed []Installed, idx Index, url string) ([]Update, error) {
	var out []Update
	var errs []error
	for _, p := range installed {
		have, err := version.Parse(p.Version)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: installed version %q: %w", p.Name, p.Version, err))
			continue
		}
		best := ""
		var bestV version.Version
		for _, e := range idx[p.Name] {
			if e.Arch != "" && e.Arch != "all" && p.Arch != "" && p.Arch != "all" && e.Arch != p.Arch {
				continue
			}
			v, err := version.Parse(e.Version)
			if err != nil {
				continue // one bad stanza does not hide the others
			}
			if version.Compare(v, have) > 0 && (best == "" || version.Compare(v, bestV) > 0) {
				best, bestV = e.Version, v
			}
		}
		if best != "" {
			out = append(out, Update{Package: p.Name, Installed: p.Version, Available: best, Index: url})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Package < out[j].Package })
	return out, errors.Join(errs...)
}

// Arch is the Debian architecture of an OCI platform's architecture.
func Arch(goarch, variant string) string {
	switch goarch {
	case "386":
		return "i386"
	case "arm":
		if variant == "v5" {
			return "armel"
		}
		return "armhf"
	case "ppc64le":
		return "ppc64el"
	}
	return goarch
}
