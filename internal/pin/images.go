package pin

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/templates"
)

// placeholder stands in for an unpinned final base's digest while the
// Dockerfile is rendered to find its FROM lines: a base published only
// under a moving tag renders only when pinned.
const placeholder = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// Images renders p's Dockerfile and returns every image a FROM line pulls
// (not a stage name, not scratch), in file order, with the digest p pins
// it to (Old): the build stages' from [pins], the final base's from
// base_digest (or golden.lock).
func Images(set *templates.Set, p *config.Project, team *config.Team, dir string) ([]Image, error) {
	q := *p
	golden := strings.HasPrefix(q.Base, "golden:")
	if q.BaseDigest == "" && !golden {
		q.BaseDigest = placeholder
	}
	r, err := generate.ResolveIn(set, &q, team, dir)
	if err != nil {
		return nil, err
	}
	out, err := generate.RenderIn(set, &q, team, dir)
	if err != nil {
		return nil, err
	}
	froms, err := FromLines(out.Dockerfile)
	if err != nil {
		return nil, err
	}
	var images []Image
	for i, f := range froms {
		if f.Image == "" {
			continue
		}
		ref, dig, _ := strings.Cut(f.Image, "@")
		im := Image{Ref: ref, Stage: f.Stage}
		if i == len(froms)-1 {
			im.Final, im.Stage, im.Golden = true, "", golden
			if golden {
				im.Old = dig
			} else {
				im.Ref, im.Old = strings.SplitN(r.BaseRef, "@", 2)[0], p.BaseDigest
			}
		} else {
			im.Old = p.Pins[ref]
		}
		images = append(images, im)
	}
	return images, nil
}

// From is one FROM line: the image it pulls ("" for an earlier stage or
// scratch) and the stage name it starts.
type From struct {
	Line  int
	Image string
	Stage string
}

// FromLines reads the FROM lines of a Dockerfile with BuildKit's parser.
func FromLines(dockerfile []byte) ([]From, error) {
	res, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return nil, fmt.Errorf("parsing the generated Dockerfile: %w", err)
	}
	stages := map[string]bool{}
	var out []From
	for _, n := range res.AST.Children {
		if !strings.EqualFold(n.Value, "from") || n.Next == nil {
			continue
		}
		f := From{Line: n.StartLine, Image: n.Next.Value}
		if as := n.Next.Next; as != nil && strings.EqualFold(as.Value, "as") && as.Next != nil {
			f.Stage = strings.ToLower(as.Next.Value)
		}
		if strings.Contains(f.Image, "$") {
			return nil, fmt.Errorf("line %d: FROM %s names a build argument; slipway pins only literal images", f.Line, f.Image)
		}
		if stages[strings.ToLower(f.Image)] || strings.EqualFold(f.Image, "scratch") {
			f.Image = ""
		}
		if f.Stage != "" {
			stages[f.Stage] = true
		}
		out = append(out, f)
	}
	return out, nil
}

// SetTable replaces the body of a [name] table of key = "value" lines with
// entries (sorted by key), keeping every other line as it was; a missing
// table is appended, and an empty entries removes the table.
func SetTable(src []byte, name string, entries map[string]string) ([]byte, error) {
	lines, err := splitLines(src)
	if err != nil {
		return nil, err
	}
	header := "[" + name + "]"
	start, end := -1, len(lines)
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "[") {
			continue
		}
		if start >= 0 {
			end = i
			break
		}
		if t == header || strings.HasPrefix(t, header+" ") || strings.HasPrefix(t, header+"#") {
			start = i
		}
	}
	keys := slices.Sorted(maps.Keys(entries))
	var body []string
	if len(keys) > 0 {
		body = append(body, header)
		for _, k := range keys {
			body = append(body, strconv.Quote(k)+" = "+strconv.Quote(entries[k]))
		}
	}
	if start < 0 {
		if len(body) == 0 {
			return src, nil
		}
		for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
			lines = lines[:len(lines)-1]
		}
		lines = append(append(lines, ""), body...)
		return []byte(strings.Join(lines, "\n") + "\n"), nil
	}
	// Keep comments and blank lines at the end of the old table with the
	// next one.
	for end > start+1 && (strings.TrimSpace(lines[end-1]) == "" || strings.HasPrefix(strings.TrimSpace(lines[end-1]), "#")) {
		end--
	}
	tail := append([]string(nil), lines[end:]...)
	if len(body) > 0 && len(tail) > 0 && strings.TrimSpace(tail[0]) != "" {
		body = append(body, "")
	}
	if len(body) == 0 {
		for len(tail) > 0 && strings.TrimSpace(tail[0]) == "" {
			tail = tail[1:]
		}
	}
	lines = append(append(lines[:start], body...), tail...)
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}
