package config

import (
	"strings"
	"testing"
)

// TestEnvValueLooksLikeCredential: an [env] value shaped like a credential
// is refused whatever its name, with the file, line and key, and without
// the value.
func TestEnvValueLooksLikeCredential(t *testing.T) {
	token := "xoxb-" + strings.Repeat("9", 12) + "-abcdefghijkl"
	src := "name = \"svc\"\nlanguage = \"go\"\n\n[env]\nLOG_LEVEL = \"info\"\nSLACK_HOOK = \"" + token + "\"\n"
	_, err := Parse("slipway.toml", []byte(src))
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "env.SLACK_HOOK") || !strings.Contains(msg, "looks like a Slack token") || strings.Contains(msg, token) {
		t.Errorf("error: %s", msg)
	}
	if strings.Contains(msg, "LOG_LEVEL") {
		t.Errorf("a plain value is refused: %s", msg)
	}
}
