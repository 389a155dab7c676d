package scan

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/image"
	tarlayer "github.com/slipway/slipway/internal/layer"
	"github.com/slipway/slipway/internal/secrets"
)

// Whiteout markers of the OCI layer format: ".wh.NAME" deletes NAME from
// the layers below; ".wh..wh..opq" in a directory hides everything the
// layers below put in it.
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// maxBuried bounds how many deleted candidates one scan remembers.
const maxBuried = 1000

// buried is a credential file, .env file or .git directory that a layer
// added and a later layer deleted or overwrote: gone from the flattened
// filesystem, but every layer ships with the image.
type buried struct {
	Path   string // the file, or the .git directory
	Kind   string // "SW225" (a credential), "SW224" (.env) or "SW223" (.git)
	What   string // "a private key"
	Layers []int  // the layers (1-based, ascending) that hold this content
	Gone   int    // the layer that deleted or overwrote its uppermost copy; 0 when unknown
	How    string // "removed" or "overwritten"
	fp     string // content fingerprint (credentials and .env files)
}

// touch is an entry of one layer that hides what lower layers have at its
// path (a file, a link, a whiteout); layers are 1-based, 0 is none.
type touch struct {
	layer int32
	tomb  bool
}

// node is what the walk knows about one path. Layers are read from the
// top down, so what it records comes from the layer being read (L) or
// from layers above it. top is the uppermost layer with an entry at the
// path (a whiteout too), visAt the layer whose version is in the flattened
// filesystem. cur and prev are the two lowest layers so far whose entry
// hides what lower layers have under the path (a whiteout, or a
// non-directory): the lowest such layer above L is cur, or prev when cur
// is L itself.
//
// The rest finds entries written through a symbolic link (or under a
// file) of a lower layer, which an unpacker would write somewhere else
// than their name says: seenIn is the lowest layer so far with an entry
// at the path, seenTyp the type of its last entry there ('w' for a
// whiteout), seenAbove the lowest layer above seenIn with one, and
// childLow the lowest layer with an entry under the path that no entry of
// its own layer at the path came before.
type node struct {
	top, visAt        int32
	cur, prev         touch
	seenIn, seenAbove int32
	childLow          int32
	seenTyp           byte
}

func (n *node) touch(layer int, tomb bool) {
	if int(n.cur.layer) != layer {
		n.prev = n.cur
	}
	n.cur = touch{int32(layer), tomb}
}

// above returns the lowest touch above layer, or the zero touch.
func (n node) above(layer int) touch {
	if int(n.cur.layer) > layer {
		return n.cur
	}
	if int(n.prev.layer) > layer {
		return n.prev
	}
	return touch{}
}

// walker reads an image's layers once, from the top one down: the
// uppermost version of a path is the one in the flattened filesystem, and
// within one layer the last entry of a path wins, as when containerd or
// umoci apply the layers from the bottom up (tree.visit, tree.unvisit); a
// lower version, or one under a whiteout, a file or an opaque marker of a
// layer above, is hidden, and only looked at when it may be a credential
// (walker.hidden). Entry names and sizes are held to the limits, and the
// entries an unpacker would not apply safely are refused, as verify
// refuses them (package layer).
type walker struct {
	t      *tree
	nodes  map[string]node
	opaque map[string]int // directory → the lowest layer so far with an opaque marker in it
	buried map[string]int // path + fingerprint → index in t.Buried
	budget *tarlayer.Budget
	// entries are the non-directory entries of the layer being read, by
	// path: their last version, for hard links and duplicates.
	entries map[string]entryInfo
}

// entryInfo is what a later entry of the same layer needs of an earlier
// one: a hard link takes its target's mode and owner; a duplicate that
// replaces a visible entry takes back what that entry counted.
type entryInfo struct {
	typ      byte
	mode     int64
	uid, gid int
	size     int64
	visible  bool
	fp       string // its fingerprint, when visit marked it as a credential or .env file still present
}

// walk reads every layer of img once, streaming: only small candidate
// files are read into memory.
func walk(ctx context.Context, img v1.Image, lim tarlayer.Limits) (*tree, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the image layers: %w", err)
	}
	t := &tree{Caches: map[string]*usage{}, present: map[string]bool{}, gitSeen: map[string]bool{}, final: map[string]bool{}, Layers: len(layers)}
	w := &walker{t: t, nodes: map[string]node{}, opaque: map[string]int{}, buried: map[string]int{}, budget: tarlayer.NewBudget(lim)}
	for i := len(layers) - 1; i >= 0; i-- {
		if err := w.layer(ctx, i+1, layers[i]); err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
			return nil, err
		}
	}
	t.finish()
	return t, nil
}

// layer reads layer number l (1-based).
func (w *walker) layer(ctx context.Context, l int, ly v1.Layer) error {
	rc, err := ly.Uncompressed()
	if err != nil {
		return fmt.Errorf("reading layer %d: %w", l, err)
	}
	defer rc.Close()
	r := image.ContextReader(ctx, rc)
	var opaque []string // this layer's opaque directories hide only lower layers
	w.entries = map[string]entryInfo{}
	err = w.budget.Walk(l, r, func(hdr *tar.Header, p string, tr *tar.Reader) error {
		dir, base := parent(p), path.Base(p)
		if err := w.parents(hdr, p, l); err != nil {
			return err
		}
		if base == opaqueMarker {
			opaque = append(opaque, dir)
			return nil
		}
		tomb := strings.HasPrefix(base, whiteoutPrefix)
		if tomb {
			gone := base[len(whiteoutPrefix):]
			if gone == "" || gone == "." || gone == ".." {
				return &tarlayer.EntryError{Layer: l, Name: hdr.Name, Why: fmt.Sprintf("a whiteout of %q", gone)}
			}
			p = path.Join(dir, gone)
		} else if err := w.check(hdr, l); err != nil {
			return err
		}
		n := w.nodes[p]
		typ := hdr.Typeflag
		if tomb {
			typ = 'w'
		}
		if n.seenIn != int32(l) {
			n.seenAbove, n.seenIn = n.seenIn, int32(l)
		}
		n.seenTyp = typ
		if tomb {
			// A whiteout hides only lower layers (and forgets this layer's
			// entry, for hard links, as an unpacker removes it).
			delete(w.entries, p)
			n.touch(l, true)
			if n.top == 0 {
				n.top = int32(l)
			}
			w.nodes[p] = n
			return nil
		}
		info := entryInfo{typ: hdr.Typeflag, mode: hdr.Mode, uid: hdr.Uid, gid: hdr.Gid, size: hdr.Size}
		if hdr.Typeflag == tar.TypeLink {
			tgt, err := w.budget.Name(l, hdr.Linkname)
			if err != nil {
				return err
			}
			ti, ok := w.entries["/"+tgt]
			if !ok || "/"+tgt == p {
				return &tarlayer.EntryError{Layer: l, Name: hdr.Name, Why: fmt.Sprintf("a hard link to %s, which is not an earlier entry of this layer (a missing target)", tarlayer.Quote(hdr.Linkname))}
			}
			// The link is the target's inode: its mode and owner.
			h := *hdr
			h.Mode, h.Uid, h.Gid = ti.mode, ti.uid, ti.gid
			hdr = &h
			info.mode, info.uid, info.gid, info.size = ti.mode, ti.uid, ti.gid, 0
		}
		prev, dup := w.entries[p]
		if n.visAt == int32(l) && dup && prev.visible {
			// The same path again in this layer: the last entry wins.
			w.t.unvisit(p, prev)
			n.visAt = 0
		} else if n.visAt == int32(l) && !dup {
			// A directory of this layer replaced by this entry.
			w.t.unvisit(p, entryInfo{typ: tar.TypeDir, visible: true})
			n.visAt = 0
		}
		if n.top > int32(l) || n.visAt == int32(l) || w.under(p, l) {
			if err := w.hidden(hdr, p, l, tr); err != nil {
				return err
			}
		} else {
			n.visAt = int32(l)
			info.visible = true
			fp, err := w.t.visit(hdr, p, tr)
			if err != nil {
				return err
			}
			info.fp = fp
		}
		if hdr.Typeflag != tar.TypeDir {
			w.entries[p] = info
		} else {
			delete(w.entries, p)
		}
		if n.top == 0 {
			n.top = int32(l)
		}
		if hdr.Typeflag != tar.TypeDir {
			n.touch(l, false)
		}
		w.nodes[p] = n
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range opaque {
		w.opaque[d] = l
	}
	if err := w.throughLinks(l); err != nil {
		return err
	}
	// Read what the tar reader left (padding after the end marker), so
	// that the layer's digest is verified; it counts against the limit.
	left := w.budget.Limits().UnpackedBytes - w.budget.Bytes()
	m, err := io.Copy(io.Discard, io.LimitReader(r, left+1))
	if err != nil {
		return fmt.Errorf("verifying layer %d: %w", l, err)
	}
	if m > left {
		return &tarlayer.LimitError{Layer: l, Name: "(data after the end of the tar)", What: "unpacked size over the limit", Flag: "--max-unpacked-size"}
	}
	// A reader that verifies digests may give its verdict only on Close.
	if err := rc.Close(); err != nil {
		return fmt.Errorf("verifying layer %d: %w", l, err)
	}
	return nil
}

// check refuses the entry types an unpacker would not apply: device nodes
// (the runtime provides /dev) and types no layer needs.
func (w *walker) check(hdr *tar.Header, l int) error {
	switch hdr.Typeflag {
	case tar.TypeDir, tar.TypeReg, tar.TypeRegA, tar.TypeSymlink, tar.TypeLink, tar.TypeFifo, tar.TypeXGlobalHeader: //nolint:staticcheck // TypeRegA still appears in old layers
		return nil
	case tar.TypeChar, tar.TypeBlock:
		return &tarlayer.EntryError{Layer: l, Name: hdr.Name, Why: "a device node (images have none: the runtime provides /dev)"}
	}
	return &tarlayer.EntryError{Layer: l, Name: hdr.Name, Why: fmt.Sprintf("an entry of type %q, which no layer needs", hdr.Typeflag)}
}

// parents walks up from the entry at p of layer l: an earlier entry of
// this layer at a parent that is not a directory means the entry is
// written through a link (or under a file) and is refused; every parent
// up to the first that this layer made a directory before learns that
// layer l has an entry under it (childLow), for throughLinks.
func (w *walker) parents(hdr *tar.Header, p string, l int) error {
	for d := parent(p); d != "/"; d = parent(d) {
		a := w.nodes[d]
		if a.seenIn == int32(l) {
			switch a.seenTyp {
			case tar.TypeDir, 'w':
				return nil
			case tar.TypeSymlink:
				return &tarlayer.EntryError{Layer: l, Name: hdr.Name, Why: fmt.Sprintf("its parent %s is a symbolic link: the entry would be written through it", d)}
			default:
				return &tarlayer.EntryError{Layer: l, Name: hdr.Name, Why: fmt.Sprintf("its parent %s is not a directory", d)}
			}
		}
		a.childLow = int32(l)
		w.nodes[d] = a
	}
	return nil
}

// throughLinks refuses, at the end of layer l, a symbolic link (or file)
// of l that entries of l or of the layers above are written through: an
// entry under it in a layer no higher than the lowest layer above l that
// replaced it.
func (w *walker) throughLinks(l int) error {
	for p, e := range w.entries {
		n := w.nodes[p]
		if n.childLow == 0 || n.seenIn != int32(l) || n.seenTyp == tar.TypeDir || n.seenTyp == 'w' {
			continue
		}
		if n.seenAbove != 0 && n.childLow > n.seenAbove {
			continue
		}
		what := "is not a directory"
		if e.typ == tar.TypeSymlink {
			what = "is a symbolic link"
		}
		return &tarlayer.EntryError{Layer: l, Name: strings.TrimPrefix(p, "/"),
			Why: fmt.Sprintf("it %s, and layer %d has entries under it: they would be written through it", what, n.childLow)}
	}
	return nil
}

// parent is path.Dir for a clean absolute path.
func parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// under reports whether a layer above l deleted a directory above p
// (a whiteout, or a file in its place), or made it opaque.
func (w *walker) under(p string, l int) bool {
	for d := p; d != "/"; {
		d = parent(d)
		if n, ok := w.nodes[d]; ok && n.above(l).layer > 0 {
			return true
		}
		if w.opaque[d] > 0 {
			return true
		}
	}
	return false
}

// remover finds the lowest layer above l that deleted or overwrote p: a
// whiteout or a new version of p, a whiteout or a file in place of a
// directory above it, or an opaque marker in one.
func (w *walker) remover(p string, l int) (int, string) {
	best, how := 0, ""
	consider := func(layer int, h string) {
		if layer > l && (best == 0 || layer < best) {
			best, how = layer, h
		}
	}
	if t := w.nodes[p].above(l); t.layer > 0 {
		h := "overwritten"
		if t.tomb {
			h = "removed"
		}
		consider(int(t.layer), h)
	}
	for d := p; d != "/"; {
		d = parent(d)
		consider(int(w.nodes[d].above(l).layer), "removed")
		consider(w.opaque[d], "removed")
	}
	return best, how
}

// hidden looks at an entry of layer l that the flattened filesystem does
// not have: a credential file, a .env file or a .git directory is buried.
func (w *walker) hidden(hdr *tar.Header, p string, l int, r io.Reader) error {
	if g := gitRoot(p); g != "" {
		w.bury(g, "SW223", "a .git directory", "git:"+g, l)
		return nil
	}
	if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA || hdr.Size == 0 { //nolint:staticcheck // TypeRegA still appears in old layers
		return nil
	}
	env := envFile(p)
	c := classify(p)
	if c == nil && !env {
		return nil
	}
	var data []byte
	if hdr.Size <= maxRead {
		var err error
		if data, err = readAtMost(r, maxRead); err != nil {
			return fmt.Errorf("reading %s from layer %d: %w", p, l, err)
		}
	}
	fp := fingerprint(p, data, hdr.Size)
	if c != nil {
		if what := c(data, hdr.Size); what != "" {
			w.bury(p, "SW225", what, fp, l)
			return nil
		}
	}
	if env {
		w.bury(p, "SW224", "a .env file", fp, l)
	}
	return nil
}

// bury records that layer l holds p (with content fp).
func (w *walker) bury(p, kind, what, fp string, l int) {
	key := p + "\x00" + fp
	if i, ok := w.buried[key]; ok {
		b := &w.t.Buried[i]
		if b.Layers[len(b.Layers)-1] != l {
			b.Layers = append(b.Layers, l)
		}
		return
	}
	if len(w.buried) >= maxBuried {
		return
	}
	gone, how := w.remover(p, l)
	w.buried[key] = len(w.t.Buried)
	w.t.Buried = append(w.t.Buried, buried{Path: p, Kind: kind, What: what, Layers: []int{l}, Gone: gone, How: how, fp: fp})
}

// fingerprint identifies a candidate file's content: its hash when it was
// read, else its path and size.
func fingerprint(p string, data []byte, size int64) string {
	if data == nil {
		return "size:" + strconv.FormatInt(size, 10) + ":" + p
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// settleBuried drops what the flattened filesystem still has (the other
// rules report those): a .git directory still present, a credential or
// .env file whose content is still in one of its credential or .env files.
func (t *tree) settleBuried() {
	var keep []buried
	for _, b := range t.Buried {
		if b.Kind == "SW223" && t.gitSeen[b.Path] || b.Kind != "SW223" && t.final[b.fp] {
			continue
		}
		sort.Ints(b.Layers)
		keep = append(keep, b)
	}
	sort.Slice(keep, func(i, j int) bool {
		if keep[i].Kind != keep[j].Kind {
			return keep[i].Kind < keep[j].Kind
		}
		return keep[i].Path < keep[j].Path
	})
	t.Buried = keep
}

// maxBuriedFindings bounds the findings of each kind; the last one counts
// the rest.
const maxBuriedFindings = 20

// buriedFindings reports what only lower layers hold, naming the steps
// that added and removed it from the image history.
func (s *scanner) buriedFindings() {
	steps := layerSteps(s.cf.History, s.tree.Layers)
	layer := func(l int) string {
		if l <= len(steps) && steps[l-1] != "" {
			return fmt.Sprintf("layer %d (created by `%s`)", l, steps[l-1])
		}
		return fmt.Sprintf("layer %d", l)
	}
	byKind := map[string][]buried{}
	for _, b := range s.tree.Buried {
		byKind[b.Kind] = append(byKind[b.Kind], b)
	}
	for _, kind := range []string{"SW223", "SW224", "SW225"} {
		bs := byKind[kind]
		if len(bs) > maxBuriedFindings {
			s.add(kind, "%d more files that a later layer removed are still in lower layers of the image: %s",
				len(bs)-maxBuriedFindings+1, list(buriedPaths(bs[maxBuriedFindings-1:]), 10))
			bs = bs[:maxBuriedFindings-1]
		}
		for _, b := range bs {
			subject := fmt.Sprintf("%s (%s)", b.Path, b.What)
			switch kind {
			case "SW223":
				subject = "the .git directory " + b.Path
			case "SW224":
				subject = "the .env file " + b.Path
			}
			gone := "a later layer removed it"
			if b.Gone > 0 {
				gone = b.How + " in " + layer(b.Gone)
			}
			from := "layer " + strconv.Itoa(b.Layers[0])
			if len(b.Layers) > 1 {
				var ls []string
				for _, l := range b.Layers {
					ls = append(ls, strconv.Itoa(l))
				}
				from = "layers " + strings.Join(ls[:len(ls)-1], ", ") + " and " + ls[len(ls)-1]
			}
			s.add(kind, "%s was added in %s and %s, but every layer ships with the image: anyone can read it from %s",
				subject, layer(b.Layers[0]), gone, from)
		}
	}
}

func buriedPaths(bs []buried) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Path)
	}
	return out
}

// layerSteps names the step that created each layer: the image history's
// entries that made a layer, in order. It returns nil when the history
// does not match the layers.
func layerSteps(h []v1.History, layers int) []string {
	var out []string
	for _, e := range h {
		if !e.EmptyLayer {
			out = append(out, step(e.CreatedBy))
		}
	}
	if len(out) != layers {
		return nil
	}
	return out
}

// step shortens a history entry's created_by to the Dockerfile line it
// came from, without build arguments, with credentials masked.
func step(cb string) string {
	cb = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cb), "# buildkit"))
	cb = strings.TrimPrefix(cb, "/bin/sh -c #(nop) ")
	if rest, ok := strings.CutPrefix(cb, "RUN "); ok {
		cb = rest
		if args := runArgs(rest); args != nil || strings.HasPrefix(rest, "|") {
			f := strings.Fields(rest)
			cb = strings.Join(f[1+len(args):], " ")
		}
		cb = "RUN " + strings.TrimPrefix(cb, "/bin/sh -c ")
	} else if rest, ok := strings.CutPrefix(cb, "/bin/sh -c "); ok {
		cb = "RUN " + rest
	} else if strings.HasPrefix(cb, "|") {
		f := strings.Fields(cb)
		cb = "RUN " + strings.TrimPrefix(strings.Join(f[1+len(runArgs(cb)):], " "), "/bin/sh -c ")
	}
	cb = secrets.Redact(cb)
	if len(cb) > 100 {
		cb = cb[:97] + "..."
	}
	return cb
}
