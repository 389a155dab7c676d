package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// LocalhostProfile is where the Kubernetes manifest expects the profile,
// relative to the kubelet's seccomp directory (/var/lib/kubelet/seccomp):
// copy deploy/seccomp.json there on every node, as this name.
func LocalhostProfile(name string) string { return "slipway/" + objectName(name) + ".json" }

// Kubernetes renders deploy/kubernetes.yaml: a Deployment and, when the
// service has a port, a Service, validated by strict decoding into the
// API types and apimachinery's validators.
func Kubernetes(s Service) ([]byte, error) {
	name := objectName(s.Name)
	labels := map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "slipway"}
	uid, gid := int64(s.UID), int64(s.GID)
	yes, no := true, false
	one := int32(1)
	prof := LocalhostProfile(s.Name)
	mem := resource.NewQuantity(s.MemoryLimit, resource.BinarySI)

	c := corev1.Container{
		Name:            name,
		Image:           s.Image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             &yes,
			RunAsUser:                &uid,
			RunAsGroup:               &gid,
			ReadOnlyRootFilesystem:   &yes,
			AllowPrivilegeEscalation: &no,
			Privileged:               &no,
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &prof},
		},
		Resources: corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceMemory: *mem},
			Requests: corev1.ResourceList{corev1.ResourceMemory: *mem},
		},
	}
	for _, k := range s.EnvKeys {
		c.Env = append(c.Env, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name + "-env"}, Key: k}}})
	}
	var vols []corev1.Volume
	for i, t := range s.Tmpfs {
		vn := fmt.Sprintf("tmpfs%d", i)
		size := resource.NewQuantity(s.TmpfsSize, resource.BinarySI)
		vols = append(vols, corev1.Volume{Name: vn, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: size}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: vn, MountPath: t})
	}
	for i, v := range s.Volumes {
		vn := volumeName(i)
		vols = append(vols, corev1.Volume{Name: vn, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: vn, MountPath: v})
	}
	if s.Port != 0 {
		c.Ports = []corev1.ContainerPort{{Name: "service", ContainerPort: int32(s.Port), Protocol: corev1.ProtocolTCP}}
		h := corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("service")}}
		if s.HealthPath != "" {
			h = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: s.HealthPath, Port: intstr.FromString("service")}}
		}
		c.LivenessProbe = &corev1.Probe{ProbeHandler: h, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 3}
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: h, PeriodSeconds: 5, TimeoutSeconds: 5, FailureThreshold: 3}
	} else if len(s.HealthCmd) > 0 {
		h := corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: s.HealthCmd}}
		c.LivenessProbe = &corev1.Probe{ProbeHandler: h, PeriodSeconds: 30, TimeoutSeconds: 5, FailureThreshold: 3}
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: h, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 3}
	}
	dep := appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken: &no,
					EnableServiceLinks:           &no,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   &yes,
						RunAsUser:      &uid,
						RunAsGroup:     &gid,
						FSGroup:        &gid,
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &prof},
					},
					Containers: []corev1.Container{c},
					Volumes:    vols,
				},
			},
		},
	}
	docs := []any{dep}
	if s.Port != 0 {
		docs = append(docs, corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app.kubernetes.io/name": name},
				Ports:    []corev1.ServicePort{{Name: "service", Port: int32(s.Port), TargetPort: intstr.FromString("service"), Protocol: corev1.ProtocolTCP}},
			},
		})
	}
	var body bytes.Buffer
	body.WriteString("# Kubernetes has no per-container pids or open-files field: the kubelet's\n")
	fmt.Fprintf(&body, "# podPidsLimit and the runtime's nofile default apply (verify proved %d pids, %d open files).\n", s.PidsLimit, s.NoFile)
	if len(s.EnvKeys) > 0 {
		fmt.Fprintf(&body, "# The environment comes from a Secret you create: kubectl create secret generic %s-env --from-literal=%s=...\n", name, s.EnvKeys[0])
	}
	if len(s.Volumes) > 0 {
		body.WriteString("# The image's VOLUMEs are emptyDir volumes here: use a PersistentVolumeClaim for data that must outlive the pod.\n")
	}
	fmt.Fprintf(&body, "# Copy seccomp.json to /var/lib/kubelet/seccomp/%s on every node.\n", prof)
	for i, d := range docs {
		b, err := yaml.Marshal(d)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			body.WriteString("---\n")
		}
		body.Write(b)
	}
	out := withHeader(s.header("Deployment and Service"), body.Bytes())
	if _, err := DecodeKubernetes(out); err != nil {
		return nil, fmt.Errorf("the generated %s does not validate: %w", KubernetesFile, err)
	}
	return out, nil
}

// Manifests are the objects of a kubernetes.yaml.
type Manifests struct {
	Deployments []appsv1.Deployment
	Services    []corev1.Service
}

// DecodeKubernetes splits a multi-document manifest, decodes each document
// strictly into its API type (an unknown field is an error) and checks what
// the API server would reject first: names, labels, selectors, ports,
// probes, volume mounts.
func DecodeKubernetes(b []byte) (*Manifests, error) {
	m := &Manifests{}
	var errs []error
	for i, doc := range splitYAML(b) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i+1, err))
			continue
		}
		switch tm.APIVersion + "/" + tm.Kind {
		case "apps/v1/Deployment":
			if d, ok := decodeKind(doc, i+1, "Deployment", validateDeployment, &errs); ok {
				m.Deployments = append(m.Deployments, d)
			}
		case "v1/Service":
			if sv, ok := decodeKind(doc, i+1, "Service", validateService, &errs); ok {
				m.Services = append(m.Services, sv)
			}
		default:
			// Other kinds are read by the lint rule only for what it knows.
		}
	}
	return m, errors.Join(errs...)
}

// decodeKind strictly decodes document n, of a kind slipway reads, and
// validates it; every problem is added to errs. ok is false when the
// document did not decode.
func decodeKind[T any](doc []byte, n int, kind string, validate func(*T) []error, errs *[]error) (v T, ok bool) {
	if err := yaml.UnmarshalStrict(doc, &v); err != nil {
		*errs = append(*errs, fmt.Errorf("document %d (%s): %w", n, kind, err))
		return v, false
	}
	*errs = append(*errs, validate(&v)...)
	return v, true
}

// splitYAML splits a YAML stream on document separators.
func splitYAML(b []byte) [][]byte {
	var out [][]byte
	for _, d := range bytes.Split(b, []byte("\n---")) {
		d = bytes.TrimPrefix(d, []byte("\n"))
		if len(bytes.TrimSpace(stripComments(d))) > 0 {
			out = append(out, d)
		}
	}
	return out
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(out, l...)
			out = append(out, '\n')
		}
	}
	return out
}

func validateDeployment(d *appsv1.Deployment) []error {
	var errs []error
	bad := func(field string, msgs []string) {
		for _, m := range msgs {
			errs = append(errs, fmt.Errorf("Deployment %s: %s: %s", d.Name, field, m))
		}
	}
	bad("metadata.name", validation.IsDNS1123Subdomain(d.Name))
	for k, v := range d.Spec.Template.Labels {
		bad("spec.template.metadata.labels key "+k, validation.IsQualifiedName(k))
		bad("spec.template.metadata.labels "+k, validation.IsValidLabelValue(v))
	}
	if d.Spec.Selector == nil || len(d.Spec.Selector.MatchLabels) == 0 {
		bad("spec.selector", []string{"required"})
	} else {
		for k, v := range d.Spec.Selector.MatchLabels {
			if d.Spec.Template.Labels[k] != v {
				bad("spec.selector.matchLabels", []string{fmt.Sprintf("%s=%s does not match the pod template's labels", k, v)})
			}
		}
	}
	pod := d.Spec.Template.Spec
	if len(pod.Containers) == 0 {
		bad("spec.template.spec.containers", []string{"required"})
	}
	vols := map[string]bool{}
	for _, v := range pod.Volumes {
		bad("volumes "+v.Name, validation.IsDNS1123Label(v.Name))
		vols[v.Name] = true
	}
	for _, c := range pod.Containers {
		f := "containers[" + c.Name + "]"
		bad(f+".name", validation.IsDNS1123Label(c.Name))
		if c.Image == "" {
			bad(f+".image", []string{"required"})
		}
		names := map[string]bool{}
		for _, p := range c.Ports {
			bad(f+".ports.containerPort", validation.IsValidPortNum(int(p.ContainerPort)))
			if p.Name != "" {
				bad(f+".ports.name", validation.IsValidPortName(p.Name))
				names[p.Name] = true
			}
		}
		for _, pr := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
			if pr == nil {
				continue
			}
			var port intstr.IntOrString
			switch {
			case pr.HTTPGet != nil:
				port = pr.HTTPGet.Port
				if !strings.HasPrefix(pr.HTTPGet.Path, "/") {
					bad(f+".probe.httpGet.path", []string{"must start with /"})
				}
			case pr.TCPSocket != nil:
				port = pr.TCPSocket.Port
			case pr.Exec != nil:
				if len(pr.Exec.Command) == 0 {
					bad(f+".probe.exec.command", []string{"required"})
				}
				continue
			default:
				bad(f+".probe", []string{"needs a handler"})
				continue
			}
			if port.Type == intstr.String && !names[port.StrVal] {
				bad(f+".probe.port", []string{fmt.Sprintf("%q names no container port", port.StrVal)})
			}
		}
		for _, vm := range c.VolumeMounts {
			if !vols[vm.Name] {
				bad(f+".volumeMounts", []string{fmt.Sprintf("%q names no volume", vm.Name)})
			}
			if !strings.HasPrefix(vm.MountPath, "/") {
				bad(f+".volumeMounts.mountPath", []string{"must be absolute"})
			}
		}
		if sc := c.SecurityContext; sc != nil && sc.SeccompProfile != nil && sc.SeccompProfile.Type == corev1.SeccompProfileTypeLocalhost &&
			(sc.SeccompProfile.LocalhostProfile == nil || *sc.SeccompProfile.LocalhostProfile == "") {
			bad(f+".securityContext.seccompProfile.localhostProfile", []string{"required for type Localhost"})
		}
	}
	return errs
}

func validateService(s *corev1.Service) []error {
	var errs []error
	for _, m := range validation.IsDNS1035Label(s.Name) {
		errs = append(errs, fmt.Errorf("Service %s: metadata.name: %s", s.Name, m))
	}
	for _, p := range s.Spec.Ports {
		for _, m := range validation.IsValidPortNum(int(p.Port)) {
			errs = append(errs, fmt.Errorf("Service %s: ports.port: %s", s.Name, m))
		}
	}
	return errs
}
