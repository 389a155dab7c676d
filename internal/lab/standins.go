package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"
)

// recipeVersion is part of every cache key: bump it when the way stand-ins
// are assembled changes.
const recipeVersion = "4"

const (
	defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	description = "slipway lab stand-in"
)

// recipe describes one stand-in: its parent stand-in plus one layer.
type recipe struct {
	ref    string   // the real image name
	parent string   // the stand-in it is built on, "" for none
	after  []string // stand-ins that must be built first, besides the parent
	inputs []string // what the layer depends on, hashed into the cache key
	// rootfs, if set, is where the layer is assembled and kept (the debian
	// tree that chroot recipes build on); otherwise a temporary directory.
	rootfs func(b *builder) string
	// layer fills dir with the new layer's files.
	layer func(ctx context.Context, b *builder, dir string) error
	// config adjusts the image config inherited from the parent.
	config func(c *v1.Config)
	// wire, if set, adjusts the config when the image is pushed, with what
	// only the running lab knows (its registry address, for its package
	// indexes); the cached image stays independent of it.
	wire func(c *v1.Config, registry string)
}

// StandIns lists the image references the lab provides, under their real names.
func StandIns() []string {
	refs := make([]string, 0, len(recipes()))
	for _, r := range recipes() {
		refs = append(refs, r.ref)
	}
	return refs
}

// MirrorRef maps a real image reference to where the lab registry serves it:
// buildkitd drops the registry host and keeps the repository path.
func (l *Lab) MirrorRef(ref string) (string, error) {
	r, err := mirrorName(l.Registry, ref)
	if err != nil {
		return "", err
	}
	return r.String(), nil
}

func refSuffix(r name.Reference) string {
	if _, ok := r.(name.Digest); ok {
		return "@" + r.Identifier()
	}
	return ":" + r.Identifier()
}

// StandInDigests returns the manifest digest of every stand-in, as last built
// (written by Start to standins.json in the lab dir).
func (l *Lab) StandInDigests() (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(l.Dir, "standins.json"))
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	return m, json.Unmarshal(b, &m)
}

// builder is the shared state of one round of stand-in builds.
type builder struct {
	p   paths
	log io.Writer

	aptOnce sync.Once
	aptErr  error
	aptMu   sync.Mutex // apt's lists and archives are shared: one chroot at a time

	keys map[string]string // ref -> cache key
	cas  string            // digest of the machine's extra CAs

	distrolessOnce sync.Once
	distrolessDir  string
	distrolessErr  error
}

func (b *builder) cacheDir(ref string) string { return b.p.join("cache", b.keys[ref]) }

func (b *builder) key(r recipe, byRef map[string]recipe) string {
	if k, ok := b.keys[r.ref]; ok {
		return k
	}
	h := sha256.New()
	fmt.Fprintf(h, "v%s\n%s\ncas %s\n", recipeVersion, r.ref, b.cas)
	if r.parent != "" {
		fmt.Fprintf(h, "parent %s\n", b.key(byRef[r.parent], byRef))
	}
	for _, in := range r.inputs {
		fmt.Fprintf(h, "%s\n", in)
	}
	k := hex.EncodeToString(h.Sum(nil))[:16]
	b.keys[r.ref] = k
	return k
}

func ensureStandIns(ctx context.Context, p paths, registry string, log io.Writer) error {
	start := time.Now()
	rs := recipes()
	byRef := map[string]recipe{}
	for _, r := range rs {
		byRef[r.ref] = r
	}
	b := &builder{p: p, log: log, keys: map[string]string{}, cas: hostCAsDigest()}
	for _, r := range rs {
		b.key(r, byRef)
	}
	b.keys["index:pypi"] = b.pypiKey()

	// Build what is not cached; a recipe waits for its parent.
	done := map[string]chan struct{}{}
	for _, r := range rs {
		done[r.ref] = make(chan struct{})
	}
	g, gctx := errgroup.WithContext(ctx)
	sem := make(chan struct{}, runtime.NumCPU())
	g.Go(func() error {
		select {
		case <-done[refDebian]:
		case <-gctx.Done():
			return gctx.Err()
		}
		return b.ensurePyPI(gctx)
	})
	for _, r := range rs {
		g.Go(func() error {
			for _, dep := range append([]string{r.parent}, r.after...) {
				if dep == "" {
					continue
				}
				select {
				case <-done[dep]:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			if _, err := os.Stat(filepath.Join(b.cacheDir(r.ref), "index.json")); err == nil {
				close(done[r.ref])
				return nil
			}
			select {
			case sem <- struct{}{}:
			case <-gctx.Done():
				return gctx.Err()
			}
			defer func() { <-sem }()
			t := time.Now()
			logf(log, "building stand-in %s", r.ref)
			if err := b.build(gctx, r); err != nil {
				return fmt.Errorf("building stand-in %s: %w", r.ref, err)
			}
			logf(log, "built %s in %s", r.ref, time.Since(t).Round(100*time.Millisecond))
			close(done[r.ref])
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}

	// Push what the registry does not have (it keeps manifests in memory).
	digests := map[string]string{}
	var mu sync.Mutex
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, r := range rs {
		g.Go(func() error {
			img, err := loadCached(b.cacheDir(r.ref))
			if err != nil {
				return fmt.Errorf("reading cached stand-in %s: %w", r.ref, err)
			}
			if r.wire != nil {
				if img, err = wireImage(img, func(c *v1.Config) { r.wire(c, registry) }); err != nil {
					return fmt.Errorf("stand-in %s: %w", r.ref, err)
				}
			}
			d, err := img.Digest()
			if err != nil {
				return err
			}
			mu.Lock()
			digests[r.ref] = d.String()
			mu.Unlock()
			dst, err := mirrorName(registry, r.ref)
			if err != nil {
				return err
			}
			if desc, err := remote.Head(dst, remote.WithContext(gctx)); err == nil && desc.Digest == d {
				return nil
			}
			logf(log, "pushing %s", dst)
			if err := remote.Write(dst, img, remote.WithContext(gctx)); err != nil {
				return fmt.Errorf("pushing %s: %w", dst, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	b.prune()
	bs, _ := json.MarshalIndent(digests, "", "  ")
	if err := writeFileAtomic(p.join("standins.json"), append(bs, '\n'), 0o644); err != nil {
		return err
	}
	logf(log, "%d stand-in images ready in %s", len(rs), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// wireImage returns img with its config changed by f.
func wireImage(img v1.Image, f func(c *v1.Config)) (v1.Image, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	f(&cf.Config)
	return mutate.ConfigFile(img, cf)
}

func mirrorName(registry, ref string) (name.Reference, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	return name.ParseReference(registry+"/"+r.Context().RepositoryStr()+refSuffix(r), name.Insecure)
}

func loadCached(dir string) (v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(m.Manifests) != 1 {
		return nil, fmt.Errorf("%s: want one image, found %d", dir, len(m.Manifests))
	}
	return idx.Image(m.Manifests[0].Digest)
}

// prune removes cached stand-ins (and distroless package downloads) that no
// current recipe uses.
func (b *builder) prune() {
	keep := map[string]bool{}
	for ref, k := range b.keys {
		keep[k] = true
		if ref == refDebian {
			keep[k+".rootfs"] = true
		}
	}
	ents, _ := os.ReadDir(b.p.join("cache"))
	for _, e := range ents {
		if !keep[e.Name()] {
			logf(b.log, "pruning stale cache %s", e.Name())
			_ = os.RemoveAll(b.p.join("cache", e.Name()))
		}
	}
	if b.distrolessDir != "" {
		ents, _ = os.ReadDir(b.p.join("work", "distroless"))
		for _, e := range ents {
			if d := b.p.join("work", "distroless", e.Name()); d != b.distrolessDir {
				_ = os.RemoveAll(d)
			}
		}
	}
}

// build assembles one stand-in and writes it as an OCI layout in its cache dir.
func (b *builder) build(ctx context.Context, r recipe) error {
	var base v1.Image = empty.Image
	if r.parent != "" {
		var err error
		if base, err = loadCached(b.cacheDir(r.parent)); err != nil {
			return err
		}
	}
	work := b.p.join("work", "layers", b.keys[r.ref])
	_ = os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(work)
	rootfs := filepath.Join(work, "rootfs")
	if r.rootfs != nil {
		rootfs = r.rootfs(b)
		if err := os.RemoveAll(rootfs); err != nil {
			return err
		}
	}
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		return err
	}
	if err := r.layer(ctx, b, rootfs); err != nil {
		return err
	}
	layer, err := layerFromDir(rootfs, filepath.Join(work, "layer.tar.gz"))
	if err != nil {
		return err
	}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: time.Unix(0, 0).UTC()},
			CreatedBy: "slipway-lab: " + r.ref,
			Comment:   description,
		},
	})
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	c := &cf.Config
	if len(c.Env) == 0 {
		c.Env = []string{"PATH=" + defaultPath}
	}
	if r.config != nil {
		r.config(c)
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	c.Labels["org.opencontainers.image.description"] = description
	c.Labels["org.opencontainers.image.title"] = r.ref
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}

	// Write the layout next to the cache dir and rename it into place, so a
	// half-written layout is never taken for a cached one.
	dst := b.cacheDir(r.ref)
	tmp := dst + ".tmp"
	_ = os.RemoveAll(tmp)
	lp, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return err
	}
	if r.parent != "" {
		linkBlobs(filepath.Join(b.cacheDir(r.parent), "blobs", "sha256"), filepath.Join(tmp, "blobs", "sha256"))
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": r.ref,
	})); err != nil {
		return err
	}
	_ = os.RemoveAll(dst)
	return os.Rename(tmp, dst)
}

// linkBlobs hard-links the parent's blobs into a new layout, so the shared
// layers are neither copied nor compressed again.
func linkBlobs(from, to string) {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return
	}
	ents, _ := os.ReadDir(from)
	for _, e := range ents {
		_ = os.Link(filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
	}
}

// run runs a host command, logging its output to logs/standins.log.
func (b *builder) run(ctx context.Context, name string, args ...string) error {
	logFile, err := os.OpenFile(b.p.logs("standins"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "\n--- %s %s\n", name, strings.Join(args, " "))
	var t tailWriter
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = io.MultiWriter(logFile, &t)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, t.String())
	}
	return nil
}

func output(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, ee.Stderr)
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func setEnv(c *v1.Config, kv ...string) {
	for _, e := range kv {
		k, _, _ := strings.Cut(e, "=")
		replaced := false
		for i, old := range c.Env {
			if strings.HasPrefix(old, k+"=") {
				c.Env[i], replaced = e, true
			}
		}
		if !replaced {
			c.Env = append(c.Env, e)
		}
	}
	sort.SliceStable(c.Env, func(i, j int) bool {
		return strings.HasPrefix(c.Env[i], "PATH=") && !strings.HasPrefix(c.Env[j], "PATH=")
	})
}
