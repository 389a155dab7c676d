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

// TestValueShapes holds one made-up value of every credential shape that
// `slipway build` refuses as a build arg, and near misses that are not
// credentials.
func TestValueShapes(t *testing.T) {
	b64 := strings.Repeat("AbC1dE2f", 8)
	for v, want := range map[string]string{
		"ghp_" + strings.Repeat("x1Y2", 9):                        "a GitHub token",
		"gho_" + strings.Repeat("x1Y2", 9):                        "a GitHub token",
		"ghs_" + strings.Repeat("x1Y2", 9):                        "a GitHub token",
		"github_pat_11ABCDEFG0" + strings.Repeat("aB3_", 16):      "a GitHub token",
		"AKIA" + "Q2W3E4R5T6Y7U8I9":                               "an AWS access key id",
		"ASIA" + "Q2W3E4R5T6Y7U8I9":                               "an AWS access key id",
		"xoxb-123456789012-abcdefghijkl":                          "a Slack token",
		"xoxe-1-abcdefghijklmnop":                                 "a Slack token",
		"glpat-" + "abcdefghij0123456789":                         "a GitLab token",
		"npm_" + strings.Repeat("a1B2", 9):                        "an npm token",
		"pypi-AgEIcHlwaS5vcmc" + b64:                              "a PyPI token",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + b64: "a JSON Web Token",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl":               "a private key",
		"-----BEGIN EC PRIVATE KEY-----":                          "a private key",
		"AIza" + strings.Repeat("B", 35):                          "a Google API key",
		"sk_live_" + strings.Repeat("4eC39HqL", 3):                "a Stripe live key",
		"postgres://app:s3cr3tpw@db.example.com:5432/app":         "a password in a URL",
		"1.26":                            "",
		"https://proxy.golang.org,direct": "",
		"pypi-simple":                     "",
		"eyJhbGciOiJIUzI1NiJ9":            "",
		"sk_test_" + strings.Repeat("4eC39HqL", 3):    "",
		"https://${USER}:${PASSWORD}@git.example.com": "",
		"sha256:" + strings.Repeat("ab", 32):          "",
	} {
		if got := Value(v); got != want {
			t.Errorf("Value(%.30q...) = %q, want %q", v, got, want)
		}
	}
}

func TestValues(t *testing.T) {
	got := Values(map[string]string{
		"GH":      "ghp_" + strings.Repeat("x1Y2", 9),
		"VERSION": "1.2.3",
		"AWS":     "AKIA" + "Q2W3E4R5T6Y7U8I9",
	})
	want := []Match{{"AWS", "an AWS access key id"}, {"GH", "a GitHub token"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Values = %v, want %v", got, want)
	}
}

func TestFile(t *testing.T) {
	for _, p := range []string{
		"nested/secret.pem", "nested/.aws/credentials", "nested/.npmrc", ".netrc", ".pypirc", ".docker/config.json",
		".ssh/config", "sub/.git/config", ".git-credentials", ".kube/config", ".envrc", ".env.local", "terraform.tfstate",
		"infra/terraform.tfstate.backup", ".vault-token", "credentials.json", "deploy/my-project-service-account.json",
		"gcp_sa-key.json", "k8s/secrets.yaml", "home/.ssh/id_ed25519", "tls/server.key", "a/b/.cargo/credentials.toml",
		".m2/settings.xml", ".config/gcloud/application_default_credentials.json", "x/kubeconfig", ".terraformrc",
	} {
		if File(p) == "" {
			t.Errorf("File(%q) = \"\", want a credential", p)
		}
	}
	for _, p := range []string{
		"main.go", "certs/ca.pem", "deploy/ca-bundle.pem", "tls/server.crt", ".ssh/id_ed25519.pub", "keys.go",
		"config/settings.xml", ".docker/nginx.conf", "package.json", "src/config", "docs/secrets.md", "node_modules/x/index.js",
		"monkey.txt", "tokenizer.json",
	} {
		if what := File(p); what != "" {
			t.Errorf("File(%q) = %q, want no credential", p, what)
		}
	}
}
