package initflow

import (
	"bytes"
	"slices"
	"testing"

	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/provider"
)

// TestFromDetectionRendersPlanValues: the plain values a provider reports
// (run command, native packages, build secrets) become the project, and the
// template renders them.
func TestFromDetectionRendersPlanValues(t *testing.T) {
	r := &detect.Result{
		Name: "svc", Language: "go", Main: ".", Port: 8080,
		Entrypoint:     []string{"/app/svc", "serve"},
		Cmd:            []string{"--verbose"},
		NativePackages: []string{"libsqlite3-dev"},
		BuildSecrets:   []provider.Secret{{ID: "netrc", Env: "NETRC"}},
	}
	p := fromDetection(r)
	if !slices.Equal(p.Entrypoint, r.Entrypoint) || !slices.Equal(p.Cmd, r.Cmd) || !slices.Equal(p.BuildPackages, r.NativePackages) ||
		len(p.Secrets) != 1 || p.Secrets[0].ID != "netrc" || p.Secrets[0].Env != "NETRC" {
		t.Fatalf("project %+v does not carry the detection's plan", p)
	}
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	out, err := generate.Render(set, &p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`ENTRYPOINT ["/app/svc", "serve"]`, `CMD ["--verbose"]`, "libsqlite3-dev", "id=netrc"} {
		if !bytes.Contains(out.Dockerfile, []byte(want)) {
			t.Errorf("Dockerfile lacks %q:\n%s", want, out.Dockerfile)
		}
	}
}
