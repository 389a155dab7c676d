package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab/labtest"
)

// TestNodeServices is the Node provider's own end-to-end test over the
// corpus (issue 9, classes 2, 5, 7 and 9): `slipway init --yes`, then build
// against the lab and verify under runc, for a package that is itself a
// native addon (node-binding-gyp: binding.gyp compiled in the build stage
// with the compilers init added), a dependency compiled by node-gyp
// (bcrypt), an Express app started by `npm start`, a Next.js app run with
// `next start`, and an .npmrc token given as a secret; and init's refusals
// of a missing lock file (a static single-page app is the static provider's
// now: TestCorpus builds vite-react-spa). Each must end as the
// corpus manifest expects, through the same steps as TestCorpus.
func TestNodeServices(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	want := map[string]string{
		"node-binding-gyp":    "PASS",
		"node-auth-bcrypt":    "PASS",
		"node-express-heroku": "PASS",
		"nextjs-hello":        "PASS",
		"node-npmrc-token":    "PASS",
		"node-no-lockfile":    "REFUSED (as meant)",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	slipwayBinary(t)
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	seen := 0
	for _, s := range loadCorpus(t) {
		w, ok := want[s.Dir]
		if !ok {
			continue
		}
		seen++
		t.Run(s.Dir, func(t *testing.T) {
			r := runCorpusService(ctx, t, env, s)
			if r.result != w {
				t.Errorf("%s: %s at %s, want %s: %s", s.Dir, r.result, r.step, w, r.detail)
			}
			t.Logf("%s: %s in %s", s.Dir, r.result, r.took.Round(100*time.Millisecond))
		})
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d services in the corpus manifest", seen, len(want))
	}
}
