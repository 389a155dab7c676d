package config

import "testing"

// The team file documented in docs/ must stay valid.
func TestDocumentedTeamFile(t *testing.T) {
	team, err := LoadTeam("../../docs/slipway-team.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if team.MinUID != 10000 || !team.RequireHealthcheck || team.Rules["SW202"] != "off" || len(team.AllowedBases) != 3 {
		t.Fatalf("decoded %+v", team)
	}
	if !team.AllowsBase("distroless-static", "gcr.io/distroless/static-debian12:nonroot") {
		t.Error("distroless-static should be allowed")
	}
	if team.AllowsBase("debian-slim", "docker.io/library/debian:bookworm-slim") {
		t.Error("debian-slim should be refused")
	}
}
