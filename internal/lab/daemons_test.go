package lab

import (
	"strings"
	"testing"
)

// The pool's extra daemons share only the registry with the first one:
// their root, socket and OpenTelemetry socket are their own, and they keep
// a small cache.
func TestExtraDaemonConfigSharesOnlyTheRegistry(t *testing.T) {
	p := paths{"/lab"}
	first := buildkitdConfig(p, "127.0.0.1:5000")
	for _, i := range []int{2, 3} {
		c := extraDaemonConfig(p, i, "127.0.0.1:5000")
		d := p.daemon(i).root
		for _, want := range []string{
			`root = "` + d + `/buildkit"`,
			`address = ["unix://` + d + `/buildkitd.sock"]`,
			`socketPath = "` + d + `/otel-grpc.sock"`,
			`gckeepstorage = "` + extraGCKeep + `"`,
			`[registry."docker.io"]` + "\n  mirrors = [\"127.0.0.1:5000\"]",
		} {
			if !strings.Contains(c, want) {
				t.Errorf("daemon %d config lacks %q:\n%s", i, want, c)
			}
		}
		for _, shared := range []string{`root = "/lab/buildkit"`, "unix:///lab/buildkitd.sock", `"20GB"`} {
			if strings.Contains(c, shared) {
				t.Errorf("daemon %d config shares %q with the first daemon", i, shared)
			}
		}
	}
	if !strings.Contains(first, `root = "/lab/buildkit"`) {
		t.Errorf("first daemon's config changed:\n%s", first)
	}
	if got := p.daemonSocket(1); got != "/lab/buildkitd.sock" {
		t.Errorf("daemonSocket(1) = %s", got)
	}
}

func TestDaemonNames(t *testing.T) {
	if daemonName(1) != "buildkitd" || daemonName(3) != "buildkitd-3" {
		t.Fatalf("names: %s %s", daemonName(1), daemonName(3))
	}
	if procBinaryOf("buildkitd-3") != "buildkitd" || procBinaryOf("registry") != labBinaryName {
		t.Fatal("procBinaryOf")
	}
}
