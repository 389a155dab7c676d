package sbom

import (
	"archive/zip"
	"bufio"
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/slipway/slipway/internal/debindex"
)

// parseMetadata reads one metadata file of a kind classify named.
func parseMetadata(p, kind string, data []byte) *found {
	switch kind {
	case "dpkg":
		return dpkgStatus(p, data)
	case "apt":
		if src := debindex.ParseSources(p, data); len(src) > 0 {
			return &found{apt: src}
		}
		return nil
	case "os-release":
		f := &found{}
		for _, l := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
			if !ok {
				continue
			}
			v = strings.Trim(v, `"'`)
			switch k {
			case "ID":
				f.osID = v
			case "VERSION_ID":
				f.osVer = v
			}
		}
		if f.osID == "" {
			return nil
		}
		return f
	case "npm":
		var pj struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		}
		if err := json.Unmarshal(data, &pj); err != nil || pj.Name == "" || pj.Version == "" {
			return nil // a package.json that names no package (a fixture, a workspace root)
		}
		pk := Package{Type: Npm, Name: pj.Name, Version: pj.Version, Path: p}
		if scope, name, ok := strings.Cut(pj.Name, "/"); ok && strings.HasPrefix(scope, "@") {
			pk.Namespace, pk.Name = scope, name // the purl namespace keeps the @
		}
		return &found{pkgs: []Package{pk}}
	case "dist-info":
		h := headers(data)
		if h["Name"] == "" || h["Version"] == "" {
			return &found{notes: []string{fmt.Sprintf("%s: no Name or Version header", p)}}
		}
		return &found{pkgs: []Package{{Type: PyPI, Name: h["Name"], Version: h["Version"], Path: p}}}
	}
	return nil
}

// headers reads RFC 822 style "Key: value" lines up to the first blank
// line (a METADATA file's body is the description).
func headers(data []byte) map[string]string {
	h := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	last := "" // the key a continuation line (leading space) extends
	for sc.Scan() {
		l := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" {
			break
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if last != "" {
				h[last] += l[1:] // a jar manifest wraps values at 72 bytes
			}
			continue
		}
		last = ""
		if k, v, ok := strings.Cut(l, ":"); ok {
			if _, seen := h[k]; !seen {
				h[k], last = strings.TrimSpace(v), k
			}
		}
	}
	return h
}

// dpkgStatus reads the stanzas of a dpkg status file (or a status.d
// file): every package whose Status says it is installed.
func dpkgStatus(p string, data []byte) *found {
	f := &found{}
	for _, stanza := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n") {
		h := headers([]byte(stanza))
		if h["Package"] == "" || h["Version"] == "" {
			continue
		}
		// status.d files carry no Status line: they list installed
		// packages only.
		if st, ok := h["Status"]; ok && !strings.HasSuffix(st, " installed") {
			continue
		}
		pk := Package{Type: Deb, Namespace: "debian", Name: h["Package"], Version: h["Version"], Arch: h["Architecture"], Path: p}
		if src := h["Source"]; src != "" {
			// "Source: glibc (2.36-9)" names the source and its version.
			pk.Source = strings.TrimSpace(strings.SplitN(src, " ", 2)[0])
		}
		f.pkgs = append(f.pkgs, pk)
	}
	if len(f.pkgs) == 0 {
		return nil
	}
	return f
}

// goBinary reads the build info Go writes into a binary: the main module
// (an application) and every module it was built with, and the Go
// version (as the stdlib module, the way vulnerability databases name it).
func goBinary(p string, f *os.File) *found {
	bi, err := buildinfo.Read(f)
	if err != nil {
		return nil // not a Go binary
	}
	out := &found{}
	if v := bi.GoVersion; v != "" {
		out.pkgs = append(out.pkgs, Package{Type: Golang, Name: "stdlib", Version: v, Path: p})
	}
	if m := bi.Main; m.Path != "" {
		out.pkgs = append(out.pkgs, Package{Type: Golang, Name: m.Path, Version: goVersion(m.Version), Path: p, Main: true})
	}
	for _, d := range bi.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		out.pkgs = append(out.pkgs, Package{Type: Golang, Name: m.Path, Version: goVersion(m.Version), Path: p})
	}
	return out
}

// goVersion drops the "(devel)" of a main module built from a checkout.
func goVersion(v string) string {
	if v == "(devel)" {
		return ""
	}
	return v
}

// jarFile reads a jar's META-INF/maven/*/*/pom.properties (one per
// artifact the jar carries, shaded ones included) and, when it has none,
// its MANIFEST.MF.
func jarFile(p string, f *os.File, size int64) *found {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return &found{notes: []string{fmt.Sprintf("%s: not a readable jar: %v", p, err)}}
	}
	out := &found{}
	if len(zr.File) > maxJarEntries {
		out.notes = append(out.notes, fmt.Sprintf("%s: %d entries, over %d: only the first are read", p, len(zr.File), maxJarEntries))
	}
	var manifest map[string]string
	for i, zf := range zr.File {
		if i >= maxJarEntries {
			break
		}
		switch {
		case zf.Name == "META-INF/MANIFEST.MF":
			if b := readZip(zf); b != nil {
				manifest = headers(b)
			}
		case strings.HasPrefix(zf.Name, "META-INF/maven/") && path.Base(zf.Name) == "pom.properties":
			b := readZip(zf)
			if b == nil {
				continue
			}
			props := properties(b)
			if props["artifactId"] != "" && props["version"] != "" {
				out.pkgs = append(out.pkgs, Package{Type: Maven, Namespace: props["groupId"], Name: props["artifactId"], Version: props["version"], Path: p})
			}
		}
	}
	if len(out.pkgs) == 0 && manifest != nil {
		name := manifest["Implementation-Title"]
		if name == "" {
			name = strings.SplitN(manifest["Bundle-SymbolicName"], ";", 2)[0]
		}
		if name == "" {
			name = strings.TrimSuffix(path.Base(p), ".jar")
		}
		version := manifest["Implementation-Version"]
		if version == "" {
			version = manifest["Bundle-Version"]
		}
		out.pkgs = append(out.pkgs, Package{Type: Maven, Namespace: manifest["Implementation-Vendor-Id"], Name: name, Version: version, Path: p})
	}
	return out
}

// readZip returns a small zip member's bytes, or nil.
func readZip(zf *zip.File) []byte {
	if zf.UncompressedSize64 > maxJarFile {
		return nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxJarFile))
	if err != nil {
		return nil
	}
	return b
}

// properties reads a Java .properties file's key=value lines.
func properties(b []byte) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' || l[0] == '!' {
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}
