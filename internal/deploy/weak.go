package deploy

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v4"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

// Weakness is a setting of a compose or Kubernetes file that runs a
// container with less confinement than slipway's deploy files give it.
type Weakness struct {
	Where string // the service or container, e.g. services.api, Deployment api container api
	Line  int    // 1-based line of that service or container, 0 when unknown
	What  string // what is weaker, e.g. "privileged: true"
}

// IsKubernetes reports whether a YAML file looks like Kubernetes manifests
// (documents with apiVersion and kind) rather than a compose file.
func IsKubernetes(b []byte) bool {
	for _, doc := range splitYAML(b) {
		var tm metav1.TypeMeta
		if sigsyaml.Unmarshal(doc, &tm) == nil && tm.APIVersion != "" && tm.Kind != "" {
			return true
		}
	}
	return false
}

// Weaknesses reads a compose file or Kubernetes manifests and lists what
// runs weaker than slipway's hardening: privileged, added capabilities,
// capabilities not all dropped, a writable root filesystem, no seccomp
// profile (or unconfined), privilege escalation allowed.
func Weaknesses(ctx context.Context, b []byte) ([]Weakness, error) {
	if IsKubernetes(b) {
		return kubeWeaknesses(b)
	}
	return composeWeaknesses(ctx, b)
}

func composeWeaknesses(ctx context.Context, b []byte) ([]Weakness, error) {
	p, _, err := LoadCompose(ctx, b)
	if err != nil {
		return nil, err
	}
	lines := keyLines(b, "services")
	var out []Weakness
	for _, name := range p.ServiceNames() {
		svc := p.Services[name]
		w := func(format string, args ...any) {
			out = append(out, Weakness{Where: "services." + name, Line: lines[name], What: fmt.Sprintf(format, args...)})
		}
		if svc.Privileged {
			w("privileged: true")
		}
		if len(svc.CapAdd) > 0 {
			w("cap_add: %s", strings.Join(svc.CapAdd, ", "))
		}
		if !containsFold(svc.CapDrop, "ALL") {
			w("cap_drop does not drop ALL capabilities")
		}
		if !svc.ReadOnly {
			w("read_only is not true: the root filesystem is writable")
		}
		seccomp, nnp := "", false
		for _, o := range svc.SecurityOpt {
			k, v, _ := strings.Cut(o, "=")
			if k2, v2, ok := strings.Cut(o, ":"); ok && k2 == "no-new-privileges" {
				k, v = k2, v2
			}
			switch k {
			case "seccomp":
				seccomp = v
			case "no-new-privileges":
				nnp = v == "" || v == "true"
			}
		}
		switch seccomp {
		case "":
			w("no seccomp profile in security_opt (the runtime's default allows far more calls than the service makes)")
		case "unconfined":
			w("security_opt seccomp=unconfined")
		}
		if !nnp {
			w("security_opt lacks no-new-privileges:true")
		}
		if svc.NetworkMode == "host" {
			w("network_mode: host")
		}
		if svc.Pid == "host" {
			w("pid: host")
		}
	}
	return out, nil
}

func kubeWeaknesses(b []byte) ([]Weakness, error) {
	var out []Weakness
	for _, doc := range splitYAML(b) {
		var tm metav1.TypeMeta
		if err := sigsyaml.Unmarshal(doc, &tm); err != nil {
			return nil, err
		}
		var meta struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		_ = sigsyaml.Unmarshal(doc, &meta)
		var pod *corev1.PodSpec
		switch tm.Kind {
		case "Pod":
			var p corev1.Pod
			if err := sigsyaml.Unmarshal(doc, &p); err != nil {
				return nil, err
			}
			pod = &p.Spec
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
			var w struct {
				Spec struct {
					Template corev1.PodTemplateSpec `json:"template"`
				} `json:"spec"`
			}
			if err := sigsyaml.Unmarshal(doc, &w); err != nil {
				return nil, err
			}
			pod = &w.Spec.Template.Spec
		default:
			continue
		}
		out = append(out, podWeaknesses(b, tm.Kind+" "+meta.Metadata.Name, pod)...)
	}
	return out, nil
}

func podWeaknesses(file []byte, where string, pod *corev1.PodSpec) []Weakness {
	var out []Weakness
	podSeccomp := pod.SecurityContext != nil && pod.SecurityContext.SeccompProfile != nil &&
		pod.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeUnconfined
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		out = append(out, Weakness{Where: where, What: "shares a host namespace (hostNetwork, hostPID or hostIPC)"})
	}
	for _, c := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		cw := where + " container " + c.Name
		line := scalarLine(file, "name", c.Name)
		w := func(format string, args ...any) {
			out = append(out, Weakness{Where: cw, Line: line, What: fmt.Sprintf(format, args...)})
		}
		sc := c.SecurityContext
		if sc == nil {
			sc = &corev1.SecurityContext{}
		}
		if sc.Privileged != nil && *sc.Privileged {
			w("privileged: true")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			w("allowPrivilegeEscalation is not false")
		}
		if sc.Capabilities != nil && len(sc.Capabilities.Add) > 0 {
			var add []string
			for _, a := range sc.Capabilities.Add {
				add = append(add, string(a))
			}
			w("capabilities.add: %s", strings.Join(add, ", "))
		}
		drop := false
		if sc.Capabilities != nil {
			for _, d := range sc.Capabilities.Drop {
				drop = drop || strings.EqualFold(string(d), "ALL")
			}
		}
		if !drop {
			w("capabilities.drop does not drop ALL")
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			w("readOnlyRootFilesystem is not true: the root filesystem is writable")
		}
		switch {
		case sc.SeccompProfile != nil && sc.SeccompProfile.Type == corev1.SeccompProfileTypeUnconfined:
			w("seccompProfile type Unconfined")
		case sc.SeccompProfile == nil && !podSeccomp:
			w("no seccompProfile (pod or container)")
		}
	}
	return out
}

func containsFold(l []string, s string) bool {
	for _, x := range l {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// keyLines returns the line of each key of the top-level mapping under
// parent (the services of a compose file).
func keyLines(b []byte, parent string) map[string]int {
	out := map[string]int{}
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return out
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != parent {
			continue
		}
		m := root.Content[i+1]
		for j := 0; j+1 < len(m.Content); j += 2 {
			out[m.Content[j].Value] = m.Content[j].Line
		}
	}
	return out
}

// scalarLine returns the first line holding `key: value` after a line
// holding `containers:`, or 0.
func scalarLine(b []byte, key, value string) int {
	seen := false
	for i, l := range bytes.Split(b, []byte("\n")) {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(l)), "- "))
		if strings.HasSuffix(t, "containers:") {
			seen = true
		}
		if seen && (t == key+": "+value || t == key+`: "`+value+`"`) {
			return i + 1
		}
	}
	return 0
}
