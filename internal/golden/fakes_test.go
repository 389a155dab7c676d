package golden

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/image"
)

// fakeBuilder "builds" by hashing the rendered Dockerfile: the same
// Dockerfile gives the same digest, like a reproducible build. A Dockerfile
// that installs a package named in fail fails, as apt would.
type fakeBuilder struct {
	t    *testing.T
	fail []string
	reg  *fakeRegistry
	// delay makes builds overlap, to observe the concurrency bound.
	delay time.Duration

	mu        sync.Mutex
	running   int
	maxActive int
	built     []string // tags, in build order
	froms     map[string]string
}

func (b *fakeBuilder) Build(ctx context.Context, o build.Options) (*build.Result, error) {
	b.mu.Lock()
	b.running++
	if b.running > b.maxActive {
		b.maxActive = b.running
	}
	b.mu.Unlock()
	defer func() { b.mu.Lock(); b.running--; b.mu.Unlock() }()
	if !o.Push || !o.Checks || o.SourceDateEpoch == nil {
		return nil, fmt.Errorf("golden builds must push, run BuildKit's checks and fix SOURCE_DATE_EPOCH: %+v", o)
	}
	df, err := os.ReadFile(o.Dockerfile)
	if err != nil {
		return nil, err
	}
	time.Sleep(b.delay)
	for _, f := range b.fail {
		if strings.Contains(string(df), " "+f) {
			return nil, fmt.Errorf("process \"/bin/sh -c apt-get install %s\" did not complete successfully: exit code: 100", f)
		}
	}
	res, err := parser.Parse(strings.NewReader(string(df)))
	if err != nil {
		return nil, err
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, err
	}
	facts := image.Facts{Platform: "linux/amd64", Labels: map[string]string{}}
	last := stages[len(stages)-1]
	for _, c := range last.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			facts.User = c.User
		case *instructions.LabelCommand:
			for _, kv := range c.Labels {
				facts.Labels[unquoteWord(kv.Key)] = unquoteWord(kv.Value)
			}
		}
	}
	sum := sha256.Sum256(df)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	b.mu.Lock()
	b.built = append(b.built, o.Tags[0])
	if b.froms == nil {
		b.froms = map[string]string{}
	}
	b.froms[o.Tags[0]] = stages[0].BaseName
	b.mu.Unlock()
	b.reg.put(o.Tags[0][:strings.LastIndex(o.Tags[0], ":")]+"@"+digest, facts)
	return &build.Result{ImageDigest: digest}, nil
}

// fakeRegistry resolves external bases from a map and serves the facts of
// what fakeBuilder pushed.
type fakeRegistry struct {
	mu     sync.Mutex
	bases  map[string]string
	images map[string]image.Facts
	heads  int
}

func newFakeRegistry() *fakeRegistry {
	return &fakeRegistry{
		bases:  map[string]string{"docker.io/library/debian:bookworm-slim": digestOf("debian-1")},
		images: map[string]image.Facts{},
	}
}

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (r *fakeRegistry) put(ref string, f image.Facts) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.images[ref] = f
}

func (r *fakeRegistry) Digest(ctx context.Context, ref string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.heads++
	d, ok := r.bases[ref]
	if !ok {
		return "", fmt.Errorf("resolving %s: MANIFEST_UNKNOWN", ref)
	}
	return d, nil
}

func (r *fakeRegistry) Inspect(ctx context.Context, ref string) (*image.Inspection, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.images[ref]
	if !ok {
		return nil, fmt.Errorf("%s: not pushed", ref)
	}
	d := ref[strings.Index(ref, "@")+1:]
	return &image.Inspection{Platforms: map[string]string{f.Platform: d}, Images: []image.Facts{f}}, nil
}

// unquoteWord undoes quote() the way the Dockerfile frontend does.
func unquoteWord(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	var b strings.Builder
	esc := false
	for _, r := range s[1 : len(s)-1] {
		if r == '\\' && !esc {
			esc = true
			continue
		}
		esc = false
		b.WriteRune(r)
	}
	return b.String()
}
