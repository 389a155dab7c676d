package rules

import "testing"

func TestImageRules(t *testing.T) {
	cat := Default()
	n := 0
	for _, r := range cat.All() {
		if r.Kind != KindImage {
			continue
		}
		n++
		if r.Why == "" || r.Example == "" {
			t.Errorf("%s: an image rule needs why and an example", r.ID)
		}
		if r.Fixable {
			t.Errorf("%s: lint --fix cannot fix an image", r.ID)
		}
	}
	// The image checks the issue names: user, healthcheck, setuid,
	// world-writable, secrets (env, history, files, .git, .env), caches,
	// shell in distroless, accounts, golden base.
	for _, id := range []string{"SW200", "SW202", "SW210", "SW211", "SW220", "SW221", "SW222", "SW223", "SW230", "SW231", "SW232", "SW240", "SW241", "SW250", "SW251"} {
		if r, ok := cat.Lookup(id); !ok || r.Kind != KindImage {
			t.Errorf("%s: missing or not an image rule", id)
		}
	}
	if n < 15 {
		t.Errorf("%d image rules", n)
	}
}
