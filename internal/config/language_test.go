package config

import (
	"strings"
	"testing"
)

// TestLanguageOnlyKeysRefused: a key that only some providers honour, and a
// value the provider cannot honour, are refused with the key and what to do.
func TestLanguageOnlyKeysRefused(t *testing.T) {
	for _, c := range []struct {
		p    Project
		want string
	}{
		{Project{Name: "a", Language: "node", CGO: true}, "cgo: only go builds use cgo; remove it for node"},
		{Project{Name: "a", Language: "java", Main: "com.example.Main"}, `main: "com.example.Main" is not a jar`},
	} {
		err := c.p.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.p, err, c.want)
		}
	}
	for _, p := range []Project{{Name: "a", Language: "go", CGO: true}, {Name: "a", Language: "java", Main: "api-1.0.jar"}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}
