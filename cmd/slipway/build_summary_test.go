package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// After a build to a docker save file, through the real buildkitd: stdout
// has the digest that `slipway scan` (and verify, which reads images the
// same way) reports for that file, not BuildKit's own manifest digest; the
// summary on stderr names the file and the next commands; --metadata-file
// holds BuildKit's exporter response as buildx writes it, with image.name;
// --iidfile holds the config digest.
func TestBuildSummaryAndResultFilesLab(t *testing.T) {
	l := labtest.Require(t)
	dir := writeFiles(t, map[string]string{
		"Dockerfile": "FROM scratch\nCOPY hello.txt /\n",
		"hello.txt":  "hello summary\n",
	})
	work := t.TempDir()
	dest := filepath.Join(work, "img.tar")
	meta := filepath.Join(work, "meta.json")
	iid := filepath.Join(work, "iid")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code, out, msg := runBuild(t, ctx, dir, "--addr", l.BuildkitHost, "--progress", "plain", "-t", "lab.local/summary:1",
		"-o", "type=docker,dest="+dest, "--metadata-file", meta, "--iidfile", iid, "--source-date-epoch", "1700000000")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, msg)
	}
	digest := strings.TrimSpace(out)
	if !strings.HasPrefix(digest, "sha256:") || strings.Contains(digest, "\n") {
		t.Fatalf("stdout = %q, want one digest line", out)
	}

	var m map[string]any
	b, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("metadata file: %v\n%s", err, b)
	}
	bkDigest, _ := m["containerimage.digest"].(string)
	if !strings.HasPrefix(bkDigest, "sha256:") || m["image.name"] != "lab.local/summary:1" {
		t.Errorf("metadata lacks containerimage.digest or image.name:\n%s", b)
	}
	if _, ok := m["containerimage.descriptor"].(map[string]any); !ok {
		t.Errorf("containerimage.descriptor is not decoded JSON:\n%s", b)
	}
	outs, _ := m["slipway.outputs"].([]any)
	if len(outs) != 1 || !strings.Contains(string(b), `"digest": "`+digest+`"`) {
		t.Errorf("slipway.outputs does not give the file's digest %s:\n%s", digest, b)
	}
	t.Logf("BuildKit's manifest digest %s; the docker save's as verify and scan read it %s", bkDigest, digest)

	id, err := os.ReadFile(iid)
	if err != nil || string(id) != m["containerimage.config.digest"] {
		t.Errorf("iidfile = %q (%v), want the config digest %v", id, err, m["containerimage.config.digest"])
	}

	for _, w := range []string{"built " + digest, "file      " + dest + " (docker), " + digest,
		"slipway verify " + dest, "slipway scan " + dest, "docker load -i " + dest, "podman load -i " + dest} {
		if !strings.Contains(msg, w) {
			t.Errorf("summary lacks %q:\n%s", w, msg)
		}
	}

	// scan reports the same digest for the file.
	code, sout, serr := runLint(t, "", "scan", "--format", "json", dest)
	if code == exitUsage || !strings.Contains(serr, dest+": "+digest+",") {
		t.Errorf("scan: exit %d; its report does not name %s:\n%s%s", code, digest, sout, serr)
	}
}

// The summary of a build with no file: a push names the registry, no
// output keeps the image in BuildKit's store and says how to get a file.
func TestBuildSummaryDestinations(t *testing.T) {
	res := &build.Result{ImageDigest: "sha256:" + strings.Repeat("a", 64)}
	for _, c := range []struct {
		o    build.Options
		want []string
	}{
		{build.Options{Tags: []string{"registry.example.com/api:1"}, Push: true},
			[]string{"registry  registry.example.com/api:1 (pushed)", "slipway scan registry.example.com/api:1"}},
		{build.Options{},
			[]string{"daemon    unnamed, kept in BuildKit's image store", "slipway build -o type=oci,dest=image.tar"}},
		{build.Options{Outputs: []build.Output{{Type: build.OutputLocal, Dest: "root fs"}}},
			[]string{"files     root fs (local: the filesystem, not an image)"}},
	} {
		sum := outcome(context.Background(), c.o, res)
		var w bytes.Buffer
		sum.writeSummary(&w, res)
		for _, s := range c.want {
			if !strings.Contains(w.String(), s) {
				t.Errorf("%+v: summary lacks %q:\n%s", c.o, s, w.String())
			}
		}
		if sum.Digest != res.ImageDigest {
			t.Errorf("digest %s, want BuildKit's %s when no file was written", sum.Digest, res.ImageDigest)
		}
	}
	for in, want := range map[string]string{"out/api.tar": "out/api.tar", "a b'c": `'a b'\''c'`, "a\x1b[2J\\b": `$'a\x1b[2J\\b'`} {
		if got := shellWord(in); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", in, got, want)
		}
	}
}
