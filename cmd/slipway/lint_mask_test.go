package main

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
)

// `slipway lint` on a Dockerfile with a credential in ENV (and in ARG,
// LABEL and RUN) prints no run of six characters of it, whatever the
// format, on stdout or stderr; the command still reports the finding (exit 1).
func TestLintCommandPrintsNoCredential(t *testing.T) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	secret := "Zq" + hex.EncodeToString(b) // 42 characters, like an AWS secret key
	df := writeFile(t, t.TempDir(), "Dockerfile", "FROM debian:bookworm-slim\n"+
		"ENV AWS_SECRET_ACCESS_KEY="+secret+"\n"+
		"ARG DEPLOY_TOKEN="+secret+"\n"+
		"label db.password="+secret+"\n"+
		"RUN DB_PASSWORD="+secret+" cd /srv && true\n"+
		"USER 65532\nCMD [\"/a\"]\n")
	for _, format := range []string{"text", "json", "sarif"} {
		code, stdout, stderr := slipway(t, "lint", "--format", format, df)
		if code != exitFailure {
			t.Errorf("%s: exit %d, want 1 (SW130)", format, code)
		}
		if !strings.Contains(stdout, "SW130") || !strings.Contains(stdout, "AWS_SECRET_ACCESS_KEY=****") {
			t.Errorf("%s: the finding or its masked source is missing:\n%s", format, stdout)
		}
		out := stdout + stderr
		for i := 0; i+6 <= len(secret); i++ {
			if strings.Contains(out, secret[i:i+6]) {
				t.Errorf("%s: %q of the credential is printed:\n%s", format, secret[i:i+6], out)
				break
			}
		}
	}
}
