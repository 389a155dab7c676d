package build

import "testing"

func TestParseAddr(t *testing.T) {
	for _, ok := range []string{"unix:///run/buildkit/buildkitd.sock", "tcp://127.0.0.1:1234", "tcp://[::1]:1234",
		"docker-container://buildx_buildkit_slipway0"} {
		if _, err := ParseAddr(ok); err != nil {
			t.Errorf("ParseAddr(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "bogus", "/run/buildkit.sock", "foo://bar", "tcp://", "tcp://host", "tcp://host:x",
		"tcp://host:70000", "tcp://:1234", "unix://", "docker-container://", "%zz"} {
		_, err := ParseAddr(bad)
		if err == nil || !IsInvalid(err) {
			t.Errorf("ParseAddr(%q) = %v, want an InvalidError", bad, err)
		}
	}
}
