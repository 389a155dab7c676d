package lint

import (
	"context"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

// TestAllowedBasesByParts lints FROM lines against allowed_bases and
// allowed_registries: a key pattern never matches an explicit reference,
// and registries match by host, port and path segment.
func TestAllowedBasesByParts(t *testing.T) {
	bases := &config.Team{AllowedBases: []string{"distroless-*"}}
	regs := &config.Team{AllowedRegistries: []string{"registry.example.com"}}
	for _, tc := range []struct {
		team *config.Team
		from string
		want bool // SW113 reported
	}{
		{bases, "distroless-evil:1.0", true},
		{bases, "docker.io/library/distroless-evil:1.0", true},
		{bases, "gcr.io/distroless/static-debian12:nonroot", false}, // the catalogue's distroless-static
		{regs, "registry.example.com.evil.net/x:1", true},
		{regs, "registry.example.com:9999/x:1", true},
		{regs, "evil.net/registry.example.com/x:1", true},
		{regs, "registry.example.com/x:1", false},
		{regs, "registry.example.com/team/x:1", false},
	} {
		src := "FROM " + tc.from + "\nUSER 65532\nENTRYPOINT [\"/app\"]\n"
		res, err := Check(context.Background(), Input{Path: "Dockerfile", Data: []byte(src)}, Options{Team: tc.team, NoBuildKit: true})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, f := range res.Findings {
			got = got || f.RuleID == "SW113"
		}
		if got != tc.want {
			t.Errorf("FROM %s with %+v: SW113 %v, want %v", tc.from, tc.team, got, tc.want)
		}
	}
}
