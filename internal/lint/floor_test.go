package lint

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

const floorRoot = `allowed_bases = ["distroless-static"]
min_uid = 10000
require_healthcheck = true
required_labels = ["org.opencontainers.image.source"]
[rules]
SW102 = "off"
SW104 = "info"
`

// cleanFloor is a Dockerfile at every floor of floorRoot.
const cleanFloor = `FROM golang:1.26 AS build
RUN true
FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.source="https://example.com/x"
HEALTHCHECK CMD ["/app", "-healthcheck"]
USER 65532:65532
ENTRYPOINT ["/app"]
`

// TestCheckFloors: a service whose own (empty) team file sits under a
// strict repository file is held to the repository's floors, whatever the
// Dockerfile says and whoever wrote it; severity overrides and
// slipway:ignore comments do not lift a floor.
func TestCheckFloors(t *testing.T) {
	repo := t.TempDir()
	write := func(p, s string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write(filepath.Join(repo, config.TeamFileName), floorRoot)
	svc := filepath.Join(repo, "svc")
	write(filepath.Join(svc, config.TeamFileName), "min_uid = 100\nrequire_healthcheck = false\n")
	repl := func(old, new string) string { return strings.Replace(cleanFloor, old, new, 1) }
	for _, tc := range []struct {
		name   string
		df     string
		args   map[string]string
		target string
		want   []string // keys gone below
	}{
		{"clean", cleanFloor, nil, "", nil},
		{"USER 0", repl("USER 65532:65532", "USER 0"), nil, "", []string{"min_uid"}},
		{"USER 00 suppressed", repl("USER 65532:65532", "# slipway:ignore SW102 -- fine by me\nUSER 00"), nil, "", []string{"min_uid"}},
		{"USER below min", repl("USER 65532:65532", "USER 1000"), nil, "", []string{"min_uid"}},
		{"USER from a build arg", repl("USER 65532:65532", "ARG U=65532\nUSER ${U}"), map[string]string{"U": "0"}, "", []string{"min_uid"}},
		{"USER from a build arg, clean", repl("USER 65532:65532", "ARG U=0\nUSER ${U}"), map[string]string{"U": "65532"}, "", nil},
		{"USER unresolvable", repl("USER 65532:65532", "USER ${UID}"), nil, "", []string{"min_uid"}},
		{"no USER", repl("USER 65532:65532\n", ""), nil, "", []string{"min_uid"}},
		{"base not allowed", repl("gcr.io/distroless/static-debian12:nonroot", "debian:bookworm-slim"), nil, "", []string{"allowed_bases"}},
		{"no healthcheck", repl("HEALTHCHECK CMD [\"/app\", \"-healthcheck\"]\n", ""), nil, "", []string{"require_healthcheck"}},
		{"no label", repl("LABEL org.opencontainers.image.source=\"https://example.com/x\"\n", ""), nil, "", []string{"required_labels"}},
		{"target is the build stage", cleanFloor, nil, "build", []string{"allowed_bases", "min_uid", "require_healthcheck", "required_labels"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			df := write(filepath.Join(svc, "Dockerfile"), tc.df)
			res, err := CheckFloors(context.Background(), FloorOptions{Dockerfile: df, ContextDir: svc, BuildArgs: tc.args, Target: tc.target})
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, f := range res.Below {
				if !slices.Contains(keys, f.Key) {
					keys = append(keys, f.Key)
				}
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tc.want) {
				t.Errorf("below %q, want %q:\n%s", keys, tc.want, res)
			}
			if len(res.Team.Warnings) != 2 {
				t.Errorf("the service's looser file gave warnings %q", res.Team.Warnings)
			}
		})
	}
	// No team file at all: nothing is a floor.
	free := t.TempDir()
	df := write(filepath.Join(free, "Dockerfile"), "FROM debian:bookworm-slim\nUSER 0\n")
	res, err := CheckFloors(context.Background(), FloorOptions{Dockerfile: df, ContextDir: free})
	if err != nil || len(res.Below) != 0 {
		t.Errorf("no team file: %v, %v", res, err)
	}
	// A missing target stage is an input error.
	if _, err := CheckFloors(context.Background(), FloorOptions{Dockerfile: write(filepath.Join(svc, "Dockerfile"), cleanFloor), ContextDir: svc, Target: "nope"}); err == nil || !strings.Contains(err.Error(), `no stage named "nope"`) {
		t.Errorf("missing target: %v", err)
	}
}

func TestPrintable(t *testing.T) {
	if got := printable("USER \x1b[2J0\n\xff ok é"); got != `USER \x1b[2J0\n\xff ok é` {
		t.Errorf("printable = %q", got)
	}
}
