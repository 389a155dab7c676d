// Package providertest holds checks the language providers' detection tests
// share.
package providertest

import (
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/provider"
)

// SecretEnvs returns the environment variables of r's build secrets, in
// order, and fails t for a secret whose id is not its variable's lower-case
// name.
func SecretEnvs(t testing.TB, r *provider.Result) []string {
	t.Helper()
	var envs []string
	for _, s := range r.BuildSecrets {
		if s.ID != strings.ToLower(s.Env) {
			t.Errorf("secret %+v: id is not the variable's lower-case name", s)
		}
		envs = append(envs, s.Env)
	}
	return envs
}

// Said returns r's evidence and ambiguities as one text, and fails t when
// that text holds secret.
func Said(t testing.TB, r *provider.Result, secret string) string {
	t.Helper()
	all := strings.Join(r.Evidence, "\n") + strings.Join(r.Ambiguities, "\n")
	if strings.Contains(all, secret) {
		t.Errorf("a password reached the evidence:\n%s", all)
	}
	return all
}
