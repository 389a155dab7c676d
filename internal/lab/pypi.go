package lab

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The lab's PyPI stand-in: a PEP 503 simple index on the lab registry's port
// (/pypi/simple/), serving wheels made from Debian bookworm's python3-*
// packages, since PyPI itself is unreachable from these machines. Each
// package's files under /usr/lib/python3/dist-packages and its metadata
// (.dist-info, or .egg-info converted) become one wheel named by the upstream
// project and version; packages with compiled extensions (built by Debian for
// its python3.11) get the tag cp311-cp311-linux_x86_64, which only a CPython
// 3.11 on glibc x86-64 installs, the others py3-none-any. The python build
// stand-in points pip and uv at the index (see pypiEnv).

// pypiDebs are the packages the index is made from; their python3-*
// dependencies (Debian's Depends, recursively) are served too.
var pypiDebs = []string{
	// Flask under gunicorn
	"python3-flask", "python3-werkzeug", "python3-jinja2", "python3-markupsafe", "python3-itsdangerous",
	"python3-click", "python3-blinker", "python3-gunicorn",
	// FastAPI under uvicorn (and uvicorn[standard]'s extras)
	"python3-fastapi", "python3-starlette", "python3-pydantic", "python3-uvicorn", "python3-h11",
	"python3-anyio", "python3-sniffio", "python3-idna", "python3-typing-extensions",
	"python3-uvloop", "python3-httptools", "python3-websockets", "python3-dotenv", "python3-yaml",
	"python3-multipart", "python3-httpx", "python3-httpcore", "python3-watchgod", "python3-email-validator",
	// Django
	"python3-django", "python3-asgiref", "python3-sqlparse", "python3-whitenoise",
	// clients and build tools
	"python3-requests", "python3-urllib3", "python3-certifi", "python3-charset-normalizer",
	"python3-redis", "python3-sqlalchemy",
	"python3-packaging", "python3-setuptools", "python3-wheel",
}

// pypiNotServed are python3-* packages of Debian's Python itself (its
// interpreter, stdlib parts Debian splits out, venv, pip): never wheels.
var pypiNotServed = map[string]bool{
	"python3": true, "python3-minimal": true, "python3-distutils": true, "python3-lib2to3": true,
	"python3-venv": true, "python3-pip": true, "python3-pip-whl": true, "python3-setuptools-whl": true,
}

// pypiMergeInto: packages without Python metadata whose files belong to
// another project's wheel, as upstream ships them (setuptools' wheel carries
// pkg_resources).
var pypiMergeInto = map[string]string{"python3-pkg-resources": "python3-setuptools"}

// pythonImageLibs are the shared libraries (soname prefixes) that both python
// stand-ins carry: a compiled extension that needs another one (uvloop's
// libuv, httptools' libllhttp) is not served, since PyPI's wheels bundle
// those libraries and Debian's link to a system package instead.
var pythonImageLibs = []string{"libc.so", "libm.so", "libpthread.so", "libdl.so", "librt.so", "ld-linux",
	"libpython3.11.so", "libgcc_s.so", "libstdc++.so", "libz.so", "libssl.so.3", "libcrypto.so.3",
	"libffi.so.8", "libexpat.so", "libbz2.so", "liblzma.so"}

// pypiPureFallback are packages whose compiled speedups need such a library
// but that upstream runs without them (PyYAML without libyaml): their wheel
// leaves the extension out and is pure Python.
var pypiPureFallback = map[string]bool{"python3-yaml": true}

// pypiFormat is part of the index's cache key: bump it when wheels or index
// pages are made differently.
const pypiFormat = "4"

const distPackages = "usr/lib/python3/dist-packages"

// ServedProject is one project of the lab's simple index.
type ServedProject struct {
	Name       string   `json:"name"`    // as its metadata spells it
	Version    string   `json:"version"` // upstream version
	Deb        string   `json:"deb"`     // the Debian package(s) it is made of
	DebVersion string   `json:"deb_version"`
	Wheel      string   `json:"wheel"`
	Tag        string   `json:"tag"`
	FromDebian []string `json:"from_debian,omitempty"` // requirements taken from Debian's Depends
	Rewrites   []string `json:"rewrites,omitempty"`    // Requires-Dist bounds dropped: Debian ships another version
	Unmet      []string `json:"unmet,omitempty"`       // unconditional requirements the index does not serve
	Skipped    []string `json:"skipped,omitempty"`     // files left out (symlinks into other packages)
}

// NotServed is a Debian package the index leaves out, and why.
type NotServed struct {
	Deb    string `json:"deb"`
	Reason string `json:"reason"`
}

// IndexListing is what indexes/pypi/projects.json holds.
type IndexListing struct {
	Projects  []ServedProject `json:"projects"`
	NotServed []NotServed     `json:"not_served,omitempty"`
}

// PyPIProjects reads what the lab's index serves and leaves out.
func (l *Lab) PyPIProjects() (IndexListing, error) {
	var li IndexListing
	b, err := os.ReadFile(filepath.Join(l.Dir, "indexes", "pypi", "projects.json"))
	if err != nil {
		return li, err
	}
	return li, json.Unmarshal(b, &li)
}

// PyPIURL is the simple index's URL, as builds (which share the host's
// network) reach it.
func PyPIURL(registry string) string { return "http://" + registry + "/pypi/simple/" }

// pypiEnv points pip and uv at the lab's index; it is set on the python
// build stand-in when it is pushed (the port is the lab's, not the recipe's).
func pypiEnv(c *v1.Config, registry string) {
	url := PyPIURL(registry)
	setEnv(c, "PIP_INDEX_URL="+url, "PIP_TRUSTED_HOST="+registry, "UV_INDEX_URL="+url, "UV_DEFAULT_INDEX="+url)
}

func (b *builder) pypiKey() string {
	mirror, security := debianMirror()
	notServed := slices.Sorted(maps.Keys(pypiNotServed))
	h := sha256.New()
	fmt.Fprintf(h, "pypi v%s/%s\n%s %s\n%s\n-%s\n", recipeVersion, pypiFormat, mirror, security,
		strings.Join(pypiDebs, " "), strings.Join(notServed, " "))
	return "pypi-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// ensurePyPI makes the index (unless cached) and points indexes/pypi at it.
func (b *builder) ensurePyPI(ctx context.Context) error {
	key := b.keys["index:pypi"]
	dir := b.p.join("cache", key)
	if _, err := os.Stat(filepath.Join(dir, "projects.json")); err != nil {
		t := time.Now()
		logf(b.log, "making the PyPI stand-in index from Debian's python3-* packages")
		if err := b.makePyPI(ctx, dir); err != nil {
			return fmt.Errorf("PyPI stand-in index: %w", err)
		}
		logf(b.log, "made the PyPI stand-in index in %s", time.Since(t).Round(100*time.Millisecond))
	}
	return linkIndex(b.p, "pypi", key)
}

// linkIndex points indexes/<name> at cache/<key>, atomically.
func linkIndex(p paths, name, key string) error {
	if err := os.MkdirAll(p.join("indexes"), 0o755); err != nil {
		return err
	}
	link := p.join("indexes", name)
	target := filepath.Join("..", "cache", key)
	if old, err := os.Readlink(link); err == nil && old == target {
		return nil
	}
	tmp := link + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, link)
}

func (b *builder) makePyPI(ctx context.Context, dir string) error {
	work := dir + ".work"
	_ = os.RemoveAll(work)
	if err := os.MkdirAll(filepath.Join(work, "debs"), 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if err := b.fetchPyPIDebs(ctx, work); err != nil {
		return err
	}
	debs, _ := filepath.Glob(filepath.Join(work, "debs", "*.deb"))
	sort.Strings(debs)
	// Unpack each package and find its distribution.
	var dists []*distribution
	var notServed []NotServed
	byDeb := map[string]*distribution{}
	merged := map[string][]string{} // target deb -> extracted roots merged into it
	for _, deb := range debs {
		fields, err := output(ctx, "dpkg-deb", "-f", deb, "Package", "Version", "Depends")
		if err != nil {
			return err
		}
		pkg, ver := controlField(fields, "Package"), controlField(fields, "Version")
		root := filepath.Join(work, "x", pkg)
		if err := os.MkdirAll(root, 0o755); err != nil {
			return err
		}
		if err := b.run(ctx, "dpkg-deb", "-x", deb, root); err != nil {
			return err
		}
		if into, ok := pypiMergeInto[pkg]; ok {
			merged[into] = append(merged[into], root)
			continue
		}
		d, err := readDistribution(root)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(deb), err)
		}
		if d == nil {
			notServed = append(notServed, NotServed{pkg, "no Python metadata (part of another package)"})
			continue
		}
		if missing, err := missingLibs(root); err != nil {
			return err
		} else if len(missing) > 0 && !pypiPureFallback[pkg] {
			notServed = append(notServed, NotServed{pkg, "its compiled extension needs " + strings.Join(missing, ", ") + ", which the python images lack"})
			continue
		} else if len(missing) > 0 {
			d.dropCompiled = true
		}
		d.deb, d.debVersion, d.depends = pkg, ver, debDepends(controlField(fields, "Depends"))
		dists = append(dists, d)
		byDeb[pkg] = d
	}
	for into, roots := range merged {
		d := byDeb[into]
		if d == nil {
			return fmt.Errorf("%s should carry files of %v but is not served", into, roots)
		}
		for _, root := range roots {
			d.roots = append(d.roots, root)
			d.deb += "+" + filepath.Base(root)
		}
	}
	served := map[string]string{}
	for _, d := range dists {
		served[normalizeProject(d.name)] = d.version
	}
	for into, roots := range merged {
		for _, root := range roots {
			byDeb[filepath.Base(root)] = byDeb[into] // a dependency on it is one on its wheel
		}
	}
	for _, d := range dists {
		d.addDebianRequires(byDeb)
	}
	out := dir + ".tmp"
	_ = os.RemoveAll(out)
	for _, sub := range []string{"files", "simple"} {
		if err := os.MkdirAll(filepath.Join(out, sub), 0o755); err != nil {
			return err
		}
	}
	var projects []ServedProject
	for _, d := range dists {
		sp, err := d.writeWheel(filepath.Join(out, "files"), served)
		if err != nil {
			return fmt.Errorf("wheel of %s: %w", d.deb, err)
		}
		projects = append(projects, sp)
	}
	sort.Slice(projects, func(i, j int) bool {
		return normalizeProject(projects[i].Name) < normalizeProject(projects[j].Name)
	})
	if err := writeSimpleIndex(out, projects); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(IndexListing{Projects: projects, NotServed: notServed}, "", "  ")
	if err := os.WriteFile(filepath.Join(out, "projects.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	_ = os.RemoveAll(dir)
	return os.Rename(out, dir)
}

func controlField(fields, name string) string {
	for _, line := range strings.Split(fields, "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// fetchPyPIDebs downloads pypiDebs and their python3-* dependency closure
// into work/debs, resolved by apt in the debian stand-in.
func (b *builder) fetchPyPIDebs(ctx context.Context, work string) error {
	if err := b.aptUpdate(ctx); err != nil {
		return err
	}
	b.aptMu.Lock()
	defer b.aptMu.Unlock()
	upper := filepath.Join(work, "upper")
	defer os.RemoveAll(upper)
	script := "apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances " +
		strings.Join(pypiDebs, " ") + " | grep -v '^ ' | grep -v '^<' | sort -u > /mnt/closure\n"
	if err := b.chrootRun(ctx, []string{b.debianRootfs()}, upper, work, script); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(work, "closure"))
	if err != nil {
		return err
	}
	var want []string
	for _, p := range strings.Fields(string(data)) {
		if strings.HasPrefix(p, "python3-") && !pypiNotServed[p] && !strings.HasSuffix(p, "-dbg") {
			want = append(want, p)
		}
	}
	upper2 := filepath.Join(work, "upper2")
	defer os.RemoveAll(upper2)
	return b.chrootRun(ctx, []string{b.debianRootfs()}, upper2, work, "cd /mnt/debs && apt-get download -q "+strings.Join(want, " "))
}

// distribution is one Debian package's Python distribution.
type distribution struct {
	deb, debVersion string
	name, version   string
	roots           []string          // extracted package trees (the first holds the metadata)
	metaDir         string            // dist-packages entry of its metadata, left out of the files
	headers         []string          // METADATA header lines (continuations joined)
	body            string            // METADATA description
	extra           map[string][]byte // entry_points.txt, top_level.txt
	depends         []string          // Debian packages it depends on
	dropCompiled    bool              // leave its extensions out (pypiPureFallback)
	fromDebian      []string          // requirements added from Debian's Depends
}

// debDepends returns the package names of a Depends field (the first of
// each set of alternatives).
func debDepends(field string) []string {
	var out []string
	for _, dep := range strings.Split(field, ",") {
		alt, _, _ := strings.Cut(dep, "|")
		name, _, _ := strings.Cut(strings.TrimSpace(alt), " ")
		name, _, _ = strings.Cut(name, ":")
		if name != "" {
			out = append(out, name)
		}
	}
	return out
}

// addDebianRequires adds a Requires-Dist for each served project that
// Debian's Depends names and the metadata does not: Debian often strips
// install_requires from egg-info (Flask's names neither Werkzeug nor
// Jinja2), relying on apt instead.
func (d *distribution) addDebianRequires(byDeb map[string]*distribution) {
	named := map[string]bool{}
	for _, h := range d.headers {
		if v, ok := strings.CutPrefix(h, "Requires-Dist:"); ok {
			if r, ok := parseRequirement(v); ok {
				named[normalizeProject(r.name)] = true
			}
		}
	}
	for _, dep := range d.depends {
		o := byDeb[dep]
		if o == nil || o == d || named[normalizeProject(o.name)] {
			continue
		}
		named[normalizeProject(o.name)] = true
		d.headers = append(d.headers, "Requires-Dist: "+o.name)
		d.fromDebian = append(d.fromDebian, o.name)
	}
}

// readDistribution finds the .dist-info or .egg-info in an unpacked package;
// nil when it has none.
func readDistribution(root string) (*distribution, error) {
	ents, err := os.ReadDir(filepath.Join(root, distPackages))
	if err != nil {
		return nil, nil
	}
	var metas []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".dist-info") || strings.HasSuffix(e.Name(), ".egg-info") {
			metas = append(metas, e.Name())
		}
	}
	if len(metas) == 0 {
		return nil, nil
	}
	if len(metas) > 1 {
		return nil, fmt.Errorf("several Python distributions (%s): not one wheel", strings.Join(metas, ", "))
	}
	d := &distribution{roots: []string{root}, metaDir: metas[0], extra: map[string][]byte{}}
	meta := filepath.Join(root, distPackages, metas[0])
	var pkgInfo []byte
	var requires []byte
	fi, err := os.Stat(meta)
	if err != nil {
		return nil, err
	}
	switch {
	case !fi.IsDir(): // an .egg-info file is PKG-INFO itself
		pkgInfo, err = os.ReadFile(meta)
	case strings.HasSuffix(meta, ".dist-info"):
		pkgInfo, err = os.ReadFile(filepath.Join(meta, "METADATA"))
	default:
		pkgInfo, err = os.ReadFile(filepath.Join(meta, "PKG-INFO"))
		requires, _ = os.ReadFile(filepath.Join(meta, "requires.txt"))
	}
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		for _, f := range []string{"entry_points.txt", "top_level.txt"} {
			if b, err := os.ReadFile(filepath.Join(meta, f)); err == nil {
				d.extra[f] = b
			}
		}
	}
	d.headers, d.body = splitMetadata(string(pkgInfo))
	hasRequires := false
	for i, h := range d.headers {
		k, v, _ := strings.Cut(h, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "Name":
			d.name = v
		case "Version":
			d.version = v
		case "Metadata-Version":
			// Requires-Dist needs 1.2 at least; egg-info often says 1.0 or 1.1.
			if v == "1.0" || v == "1.1" {
				d.headers[i] = "Metadata-Version: 2.1"
			}
		case "Requires-Dist":
			hasRequires = true
		}
	}
	if d.name == "" || d.version == "" {
		return nil, fmt.Errorf("%s: no Name or Version", metas[0])
	}
	if !hasRequires && len(requires) > 0 {
		have := map[string]bool{}
		for _, h := range d.headers {
			have[h] = true
		}
		for _, h := range eggRequires(string(requires)) {
			if !have[h] { // PKG-INFO may already name the extras
				d.headers = append(d.headers, h)
				have[h] = true
			}
		}
	}
	return d, nil
}

// splitMetadata splits an RFC 822 style METADATA or PKG-INFO into header
// lines (continuation lines folded in) and the description body.
func splitMetadata(s string) ([]string, string) {
	head, body, _ := strings.Cut(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n")
	var headers []string
	for _, line := range strings.Split(head, "\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(headers) > 0 {
			headers[len(headers)-1] += "\n" + line
			continue
		}
		headers = append(headers, line)
	}
	return headers, body
}

// eggRequires converts setuptools' requires.txt (sections "[extra]",
// "[:marker]", "[extra:marker]") to Requires-Dist and Provides-Extra lines.
func eggRequires(s string) []string {
	var out []string
	extra, marker := "", ""
	seenExtra := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			extra, marker, _ = strings.Cut(line[1:len(line)-1], ":")
			extra = strings.TrimSpace(extra)
			if extra != "" && !seenExtra[extra] {
				seenExtra[extra] = true
				out = append(out, "Provides-Extra: "+extra)
			}
			continue
		}
		r, ok := parseRequirement(line)
		if !ok {
			continue
		}
		var conds []string
		if r.marker != "" {
			conds = append(conds, "("+r.marker+")")
		}
		if marker != "" {
			conds = append(conds, "("+strings.TrimSpace(marker)+")")
		}
		if extra != "" {
			conds = append(conds, fmt.Sprintf("extra == %q", extra))
		}
		r.marker = strings.Join(conds, " and ")
		out = append(out, "Requires-Dist: "+r.String())
	}
	return out
}

// wheelName escapes a project name or version for a wheel file name.
func wheelName(s string) string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(normalizeProject(s))
}

type wheelFile struct {
	name string // path in the wheel
	data []byte
	mode fs.FileMode
}

// writeWheel writes the distribution's wheel into dir. served maps each
// served project (normalized) to its version: a Requires-Dist bound that the
// served version fails is dropped, since Debian ships and tests its packages
// together at those versions.
func (d *distribution) writeWheel(dir string, served map[string]string) (ServedProject, error) {
	sp := ServedProject{Name: d.name, Version: d.version, Deb: d.deb, DebVersion: d.debVersion, FromDebian: d.fromDebian}
	var files []wheelFile
	compiled := false
	seen := map[string]bool{}
	for _, root := range d.roots {
		base := filepath.Join(root, distPackages)
		err := filepath.WalkDir(base, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == base {
					return fs.SkipDir
				}
				return err
			}
			rel, _ := filepath.Rel(base, p)
			rel = filepath.ToSlash(rel)
			if rel == "." {
				return nil
			}
			if e.IsDir() {
				if e.Name() == "__pycache__" || (root == d.roots[0] && rel == d.metaDir) {
					return fs.SkipDir
				}
				return nil
			}
			if rel == d.metaDir || strings.HasSuffix(rel, ".pyc") || seen[rel] {
				return nil
			}
			src := p
			if e.Type()&fs.ModeSymlink != 0 {
				target, _ := os.Readlink(p)
				if filepath.IsAbs(target) {
					src = filepath.Join(root, target)
				} else {
					src = filepath.Join(filepath.Dir(p), target)
				}
				if r, err := filepath.Rel(root, src); err != nil || strings.HasPrefix(r, "..") {
					sp.Skipped = append(sp.Skipped, rel)
					return nil
				}
				if fi, err := os.Stat(src); err != nil || !fi.Mode().IsRegular() {
					sp.Skipped = append(sp.Skipped, rel)
					return nil
				}
			}
			fi, err := os.Stat(src)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(src)
			if err != nil {
				return err
			}
			if isSharedObject(rel) {
				if d.dropCompiled {
					sp.Skipped = append(sp.Skipped, rel)
					return nil
				}
				compiled = true
			}
			mode := fs.FileMode(0o644)
			if fi.Mode()&0o111 != 0 {
				mode = 0o755
			}
			seen[rel] = true
			files = append(files, wheelFile{rel, data, mode})
			return nil
		})
		if err != nil {
			return sp, err
		}
	}
	sp.Tag = "py3-none-any"
	purelib := "true"
	if compiled {
		// Debian built them for its CPython 3.11 on glibc x86-64.
		sp.Tag, purelib = "cp311-cp311-linux_x86_64", "false"
	}
	if strings.ContainsAny(d.version, "-_ /") || !strings.ContainsAny(d.version, "0123456789") {
		return sp, fmt.Errorf("version %q is not a wheel version", d.version)
	}
	info := wheelName(d.name) + "-" + d.version + ".dist-info"

	// METADATA, with bounds Debian contradicts dropped.
	var meta strings.Builder
	for _, h := range d.headers {
		if v, ok := strings.CutPrefix(h, "Requires-Dist:"); ok {
			r, ok := parseRequirement(v)
			if ok {
				have, isServed := served[normalizeProject(r.name)]
				switch {
				case isServed && !satisfies(have, r.spec):
					sp.Rewrites = append(sp.Rewrites, fmt.Sprintf("%s%s (serves %s)", r.name, r.spec, have))
					r.spec = ""
					h = "Requires-Dist: " + r.String()
				case !isServed && r.marker == "":
					sp.Unmet = append(sp.Unmet, r.String())
				}
			}
		}
		meta.WriteString(h + "\n")
	}
	if d.body != "" {
		meta.WriteString("\n" + d.body)
	}
	files = append(files, wheelFile{info + "/METADATA", []byte(meta.String()), 0o644})
	files = append(files, wheelFile{info + "/WHEEL", []byte(fmt.Sprintf(
		"Wheel-Version: 1.0\nGenerator: slipway-lab (from Debian %s %s)\nRoot-Is-Purelib: %s\nTag: %s\n",
		d.deb, d.debVersion, purelib, sp.Tag)), 0o644})
	for _, name := range []string{"entry_points.txt", "top_level.txt"} {
		if b, ok := d.extra[name]; ok {
			files = append(files, wheelFile{info + "/" + name, b, 0o644})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	var record strings.Builder
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", csvField(f.name), base64.RawURLEncoding.EncodeToString(sum[:]), len(f.data))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", info)
	files = append(files, wheelFile{info + "/RECORD", []byte(record.String()), 0o644})

	sp.Wheel = fmt.Sprintf("%s-%s-%s.whl", wheelName(d.name), d.version, sp.Tag)
	return sp, writeZip(filepath.Join(dir, sp.Wheel), files)
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// writeZip writes files as a zip with fixed times, so a wheel's bytes depend
// only on its contents.
func writeZip(path string, files []wheelFile) error {
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, wf := range files {
		h := &zip.FileHeader{Name: wf.name, Method: zip.Deflate, Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)}
		h.SetMode(wf.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			f.Close()
			return err
		}
		if _, err := w.Write(wf.data); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// writeSimpleIndex writes PEP 503 pages: simple/index.html and one page per
// project linking its wheel with a sha256 fragment.
func writeSimpleIndex(out string, projects []ServedProject) error {
	var root strings.Builder
	root.WriteString("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>slipway lab stand-in index</title></head><body>\n")
	byProject := map[string][]ServedProject{}
	var names []string
	for _, p := range projects {
		n := normalizeProject(p.Name)
		if _, ok := byProject[n]; !ok {
			names = append(names, n)
		}
		byProject[n] = append(byProject[n], p)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&root, "<a href=\"%s/\">%s</a>\n", html.EscapeString(n), html.EscapeString(n))
		var page strings.Builder
		fmt.Fprintf(&page, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Links for %s</title></head><body>\n", html.EscapeString(n))
		for _, p := range byProject[n] {
			sum, err := fileSHA256(filepath.Join(out, "files", p.Wheel))
			if err != nil {
				return err
			}
			fmt.Fprintf(&page, "<a href=\"../../files/%s#sha256=%s\">%s</a>\n", html.EscapeString(p.Wheel), sum, html.EscapeString(p.Wheel))
		}
		page.WriteString("</body></html>\n")
		if err := os.MkdirAll(filepath.Join(out, "simple", n), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "simple", n, "index.html"), []byte(page.String()), 0o644); err != nil {
			return err
		}
	}
	root.WriteString("</body></html>\n")
	return os.WriteFile(filepath.Join(out, "simple", "index.html"), []byte(root.String()), 0o644)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func isSharedObject(rel string) bool {
	return strings.HasSuffix(rel, ".so") || strings.Contains(rel, ".so.")
}

// missingLibs returns the shared libraries that the package's compiled
// extensions need and the python images do not carry.
func missingLibs(root string) ([]string, error) {
	missing := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(root, distPackages), func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !e.Type().IsRegular() || !isSharedObject(p) {
			return err
		}
		f, err := elf.Open(p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		defer f.Close()
		libs, err := f.ImportedLibraries()
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		for _, lib := range libs {
			ok := false
			for _, prefix := range pythonImageLibs {
				ok = ok || strings.HasPrefix(lib, prefix)
			}
			if !ok {
				missing[lib] = true
			}
		}
		return nil
	})
	out := slices.Sorted(maps.Keys(missing))
	return out, err
}

// WritePyPIListing writes the listing as the Markdown table of the lab README.
func WritePyPIListing(w io.Writer, li IndexListing) error {
	var b strings.Builder
	b.WriteString("| project | version | wheel tag | Debian package | notes |\n|---|---|---|---|---|\n")
	for _, p := range li.Projects {
		var notes []string
		if len(p.FromDebian) > 0 {
			notes = append(notes, "requires from Debian's Depends: "+strings.Join(p.FromDebian, ", "))
		}
		if len(p.Rewrites) > 0 {
			notes = append(notes, "bounds dropped: "+strings.Join(p.Rewrites, "; "))
		}
		if len(p.Unmet) > 0 {
			notes = append(notes, "not served: "+strings.Join(p.Unmet, ", "))
		}
		if len(p.Skipped) > 0 {
			notes = append(notes, fmt.Sprintf("%d files left out (links into other packages, or extensions)", len(p.Skipped)))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s %s | %s |\n", p.Name, p.Version, p.Tag, p.Deb, p.DebVersion,
			strings.ReplaceAll(strings.Join(notes, "; "), "|", "\\|"))
	}
	for _, n := range li.NotServed {
		fmt.Fprintf(&b, "\nNot served: %s (%s).\n", n.Deb, n.Reason)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
