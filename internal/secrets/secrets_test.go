package secrets

import (
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	for name, want := range map[string]bool{
		"GITHUB_TOKEN": true, "NPM_TOKEN": true, "DB_PASSWORD": true, "AWS_SECRET_ACCESS_KEY": true,
		"api_key": true, "Secret": true,
		"PATH": false, "GPG_KEY_FILE": false, "PUBLIC_KEY": false, "TOKEN_URL": false, "KEYBOARD": false,
		"MONKEY": false, "HOME": false,
	} {
		if got := Name(name); got != want {
			t.Errorf("Name(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestValueAndRedact(t *testing.T) {
	gh := "ghp_" + strings.Repeat("a1B2", 9)
	aws := "AKIA" + "ABCDEFGHIJKLMNOP"
	for v, want := range map[string]string{
		gh:                                       "a GitHub token",
		"id=" + aws:                              "an AWS access key id",
		"-----BEGIN RSA PRIVATE KEY-----\nMII":   "a private key",
		"https://bob:hunter22@git.example.com/x": "a password in a URL",
		"hello world":                            "",
		"https://git.example.com/x":              "",
		"-----BEGIN CERTIFICATE-----\nMII":       "",
	} {
		if got := Value(v); got != want {
			t.Errorf("Value(%q) = %q, want %q", v, got, want)
		}
	}
	r := Redact("TOKEN=" + gh + " url=https://bob:hunter22@git.example.com/x")
	if strings.Contains(r, gh) || strings.Contains(r, "hunter22") {
		t.Errorf("Redact left a secret: %s", r)
	}
	if !strings.Contains(r, "ghp_****") || !strings.Contains(r, "https://****@git.example.com") {
		t.Errorf("Redact lost the recognisable prefix: %s", r)
	}
}
