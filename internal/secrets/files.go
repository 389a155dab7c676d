package secrets

import (
	"path"
	"strings"
)

// File names what a file at rel (a slash-separated path inside a build
// context or source tree) probably holds when its name is one that
// credentials are kept under ("a private key", "AWS credentials"), or
// returns "". It looks at the name only: `slipway build` uses it to warn,
// before sending a context, about every such file the .dockerignore lets
// through. It knows the names the generated .dockerignore keeps out
// (templates/_shared/dockerignore-secrets.tmpl), and lets the public CA
// certificate names that file lets in pass.
func File(rel string) string {
	p := strings.TrimPrefix(path.Clean("/"+rel), "/")
	base := path.Base(p)
	lower := strings.ToLower(base)
	dirs := "/" + path.Dir(p) + "/"
	in := func(d string) bool { return strings.Contains(dirs, "/"+d+"/") }
	switch {
	case base == ".env" || strings.HasPrefix(base, ".env.") || base == ".envrc":
		return "an environment file"
	case in(".ssh") && !strings.HasSuffix(base, ".pub") && base != "known_hosts":
		return "SSH configuration or keys"
	case strings.HasPrefix(base, "id_rsa") || strings.HasPrefix(base, "id_dsa") || strings.HasPrefix(base, "id_ecdsa") || strings.HasPrefix(base, "id_ed25519"):
		if strings.HasSuffix(base, ".pub") {
			return ""
		}
		return "an SSH private key"
	case strings.HasSuffix(lower, ".pem"):
		switch lower {
		case "ca.pem", "cacert.pem", "ca-bundle.pem", "ca-certificates.pem":
			return ""
		}
		return "a PEM file (private keys are often .pem)"
	case hasSuffix(lower, ".key", ".p12", ".pfx", ".jks", ".keystore"):
		return "a private key or key store"
	case base == ".npmrc" || base == ".pypirc" || base == ".netrc" || base == "_netrc":
		return "package registry credentials (" + base + ")"
	case base == ".git-credentials":
		return "git credentials"
	case base == "config" && strings.HasSuffix(dirs, "/.git/"):
		return "a git config (remote URLs may hold tokens)"
	case in(".aws"):
		return "AWS credentials"
	case in(".azure"):
		return "Azure credentials"
	case strings.Contains(dirs, "/.config/gcloud/"):
		return "Google Cloud credentials"
	case base == "config.json" && strings.HasSuffix(dirs, "/.docker/"):
		return "Docker registry credentials"
	case in(".kube") || base == "kubeconfig":
		return "a Kubernetes config"
	case (base == "credentials" || base == "credentials.toml") && strings.HasSuffix(dirs, "/.cargo/"):
		return "Cargo registry credentials"
	case (base == "settings.xml" || base == "settings-security.xml") && strings.HasSuffix(dirs, "/.m2/"):
		return "Maven credentials"
	case lower == "credentials.json" || strings.HasSuffix(lower, ".json") &&
		(strings.Contains(lower, "service-account") || strings.Contains(lower, "service_account") || strings.Contains(lower, "sa-key")):
		return "a credentials or service-account key file"
	case base == ".vault-token":
		return "a Vault token"
	case strings.HasSuffix(lower, ".tfstate") || strings.Contains(lower, ".tfstate."):
		return "Terraform state (it holds resources' secrets in clear)"
	case in(".terraform") || base == ".terraformrc" || base == "terraform.rc":
		return "Terraform credentials or state"
	case lower == "secrets.yaml" || lower == "secrets.yml" || lower == "secrets.json":
		return "a secrets file"
	case base == ".htpasswd":
		return "password hashes"
	}
	return ""
}

func hasSuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
