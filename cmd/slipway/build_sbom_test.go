package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/build"
)

// --sbom attaches to OCI tarballs and pushed images; an output that cannot
// carry an attestation is refused before the build, never skipped.
func TestPlanSBOM(t *testing.T) {
	oci := build.Output{Type: build.OutputOCI, Dest: "a.tar"}
	for _, c := range []struct {
		o            build.Options
		files, refs  []string
		refuseSaying string
	}{
		{o: build.Options{Outputs: []build.Output{oci}}, files: []string{"a.tar"}},
		{o: build.Options{Outputs: []build.Output{oci}, Tags: []string{"r/x:1"}, Push: true}, files: []string{"a.tar"}, refs: []string{"r/x:1"}},
		{o: build.Options{Tags: []string{"r/x:1", "r/x:2"}, Push: true}, refs: []string{"r/x:1", "r/x:2"}},
		{o: build.Options{Outputs: []build.Output{{Type: build.OutputImage, Attrs: map[string]string{"name": "r/y:1", "push": "true"}}}}, refs: []string{"r/y:1"}},
		{o: build.Options{}, refuseSaying: "needs an OCI tarball output"},
		{o: build.Options{Outputs: []build.Output{{Type: "docker", Dest: "d.tar"}}}, refuseSaying: "type=docker cannot carry"},
		{o: build.Options{Outputs: []build.Output{oci, {Type: "local", Dest: "dir"}}}, refuseSaying: "type=local cannot carry"},
		{o: build.Options{Outputs: []build.Output{{Type: build.OutputImage, Attrs: map[string]string{"name": "r/y:1"}}}}, refuseSaying: "without push"},
	} {
		got, err := planSBOM(c.o)
		if c.refuseSaying != "" {
			if err == nil || !strings.Contains(err.Error(), c.refuseSaying) {
				t.Errorf("%+v: err = %v, want one saying %q", c.o, err, c.refuseSaying)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got.files, c.files) || !reflect.DeepEqual(got.refs, c.refs) {
			t.Errorf("%+v: %+v, %v; want files %v refs %v", c.o, got, err, c.files, c.refs)
		}
	}
}
