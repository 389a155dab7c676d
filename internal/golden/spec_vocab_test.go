package golden

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

// A golden healthcheck is read with config's duration reader, the one
// slipway.toml uses: what BuildKit would refuse (under 1ms, a bare number)
// is refused at validation, naming the file, the line and the key.
func TestGoldenHealthcheckDurationsUseConfigsReader(t *testing.T) {
	for _, tc := range []struct {
		val, want string
		ok        bool
	}{
		{`"100us"`, "from 1ms to 24h", false},
		{`"30"`, "has no unit", false},
		{`"25h"`, "from 1ms to 24h", false},
		{`"1ms"`, "", true},
		{`"30s"`, "", true},
	} {
		spec := minimalSpec + "\n[healthcheck]\ncommand = [\"/bin/true\"]\ninterval = " + tc.val + "\n"
		dir := writeSpecs(t, map[string]string{"base.toml": spec})
		file := filepath.Join(dir, "base.toml")
		_, err := Load(file)
		if tc.ok {
			if err != nil {
				t.Errorf("interval = %s: %v", tc.val, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("interval = %s accepted", tc.val)
			continue
		}
		fes := fieldErrors(t, err)
		if len(fes) != 1 || fes[0].Key != "healthcheck.interval" || fes[0].File != file || fes[0].Line != 10 {
			t.Errorf("interval = %s: %+v, want one healthcheck.interval problem at %s:10", tc.val, fes, file)
			continue
		}
		_, want := config.ParseDuration(strings.Trim(tc.val, `"`))
		if want == nil || !strings.Contains(err.Error(), want.Error()) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("interval = %s: %q does not carry config's message %v", tc.val, err, want)
		}
		if !strings.Contains(err.Error(), file+":10: healthcheck.interval") {
			t.Errorf("interval = %s: %q does not start with file:line: field", tc.val, err)
		}
	}
}

// Exec-form commands of a golden spec follow slipway.toml's rules too: a
// command longer than config allows is refused, naming the key.
func TestGoldenExecUsesConfigsRules(t *testing.T) {
	long := `["/bin/echo", "` + strings.Repeat("x", 17<<10) + `"]`
	spec := strings.Replace(minimalSpec, "[user]", "entrypoint = "+long+"\n\n[user]", 1)
	dir := writeSpecs(t, map[string]string{"base.toml": spec})
	_, err := Load(filepath.Join(dir, "base.toml"))
	if err == nil {
		t.Fatal("a 17 KiB entrypoint was accepted")
	}
	fes := fieldErrors(t, err)
	if len(fes) != 1 || fes[0].Key != "entrypoint" || !strings.Contains(fes[0].Msg, "at most 16384") {
		t.Errorf("problems = %+v, want one on entrypoint saying at most 16384 bytes", fes)
	}
}
