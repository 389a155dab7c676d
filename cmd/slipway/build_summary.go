package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/slipway/slipway/internal/atomicfile"
	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/textsafe"
)

// Keys of BuildKit's exporter response, as buildx and buildctl write them
// into --metadata-file.
const (
	metaImageDigest  = "containerimage.digest"
	metaConfigDigest = "containerimage.config.digest"
	metaImageName    = "image.name"
	// metaOutputs is slipway's own key: each image file written and the
	// digest `slipway verify` and `slipway scan` report for it.
	metaOutputs = "slipway.outputs"
)

// buildResultFlags are build's --metadata-file and --iidfile, as buildx
// has them.
type buildResultFlags struct {
	metadataFile string
	iidFile      string
}

func (r *buildResultFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&r.metadataFile, "metadata-file", "", "write the build's result as JSON to `FILE` (BuildKit's exporter response, as buildx writes it: containerimage.digest, image.name, ...)")
	fl.StringVar(&r.iidFile, "iidfile", "", "write the image ID to `FILE` (the config digest, as buildx does; else the image digest)")
}

// destination is one place a build put its result.
type destination struct {
	// Kind is file (an image tarball), fs (a filesystem tarball or
	// directory, not an image), registry or daemon (BuildKit's own store).
	Kind string `json:"-"`
	// Type is the exporter (oci, docker, tar, local, image).
	Type string `json:"type"`
	// Where is the file, the directory, or the image names.
	Where string `json:"dest,omitempty"`
	// Digest is, for an image file, the digest verify and scan report for
	// it: read back from the file (for a docker save, the manifest made
	// from its verified files, which is not BuildKit's manifest digest).
	Digest string `json:"digest,omitempty"`
}

// buildOutcome is what the summary, the metadata file and the iidfile say.
type buildOutcome struct {
	Dests []destination
	// Digest is the one digest printed on stdout: the first image file's,
	// else BuildKit's manifest (or index) digest.
	Digest string
	// Warnings say which image file could not be read back.
	Warnings []string
}

// fileDigest is the digest verify and scan report for an image file.
func fileDigest(ctx context.Context, p string) (string, error) {
	src, err := image.Open(ctx, p, image.Options{})
	if err != nil {
		return "", err
	}
	defer src.Close()
	h, err := src.Image.Digest()
	if err != nil {
		return "", err
	}
	return h.String(), nil
}

// outcome lists where o sent the image (following build's exporters: a
// tag without an output keeps a named image, --push pushes it) and reads
// each image file back for its digest.
func outcome(ctx context.Context, o build.Options, res *build.Result) *buildOutcome {
	out := &buildOutcome{}
	names := strings.Join(o.Tags, ",")
	pushed := false
	for _, x := range o.Outputs {
		d := destination{Type: x.Type, Where: x.Dest}
		switch x.Type {
		case build.OutputOCI, build.OutputDocker:
			d.Kind = "file"
			h, err := fileDigest(ctx, x.Dest)
			if err != nil {
				// The build succeeded and its file is in place: say why
				// its digest is missing rather than fail.
				out.Warnings = append(out.Warnings, fmt.Sprintf("reading back %s for its digest: %v", x.Dest, err))
			}
			d.Digest = h
		case build.OutputTar, build.OutputLocal:
			d.Kind = "fs"
		case build.OutputImage:
			d.Where = x.Attrs["name"]
			if d.Where == "" {
				d.Where = names
			}
			d.Kind = "daemon"
			if o.Push || x.Attrs["push"] == "true" {
				d.Kind, pushed = "registry", true
			}
		}
		out.Dests = append(out.Dests, d)
	}
	switch {
	case o.Push && !pushed:
		out.Dests = append(out.Dests, destination{Kind: "registry", Type: build.OutputImage, Where: names})
	case len(o.Outputs) == 0:
		out.Dests = append(out.Dests, destination{Kind: "daemon", Type: build.OutputImage, Where: names})
	}
	out.Digest = res.ImageDigest
	for _, d := range out.Dests {
		if d.Digest != "" {
			out.Digest = d.Digest
			break
		}
	}
	return out
}

// writeSummary says, on w, where the image went, its digest and what to
// run next.
func (b *buildOutcome) writeSummary(w io.Writer, res *build.Result) {
	fmt.Fprintln(w)
	if res.ImageDigest != "" {
		fmt.Fprintf(w, "built %s\n", b.Digest)
	} else {
		fmt.Fprintln(w, "built")
	}
	var next []string
	for _, d := range b.Dests {
		switch d.Kind {
		case "file":
			fmt.Fprintf(w, "  file      %s (%s), %s\n", printable(d.Where), d.Type, d.Digest)
			next = append(next, "slipway verify "+shellWord(d.Where), "slipway scan "+shellWord(d.Where))
			if d.Type == build.OutputDocker {
				next = append(next, "docker load -i "+shellWord(d.Where)+"   (or: podman load -i "+shellWord(d.Where)+")")
			} else {
				next = append(next, "podman load -i "+shellWord(d.Where)+"   (docker load takes -o type=docker)")
			}
		case "fs":
			fmt.Fprintf(w, "  files     %s (%s: the filesystem, not an image)\n", printable(d.Where), d.Type)
		case "registry":
			fmt.Fprintf(w, "  registry  %s (pushed)\n", printable(d.Where))
			for _, n := range strings.Split(d.Where, ",") {
				if n != "" {
					next = append(next, "slipway scan "+shellWord(n))
				}
			}
		case "daemon":
			where := "unnamed"
			if d.Where != "" {
				where = printable(d.Where)
			}
			fmt.Fprintf(w, "  daemon    %s, kept in BuildKit's image store (not pushed, no file)\n", where)
			next = append(next, "slipway build -o type=oci,dest=image.tar   (a file to verify and scan)")
			if d.Where != "" {
				next = append(next, "slipway build -t "+shellWord(strings.Split(d.Where, ",")[0])+" --push")
			}
		}
	}
	if len(next) > 0 {
		fmt.Fprintln(w, "next:")
		for _, n := range next {
			fmt.Fprintln(w, "  "+n)
		}
	}
}

// write writes --metadata-file and --iidfile, atomically.
func (r *buildResultFlags) write(b *buildOutcome, o build.Options, res *build.Result) error {
	if r.metadataFile != "" {
		meta := map[string]any{}
		for k, v := range res.Exporter {
			meta[k] = exporterValue(v)
		}
		if _, ok := meta[metaImageName]; !ok && len(o.Tags) > 0 {
			meta[metaImageName] = strings.Join(o.Tags, ",")
		}
		if _, ok := meta[metaImageDigest]; !ok && res.ImageDigest != "" {
			meta[metaImageDigest] = res.ImageDigest
		}
		var files []destination
		for _, d := range b.Dests {
			if d.Kind == "file" {
				files = append(files, d)
			}
		}
		if len(files) > 0 {
			meta[metaOutputs] = files
		}
		data, err := json.MarshalIndent(meta, "", "  ")
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(r.metadataFile, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	if r.iidFile != "" {
		id := res.Exporter[metaConfigDigest]
		if id == "" {
			id = res.ImageDigest
		}
		if id == "" {
			return fmt.Errorf("--iidfile %s: the build produced no image", r.iidFile)
		}
		if err := atomicfile.WriteFile(r.iidFile, []byte(id), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// exporterValue decodes what BuildKit sends base64-encoded JSON
// (containerimage.descriptor), as buildctl's --metadata-file does; other
// values stay strings.
func exporterValue(v string) any {
	if b, err := base64.StdEncoding.DecodeString(v); err == nil && json.Valid(b) && len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return json.RawMessage(b)
	}
	return v
}

// printable is s safe for a line of text on a terminal (textsafe).
func printable(s string) string { return textsafe.String(s) }

// shellWord quotes s for a POSIX shell when it needs it, so a printed
// command can be pasted.
func shellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@,=+%", r))
	}) < 0 {
		return s
	}
	if printable(s) != s { // control characters: bash's $'...' with escapes
		p := printable(strings.ReplaceAll(s, `\`, `\\`))
		return "$'" + strings.ReplaceAll(p, "'", `\'`) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
