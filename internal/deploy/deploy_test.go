package deploy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/verify"

	"github.com/slipway/slipway/internal/lab/labtest"
)

func sampleService(t *testing.T) Service {
	t.Helper()
	p, err := verify.NewProfile([]string{"bind", "listen", "accept4", "socket"}, []string{"test profile"})
	if err != nil {
		labtest.Unavailable(t, "learned profiles are x86_64 only: %v", err)
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return Service{
		Name: "Hello_API", Image: "registry.example/hello@sha256:" + strings.Repeat("a", 64), Digest: "sha256:" + strings.Repeat("a", 64),
		UID: 65532, GID: 65532, Port: 8080, HealthPath: "/healthz", HealthCmd: []string{"/app/hello", "-healthcheck"},
		Tmpfs: []string{"/tmp"}, TmpfsSize: verify.TmpfsSize, TmpfsOptions: verify.TmpfsOptions,
		Volumes: []string{"/var/lib/data"}, EnvKeys: []string{"POSTGRES_PASSWORD"},
		MemoryLimit: 96 << 20, PidsLimit: 40, NoFile: verify.NoFile, Profile: b,
	}
}

// TestComposeCarriesEverySetting loads the generated compose.yaml with
// compose-spec's loader (no warnings) and checks each hardening setting on
// the loaded project, not in the text.
func TestComposeCarriesEverySetting(t *testing.T) {
	s := sampleService(t)
	b, err := Compose(s)
	if err != nil {
		t.Fatal(err)
	}
	p, warnings, err := LoadCompose(context.Background(), b)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, b)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	svc, err := p.GetService("hello-api")
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !svc.ReadOnly {
		t.Error("read_only is not true")
	}
	if !slices.Equal(svc.CapDrop, []string{"ALL"}) || len(svc.CapAdd) != 0 || svc.Privileged {
		t.Errorf("cap_drop %v cap_add %v privileged %v", svc.CapDrop, svc.CapAdd, svc.Privileged)
	}
	if !slices.Contains(svc.SecurityOpt, "no-new-privileges:true") || !slices.Contains(svc.SecurityOpt, "seccomp="+SeccompFile) {
		t.Errorf("security_opt %v", svc.SecurityOpt)
	}
	if !slices.Equal(svc.Tmpfs, []string{"/tmp:" + verify.TmpfsOptions}) {
		t.Errorf("tmpfs %v", svc.Tmpfs)
	}
	if svc.User != "65532:65532" {
		t.Errorf("user %q", svc.User)
	}
	if int64(svc.MemLimit) != s.MemoryLimit || int64(svc.MemSwapLimit) != s.MemoryLimit || svc.PidsLimit != s.PidsLimit {
		t.Errorf("mem_limit %d memswap_limit %d pids_limit %d", svc.MemLimit, svc.MemSwapLimit, svc.PidsLimit)
	}
	if u := svc.Ulimits["nofile"]; u == nil || u.Soft != int(s.NoFile) || u.Hard != int(s.NoFile) {
		t.Errorf("ulimits.nofile %+v", u)
	}
	if svc.HealthCheck == nil || !slices.Equal(svc.HealthCheck.Test, []string{"CMD", "/app/hello", "-healthcheck"}) {
		t.Errorf("healthcheck %+v", svc.HealthCheck)
	}
	if len(svc.Ports) != 1 || svc.Ports[0].Target != 8080 || svc.Ports[0].Published != "8080" {
		t.Errorf("ports %+v", svc.Ports)
	}
	if v, ok := svc.Environment["POSTGRES_PASSWORD"]; !ok || v != nil {
		t.Errorf("environment %v: want POSTGRES_PASSWORD passed through without a value", svc.Environment)
	}
	if len(svc.Volumes) != 1 || svc.Volumes[0].Target != "/var/lib/data" || svc.Volumes[0].Type != "volume" {
		t.Errorf("volumes %+v", svc.Volumes)
	}
}

// TestKubernetesCarriesEverySetting decodes the generated manifests into
// the API types (strictly) and checks each setting.
func TestKubernetesCarriesEverySetting(t *testing.T) {
	s := sampleService(t)
	b, err := Kubernetes(s)
	if err != nil {
		t.Fatal(err)
	}
	m, err := DecodeKubernetes(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if len(m.Deployments) != 1 || len(m.Services) != 1 {
		t.Fatalf("%d deployments, %d services", len(m.Deployments), len(m.Services))
	}
	pod := m.Deployments[0].Spec.Template.Spec
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532 {
		t.Errorf("pod securityContext %+v", psc)
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Fatal("no container securityContext")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("readOnlyRootFilesystem")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("allowPrivilegeEscalation")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0:
		t.Errorf("capabilities %+v", sc.Capabilities)
	case sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeLocalhost || *sc.SeccompProfile.LocalhostProfile != LocalhostProfile(s.Name):
		t.Errorf("seccompProfile %+v", sc.SeccompProfile)
	case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || *sc.RunAsUser != 65532:
		t.Error("container runAsNonRoot/runAsUser")
	}
	if q := c.Resources.Limits[corev1.ResourceMemory]; q.Value() != s.MemoryLimit {
		t.Errorf("memory limit %s", q.String())
	}
	mounts := map[string]string{}
	for _, vm := range c.VolumeMounts {
		mounts[vm.MountPath] = vm.Name
	}
	var tmp *corev1.Volume
	for i := range pod.Volumes {
		if pod.Volumes[i].Name == mounts["/tmp"] {
			tmp = &pod.Volumes[i]
		}
	}
	if tmp == nil || tmp.EmptyDir == nil || tmp.EmptyDir.Medium != corev1.StorageMediumMemory || tmp.EmptyDir.SizeLimit.Value() != verify.TmpfsSize {
		t.Errorf("/tmp volume %+v", tmp)
	}
	if _, ok := mounts["/var/lib/data"]; !ok {
		t.Errorf("no mount for the VOLUME: %v", mounts)
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port.StrVal != "service" {
			t.Errorf("probe %+v", p)
		}
	}
	if len(c.Env) != 1 || c.Env[0].Name != "POSTGRES_PASSWORD" || c.Env[0].ValueFrom == nil || c.Env[0].ValueFrom.SecretKeyRef.Name != "hello-api-env" || c.Env[0].Value != "" {
		t.Errorf("env %+v", c.Env)
	}
	if c.Ports[0].ContainerPort != 8080 || m.Services[0].Spec.Ports[0].Port != 8080 {
		t.Errorf("ports %+v %+v", c.Ports, m.Services[0].Spec.Ports)
	}
}

func TestDecodeKubernetesRejects(t *testing.T) {
	s := sampleService(t)
	b, err := Kubernetes(s)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: true\n          readOnlyRoot: true", 1)
	if _, err := DecodeKubernetes([]byte(bad)); err == nil || !strings.Contains(err.Error(), "readOnlyRoot") {
		t.Errorf("an unknown field: err %v", err)
	}
	bad = strings.Replace(string(b), "containerPort: 8080", "containerPort: 70000", 1)
	if _, err := DecodeKubernetes([]byte(bad)); err == nil || !strings.Contains(err.Error(), "containerPort") {
		t.Errorf("a bad port: err %v", err)
	}
}

// TestWriteIsNonDestructive: written once, untouched files are rewritten,
// a hand edit (also of seccomp.json's rules) is refused without force, and
// Drift reports it.
func TestWriteIsNonDestructive(t *testing.T) {
	s := sampleService(t)
	files, err := Files(s)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "deploy")
	if _, err := Write(dir, files, false); err != nil {
		t.Fatal(err)
	}
	if d, err := Drift(dir, files); err != nil || len(d) != 0 {
		t.Fatalf("drift right after writing: %v %v", d, err)
	}
	if _, err := verify.LoadProfile(filepath.Join(dir, SeccompFile)); err != nil {
		t.Errorf("the written profile does not load: %v", err)
	}
	// A new learn (other limits) replaces untouched files.
	s2 := s
	s2.MemoryLimit *= 2
	files2, err := Files(s2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, files2, false); err != nil {
		t.Fatalf("replacing untouched files: %v", err)
	}
	for name, want := range map[string]string{ComposeFile: "pids_limit: 40\n", SeccompFile: "\"bind\""} {
		p := filepath.Join(dir, name)
		old, _ := os.ReadFile(p)
		edited := strings.Replace(string(old), want, want+" ", 1)
		if name == SeccompFile {
			edited = strings.Replace(string(old), `"bind",`, `"bind", "ptrace",`, 1)
		}
		if edited == string(old) {
			t.Fatalf("%s: could not edit", name)
		}
		if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		var conflict *generate.ConflictError
		if _, err := Write(dir, files2, false); !errors.As(err, &conflict) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s edited by hand: err %v, want a conflict naming it", name, err)
		}
		if now, _ := os.ReadFile(p); string(now) != edited {
			t.Errorf("%s: the hand edit was overwritten", name)
		}
		d, _ := Drift(dir, files2)
		if len(d) != 1 || d[0].State != generate.Edited {
			t.Errorf("%s: drift %v", name, d)
		}
		if _, err := Write(dir, files2, true); err != nil {
			t.Errorf("--force: %v", err)
		}
	}
}

// TestGeneratedFilesHaveNoWeakness: lint's SW170 finds nothing in what
// verify --learn writes.
func TestGeneratedFilesHaveNoWeakness(t *testing.T) {
	s := sampleService(t)
	files, err := Files(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{ComposeFile, KubernetesFile} {
		ws, err := Weaknesses(context.Background(), files[name])
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != 0 {
			t.Errorf("%s: %v", name, ws)
		}
	}
	if !IsKubernetes(files[KubernetesFile]) || IsKubernetes(files[ComposeFile]) {
		t.Error("IsKubernetes confuses the two files")
	}
}
