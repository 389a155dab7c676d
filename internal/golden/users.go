package golden

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/tomlx"
)

// UseState is how a service's golden base compares with the lock.
type UseState string

// Use states.
const (
	UseCurrent  UseState = "current"  // base_digest is the locked digest
	UseBehind   UseState = "behind"   // base_digest is an older digest
	UseUnpinned UseState = "unpinned" // no base_digest: it builds whatever the tag points at
	UseUnknown  UseState = "unknown"  // the golden image is not in the lock
	UseInvalid  UseState = "invalid"  // slipway.toml cannot be read
)

// Use is one service that builds FROM a golden image.
type Use struct {
	// Service is the slipway.toml's path relative to the walked root.
	Service string `json:"service"`
	Name    string `json:"name,omitempty"`
	Golden  string `json:"golden,omitempty"`
	Digest  string `json:"digest,omitempty"` // the service's base_digest, else its Dockerfile's
	// FromDockerfile is true when Digest was read from the Dockerfile's FROM.
	FromDockerfile bool     `json:"from_dockerfile,omitempty"`
	Locked         string   `json:"locked,omitempty"` // the lock's digest
	State          UseState `json:"state"`
	Error          string   `json:"error,omitempty"`
	// WouldMove is set by MarkStale when the golden image is stale:
	// rebuilding it (golden build --stale) moves this service; Stale says
	// why the image is stale.
	WouldMove bool     `json:"would_move,omitempty"`
	Stale     []string `json:"stale,omitempty"`
}

// MarkStale sets WouldMove and Stale on every use of a golden image that
// statuses (golden check's) call stale.
func MarkStale(uses []Use, statuses []Status) {
	byName := map[string]Status{}
	for _, st := range statuses {
		byName[st.Name] = st
	}
	for i := range uses {
		if st, ok := byName[uses[i].Golden]; ok && !st.Current {
			uses[i].WouldMove, uses[i].Stale = true, st.Reasons
		}
	}
}

// Behind reports whether the service needs attention: it builds FROM
// something other than the locked digest of its golden image.
func (u Use) Behind() bool { return u.State != UseCurrent }

// skipDirs are never walked.
var skipDirs = map[string]bool{"node_modules": true, "vendor": true, "target": true, "bin": true, "obj": true}

// Users walks root for slipway.toml files and lists those whose base is
// golden:<name>, with the digest each uses and how it compares with lock.
// Hidden directories (.git, .lab) and dependency folders are skipped.
func Users(ctx context.Context, root string, lock *Lock) ([]Use, error) {
	var out []Use
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || skipDirs[d.Name()]) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() != config.FileName {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		u, ok := readUse(p, filepath.ToSlash(rel), lock)
		if ok {
			out = append(out, u)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Service < out[j].Service })
	return out, nil
}

// readUse reads only what lineage needs from a slipway.toml: the service's
// own strictness is `slipway generate`'s business, and a service with an
// unrelated mistake still has a base worth listing.
func readUse(path, rel string, lock *Lock) (Use, bool) {
	u := Use{Service: rel}
	src, err := os.ReadFile(path)
	if err != nil {
		u.State, u.Error = UseInvalid, err.Error()
		return u, true
	}
	var p struct {
		Name       string `toml:"name"`
		Base       string `toml:"base"`
		BaseDigest string `toml:"base_digest"`
	}
	if err := tomlx.DecodeForeign(path, src, &p); err != nil { // only the three keys it needs
		u.State, u.Error = UseInvalid, err.Error()
		return u, true
	}
	name, ok := strings.CutPrefix(p.Base, GoldenPrefix)
	if !ok {
		return u, false
	}
	u.Name, u.Golden, u.Digest = p.Name, name, p.BaseDigest
	e := lock.Entry(name)
	if e != nil && u.Digest == "" {
		// Not pinned in slipway.toml: generate renders the locked digest
		// into the Dockerfile, so that is the digest the service uses.
		u.Digest, u.FromDockerfile = dockerfileDigest(filepath.Join(filepath.Dir(path), "Dockerfile"), e.Image), true
	}
	switch {
	case e == nil:
		u.State = UseUnknown
	case u.Digest == "":
		u.Locked, u.State = e.Digest, UseUnpinned
	case u.Digest == e.Digest:
		u.Locked, u.State = e.Digest, UseCurrent
	default:
		u.Locked, u.State = e.Digest, UseBehind
	}
	return u, true
}

// dockerfileDigest returns the digest a Dockerfile pins image to in one of
// its FROM lines (FROM image@sha256:...), or "".
func dockerfileDigest(file, image string) string {
	src, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return ""
	}
	for _, n := range res.AST.Children {
		if !strings.EqualFold(n.Value, "from") || n.Next == nil {
			continue
		}
		ref := n.Next.Value
		if repo, digest, ok := strings.Cut(ref, "@"); ok && stripTag(repo) == image {
			return digest
		}
	}
	return ""
}

// stripTag drops a :tag from a repository reference (not a :port).
func stripTag(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i]
	}
	return ref
}
