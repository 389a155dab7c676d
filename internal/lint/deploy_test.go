package lint

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const weakCompose = `services:
  api:
    image: hello@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    privileged: true
    cap_add: [NET_ADMIN]
  worker:
    image: hello@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true", "seccomp=unconfined"]
  good:
    image: hello@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true", "seccomp=seccomp.json"]
`

const weakKube = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: hello
        securityContext:
          capabilities:
            add: [SYS_ADMIN]
`

// TestLintDeployFiles: SW170 names each weaker setting, with the line of
// its service or container, and nothing for a hardened service.
func TestLintDeployFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"compose.yaml": weakCompose, "k8s.yml": weakKube} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := checkDeployFile(context.Background(), filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	lines := map[string]int{}
	for _, f := range fs {
		if f.RuleID != "SW170" {
			t.Errorf("rule %s", f.RuleID)
		}
		where, what, _ := strings.Cut(f.Message, ": ")
		got[where] = append(got[where], what)
		lines[where] = f.Line
	}
	want := map[string][]string{
		"services.api":    {"privileged", "cap_add: NET_ADMIN", "cap_drop", "read_only", "no seccomp", "no-new-privileges"},
		"services.worker": {"seccomp=unconfined"},
	}
	for where, ws := range want {
		all := strings.Join(got[where], " | ")
		for _, w := range ws {
			if !strings.Contains(all, w) {
				t.Errorf("%s: no finding about %q in %q", where, w, all)
			}
		}
	}
	if len(got["services.worker"]) != 1 || len(got["services.good"]) != 0 {
		t.Errorf("findings %v", got)
	}
	if lines["services.api"] != 2 || lines["services.worker"] != 6 {
		t.Errorf("lines %v", lines)
	}

	fs, err = checkDeployFile(context.Background(), filepath.Join(dir, "k8s.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, f := range fs {
		msgs = append(msgs, f.Message)
		if f.Line != 13 {
			t.Errorf("line %d, want 13 (the container): %s", f.Line, f.Message)
		}
	}
	all := strings.Join(msgs, "\n")
	for _, w := range []string{"capabilities.add: SYS_ADMIN", "allowPrivilegeEscalation", "drop ALL", "readOnlyRootFilesystem", "no seccompProfile"} {
		if !strings.Contains(all, w) {
			t.Errorf("no finding about %q in:\n%s", w, all)
		}
	}

	// Through `slipway lint`: the run fails at the default threshold.
	res, err := Run(context.Background(), RunOptions{Files: []string{filepath.Join(dir, "compose.yaml")}, Out: io.Discard, Err: io.Discard, NoBuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || len(res.Findings) != len(got["services.api"])+1 {
		t.Errorf("lint run: failed %v, %d findings", res.Failed, len(res.Findings))
	}

	if _, err := Run(context.Background(), RunOptions{Files: []string{filepath.Join(dir, "compose.yaml")}, Fix: true, Out: io.Discard, Err: io.Discard}); err == nil || !strings.Contains(err.Error(), "--fix") {
		t.Errorf("--fix on a compose file: err %v", err)
	}
}
