package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab/labtest"
)

// TestPythonFrameworks runs the corpus's FastAPI, Flask-under-gunicorn and
// Django services through `slipway init --yes`, `slipway build` against the
// lab and `slipway verify` (the same steps as TestCorpus): each must start
// under its production server (python -m uvicorn / python -m gunicorn on a
// shell-less base), answer its health endpoint and pass every check.
func TestPythonFrameworks(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	want := map[string]bool{"py-fastapi": true, "py-flask-gunicorn": true, "py-django": true}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	ran := 0
	for _, s := range loadCorpus(t) {
		if !want[s.Dir] {
			continue
		}
		ran++
		t.Run(s.Dir, func(t *testing.T) {
			if s.Expect != "runs" {
				t.Fatalf("%s: services.toml expects %q, want runs", s.Dir, s.Expect)
			}
			r := runCorpusService(ctx, t, env, s)
			if r.result != "PASS" {
				t.Fatalf("%s failed at %s: %s", s.Dir, r.step, r.detail)
			}
			t.Logf("%s: init, build, verify, lint and scan passed in %s", s.Dir, r.took.Round(100*time.Millisecond))
		})
	}
	if ran != len(want) {
		t.Fatalf("found %d of the %d Python framework services in services.toml", ran, len(want))
	}
}
