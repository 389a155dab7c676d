package config_test

import (
	"fmt"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

func TestProjectCloneSharesNothing(t *testing.T) {
	p := config.Project{
		BuildCommand: []string{"make"}, Entrypoint: []string{"/app"}, Cmd: []string{"serve"},
		BuildPackages: []string{"gcc"}, RuntimeFiles: []string{"conf/"}, SharedPaths: []string{"/data"},
		Healthcheck: config.Healthcheck{Command: []string{"/app", "-health"}},
		Secrets:     []config.Secret{{ID: "npm_token"}},
		Labels:      map[string]string{"a": "1"}, Env: map[string]string{"B": "2"}, Pins: map[string]string{"img": "sha256:x"},
	}
	before := fmt.Sprintf("%#v", p)
	c := p.Clone()
	if got := fmt.Sprintf("%#v", c); got != before {
		t.Fatalf("clone differs:\n%s\n%s", got, before)
	}
	c.BuildCommand[0], c.Entrypoint[0], c.Cmd[0] = "x", "x", "x"
	c.BuildPackages[0], c.RuntimeFiles[0], c.SharedPaths[0] = "x", "x", "x"
	c.Healthcheck.Command[0], c.Secrets[0].ID = "x", "x"
	c.Labels["a"], c.Env["B"], c.Pins["img"] = "x", "x", "x"
	if got := fmt.Sprintf("%#v", p); got != before {
		t.Fatalf("changing the clone changed the original:\n%s\n%s", got, before)
	}
}
