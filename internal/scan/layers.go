package scan

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

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
type node struct {
	top, visAt int32
	cur, prev  touch
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

// walker reads an image's layers once, from the top one down, as
// mutate.Extract does: the first version of a path it meets is the one
// in the flattened filesystem (tree.visit); a lower version, or one under
// a whiteout, a file or an opaque marker of a layer above, is hidden, and
// only looked at when it may be a credential (walker.hidden).
type walker struct {
	t      *tree
	nodes  map[string]node
	opaque map[string]int // directory → the lowest layer so far with an opaque marker in it
	buried map[string]int // path + fingerprint → index in t.Buried
}

// walk reads every layer of img once, streaming: only small candidate
// files are read into memory.
func walk(ctx context.Context, img v1.Image) (*tree, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the image layers: %w", err)
	}
	t := &tree{Caches: map[string]*usage{}, present: map[string]bool{}, gitSeen: map[string]bool{}, final: map[string]bool{}, Layers: len(layers)}
	w := &walker{t: t, nodes: map[string]node{}, opaque: map[string]int{}, buried: map[string]int{}}
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
	r := ctxReader{ctx, rc}
	var opaque []string // this layer's opaque directories hide only lower layers
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading layer %d: %w", l, err)
		}
		p := cleanPath(hdr.Name)
		if p == "/" {
			continue
		}
		dir, base := parent(p), path.Base(p)
		if base == opaqueMarker {
			opaque = append(opaque, dir)
			continue
		}
		tomb := strings.HasPrefix(base, whiteoutPrefix)
		if tomb {
			if base == whiteoutPrefix {
				continue
			}
			p = path.Join(dir, base[len(whiteoutPrefix):])
		}
		n := w.nodes[p]
		// A whiteout hides only lower layers; of two entries of one
		// layer at one path the first wins (as in mutate.Extract).
		if n.top > int32(l) || n.visAt == int32(l) || w.under(p, l) {
			if !tomb {
				if err := w.hidden(hdr, p, l, tr); err != nil {
					return err
				}
			}
		} else if !tomb {
			n.visAt = int32(l)
			if err := w.t.visit(hdr, p, tr); err != nil {
				return err
			}
		}
		if n.top == 0 {
			n.top = int32(l)
		}
		if tomb || hdr.Typeflag != tar.TypeDir {
			n.touch(l, tomb)
		}
		w.nodes[p] = n
	}
	for _, d := range opaque {
		w.opaque[d] = l
	}
	// Read what the tar reader left (padding after the end marker), so
	// that the layer's digest is verified.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return fmt.Errorf("verifying layer %d: %w", l, err)
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
