package build

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"

	bkclient "github.com/moby/buildkit/client"
)

// fileOutput is an output written beside its destination and moved into
// place only when the build succeeded.
type fileOutput interface {
	commit() error
	abort()
}

// tarOutput writes an exporter's tarball to a temporary file beside dest;
// commit renames it into place once the build succeeded, abort removes it.
type tarOutput struct {
	dest string
	mu   sync.Mutex
	f    *os.File
}

func (t *tarOutput) open(map[string]string) (io.WriteCloser, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f != nil {
		return nil, fmt.Errorf("output %s opened twice", t.dest)
	}
	if err := os.MkdirAll(filepath.Dir(t.dest), 0o755); err != nil {
		return nil, fmt.Errorf("creating output directory: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(t.dest), "."+filepath.Base(t.dest)+".partial-*")
	if err != nil {
		return nil, fmt.Errorf("creating output %s: %w", t.dest, err)
	}
	t.f = f
	return &syncCloser{f}, nil
}

type syncCloser struct{ *os.File }

func (s *syncCloser) Close() error {
	if err := s.Sync(); err != nil {
		s.File.Close()
		return err
	}
	return s.File.Close()
}

func (t *tarOutput) commit() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil {
		return fmt.Errorf("output %s: the exporter wrote nothing", t.dest)
	}
	t.f.Close() // normally closed already by the session
	if err := os.Chmod(t.f.Name(), 0o644); err != nil {
		return fmt.Errorf("writing output %s: %w", t.dest, err)
	}
	if err := os.Rename(t.f.Name(), t.dest); err != nil {
		return fmt.Errorf("writing output %s: %w", t.dest, err)
	}
	t.f = nil
	return nil
}

func (t *tarOutput) abort() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f != nil {
		t.f.Close()
		os.Remove(t.f.Name())
		t.f = nil
	}
}

// exportEntries turns Outputs, Tags and Push into BuildKit exporters.
func exportEntries(o Options, p *prepared, tars *[]fileOutput) ([]bkclient.ExportEntry, error) {
	name := strings.Join(o.Tags, ",")
	var out []bkclient.ExportEntry
	pushed := false
	for _, x := range o.Outputs {
		attrs := maps.Clone(x.Attrs)
		if attrs == nil {
			attrs = map[string]string{}
		}
		e := bkclient.ExportEntry{Type: x.Type, Attrs: attrs}
		switch x.Type {
		case OutputOCI, OutputDocker, OutputImage:
			if attrs["name"] == "" && name != "" {
				attrs["name"] = name
			}
			if p.epoch >= 0 {
				if _, ok := attrs["rewrite-timestamp"]; !ok {
					attrs["rewrite-timestamp"] = "true"
				}
			}
		}
		switch x.Type {
		case OutputOCI, OutputDocker, OutputTar:
			dest, err := filepath.Abs(x.Dest)
			if err != nil {
				return nil, fmt.Errorf("output %s: %w", x.Dest, err)
			}
			t := &tarOutput{dest: dest}
			*tars = append(*tars, t)
			e.Output = t.open
		case OutputLocal:
			d, err := newDirOutput(x.Dest)
			if err != nil {
				return nil, err
			}
			*tars = append(*tars, d)
			e.OutputDir = d.tmp
		case OutputImage:
			if o.Push {
				attrs["push"] = "true"
			}
			if attrs["push"] == "true" {
				pushed = true
			}
		}
		out = append(out, e)
	}
	if (o.Push && !pushed) || (len(o.Outputs) == 0 && name != "") {
		attrs := map[string]string{"name": name}
		if o.Push {
			attrs["push"] = "true"
		}
		if p.epoch >= 0 {
			attrs["rewrite-timestamp"] = "true"
		}
		out = append(out, bkclient.ExportEntry{Type: OutputImage, Attrs: attrs})
	}
	if len(out) == 0 {
		// No output asked for: keep the image in the daemon (unnamed) so the
		// build still yields a digest.
		attrs := map[string]string{}
		if p.epoch >= 0 {
			attrs["rewrite-timestamp"] = "true"
		}
		out = append(out, bkclient.ExportEntry{Type: OutputImage, Attrs: attrs})
	}
	return out, nil
}

// dirOutput has the local exporter write into a temporary directory beside
// dest; commit swaps it into place (an existing dest is replaced whole, not
// merged), abort removes it.
type dirOutput struct {
	dest, tmp string
}

func newDirOutput(dest string) (*dirOutput, error) {
	dest, err := filepath.Abs(dest)
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", dest, err)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return nil, fmt.Errorf("creating output directory: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".partial-*")
	if err != nil {
		return nil, fmt.Errorf("creating output %s: %w", dest, err)
	}
	return &dirOutput{dest: dest, tmp: tmp}, nil
}

func (d *dirOutput) commit() error {
	if err := os.Chmod(d.tmp, 0o755); err != nil {
		return fmt.Errorf("writing output %s: %w", d.dest, err)
	}
	old := ""
	if _, err := os.Lstat(d.dest); err == nil {
		old = d.tmp + ".old"
		if err := os.Rename(d.dest, old); err != nil {
			return fmt.Errorf("replacing output %s: %w", d.dest, err)
		}
	}
	if err := os.Rename(d.tmp, d.dest); err != nil {
		if old != "" {
			os.Rename(old, d.dest)
		}
		return fmt.Errorf("writing output %s: %w", d.dest, err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

func (d *dirOutput) abort() { os.RemoveAll(d.tmp) }
