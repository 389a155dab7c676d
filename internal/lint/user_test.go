package lint

import (
	"context"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

// TestUserSpellings lints a final stage ending in each USER and checks the
// user rules it reports: root under any spelling is SW102, variables are
// resolved through ARG defaults and ENV, an unresolvable value is SW105 of
// its own, and min_uid compares the uid the runtime gets.
func TestUserSpellings(t *testing.T) {
	team := &config.Team{MinUID: 10000}
	for _, tc := range []struct {
		name, body string
		args       map[string]string
		want       string // the one user rule expected, "" for none
		msg        string
	}{
		{"plain root", "USER 0", nil, "SW102", "runs as root"},
		{"double zero", "USER 00", nil, "SW102", `"00" is uid 0`},
		{"plus zero", "USER +0", nil, "SW102", `"+0" is uid 0`},
		{"minus zero", "USER -0:0", nil, "SW102", `"-0" is uid 0`},
		{"wraps to zero", "USER 4294967296", nil, "SW102", "wraps around to uid 0"},
		{"root name", "USER root:root", nil, "SW102", "root"},
		{"empty user part", "USER :10001", nil, "SW102", "image default"},
		{"arg default root", "ARG U=0\nUSER ${U}", nil, "SW102", "${U} (0)"},
		{"arg default spelled", "ARG U=00\nUSER $U:$U", nil, "SW102", `"00" is uid 0`},
		{"default syntax", "USER ${U:-0}", nil, "SW102", "runs as root"},
		{"env root", "ENV APP_UID=+0\nUSER ${APP_UID}", nil, "SW102", `"+0"`},
		{"env from arg", "ARG BASE=0\nENV APP_UID=${BASE}0\nUSER ${APP_UID}", nil, "SW102", `"00"`},
		{"env beats arg", "ARG U=20000\nENV U=0\nUSER $U", nil, "SW102", "root"},
		{"global arg redeclared", "ARG U\nUSER $U", nil, "SW102", "root"}, // the global ARG U=0 below
		{"build arg overrides default", "ARG U=20000\nUSER $U", map[string]string{"U": "0"}, "SW102", "root"},
		{"unresolvable", "USER ${APP_UID}", nil, "SW105", "APP_UID with no value"},
		{"bare arg no default", "ARG NOPE\nUSER $NOPE", nil, "SW105", "NOPE"},
		{"two colons", "USER 1:2:3", nil, "SW105", "more than one"},
		{"below min", "USER 100", nil, "SW104", "uid 100, below the team's min_uid 10000"},
		{"below min spelled", "USER 0100", nil, "SW104", "uid 100"},
		{"wraps below min", "USER 4294967396", nil, "SW104", "uid 100"},
		{"arg below min", "ARG U=10001\nUSER $U", map[string]string{"U": "999"}, "SW104", "uid 999"},
		{"name", "USER app", nil, "SW103", "is a name"},
		{"clean", "USER 65532:65532", nil, "", ""},
		{"clean from arg", "ARG U=65532\nUSER ${U}:${U}", nil, "", ""},
		{"clean leading zero above min", "USER 065532", nil, "", ""},
		{"clean env from parent", "", nil, "", ""}, // see below: ENV in a parent stage
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "ARG U=0\nFROM gcr.io/distroless/static-debian12@sha256:" + strings.Repeat("a", 64) + "\n" + tc.body + "\nENTRYPOINT [\"/app\"]\n"
			if tc.name == "clean env from parent" {
				src = "FROM gcr.io/distroless/static-debian12@sha256:" + strings.Repeat("a", 64) + " AS base\nENV APP_UID=65532\n" +
					"FROM base\nUSER ${APP_UID}\nENTRYPOINT [\"/app\"]\n"
			}
			res, err := Check(context.Background(), Input{Path: "Dockerfile", Data: []byte(src)}, Options{Team: team, NoBuildKit: true, BuildArgs: tc.args})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var msg string
			for _, f := range res.Findings {
				switch f.RuleID {
				case "SW101", "SW102", "SW103", "SW104", "SW105":
					got = append(got, f.RuleID)
					msg = f.Message
				}
			}
			if tc.want == "" {
				if len(got) > 0 {
					t.Errorf("%q: want no user finding, got %v: %s", tc.body, got, msg)
				}
				return
			}
			if len(got) != 1 || got[0] != tc.want || !strings.Contains(msg, tc.msg) {
				t.Errorf("%q: got %v %q, want %s saying %q", tc.body, got, msg, tc.want, tc.msg)
			}
		})
	}
}
