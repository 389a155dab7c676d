package scan_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/scan"
	"github.com/slipway/slipway/internal/textsafe"
)

// leakyDockerfile builds the Go example the way slipway refuses to: a
// GitHub token as a build argument used by a RUN of the final stage (so
// BuildKit records it in the image history), a setuid binary, and no USER
// on a Debian base (root).
const leakyDockerfile = `FROM docker.io/library/golang:1.26-bookworm AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/hello-go ./cmd/hello

FROM docker.io/library/debian:bookworm-slim
ARG GITHUB_TOKEN
COPY --from=build /out/hello-go /app/hello-go
RUN test -n "$GITHUB_TOKEN" && chmod 4755 /app/hello-go
HEALTHCHECK CMD ["/app/hello-go", "-healthcheck"]
ENTRYPOINT ["/app/hello-go"]
`

// fakeToken has the shape of a GitHub token; it was never issued.
var fakeToken = "ghp_" + strings.Repeat("L4bT", 9)

func goExample(t *testing.T) examples.Example {
	for _, ex := range examples.All() {
		if ex.Name == "go" {
			return ex
		}
	}
	t.Fatal("no go example")
	return examples.Example{}
}

// TestLabLeakyAndSlipwayImages builds the same service twice in the lab:
// by hand with a leaked build argument, a setuid binary and root, and the
// slipway way (generate + build). scan must report the three problems of
// the first (the token masked), also when reading it from the lab
// registry by reference, and find nothing in the second.
func TestLabLeakyAndSlipwayImages(t *testing.T) {
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	ex := goExample(t)

	// 1. The leaky image, built with buildctl: slipway build refuses
	// secret-looking build arguments.
	leaky := filepath.Join(t.TempDir(), "leaky")
	if err := ex.Prepare(leaky); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(leaky, "Dockerfile"), []byte(leakyDockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := build.CheckBuildArgs(map[string]string{"GITHUB_TOKEN": fakeToken}); err == nil {
		t.Fatal("slipway build accepts a GITHUB_TOKEN build argument; this test expects it refused")
	}
	leakyTar := filepath.Join(t.TempDir(), "leaky.tar")
	buildctl := filepath.Join(l.Dir, "bin", "buildctl")
	cmd := exec.CommandContext(ctx, buildctl, "--addr", l.BuildkitHost, "build",
		"--frontend", "dockerfile.v0",
		"--local", "context="+leaky, "--local", "dockerfile="+leaky,
		"--opt", "build-arg:GITHUB_TOKEN="+fakeToken,
		"--output", "type=oci,dest="+leakyTar, "--progress", "plain")
	var progress bytes.Buffer
	cmd.Stdout, cmd.Stderr = &progress, &progress
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("buildctl: %v\n%s", err, textsafe.Tail(progress.String(), 30))
	}
	t.Logf("built the leaky image in %s", time.Since(start).Round(time.Second))

	check := func(name, img string) {
		var out, errOut bytes.Buffer
		start := time.Now()
		res, err := scan.Run(ctx, scan.RunOptions{Image: img, Out: &out, Err: &errOut})
		if err != nil {
			t.Fatalf("%s: scan: %v", name, err)
		}
		t.Logf("%s: scanned in %s\n%s", name, time.Since(start).Round(time.Millisecond), out.String())
		if !res.Failed {
			t.Errorf("%s: scan passed", name)
		}
		for _, want := range []string{
			"SW200 The image sets no user",
			"SW210 ", "/app/hello-go (setuid 0)",
			"SW221 history step",
			"RUN |1 GITHUB_TOKEN=ghp_**** /bin/sh -c",
			"build argument GITHUB_TOKEN",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: output lacks %q", name, want)
			}
		}
		if strings.Contains(out.String(), fakeToken) || strings.Contains(errOut.String(), fakeToken) {
			t.Errorf("%s: the token is shown unmasked", name)
		}
	}
	check("leaky.tar", leakyTar)

	// 2. The same image pushed to the lab registry, scanned by reference.
	src, err := image.Open(ctx, leakyTar, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	refStr := l.Registry + "/slipway-scan-test/leaky:1"
	ref, err := name.ParseReference(refStr, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, src, remote.WithContext(ctx)); err != nil {
		t.Fatalf("pushing to the lab registry: %v", err)
	}
	check("by reference", refStr)

	// 3. The same service, the slipway way.
	good := filepath.Join(t.TempDir(), "good")
	if err := ex.Prepare(good); err != nil {
		t.Fatal(err)
	}
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := generate.Run(set, generate.Options{Dir: good}); err != nil {
		t.Fatalf("generate: %v", err)
	}
	cl, err := build.Connect(ctx, build.ConnectOptions{Addr: l.BuildkitHost})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	goodTar := filepath.Join(t.TempDir(), "good.tar")
	progress.Reset()
	if _, err := cl.Build(ctx, build.Options{ContextDir: good, Outputs: []build.Output{{Type: "oci", Dest: goodTar}},
		Checks: true, Progress: "plain", ProgressOut: &progress}); err != nil {
		t.Fatalf("build: %v\n%s", err, textsafe.Tail(progress.String(), 30))
	}
	var out bytes.Buffer
	res, err := scan.Run(ctx, scan.RunOptions{Image: goodTar, Severity: "info", Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed || len(res.Findings) != 0 {
		t.Errorf("the slipway-built image has findings:\n%s", out.String())
	}
	t.Logf("slipway way:\n%s", out.String())
}

// TestLabDeletedKey builds, in the lab, an image whose Dockerfile copies
// a private key and deletes it in the next step: the key is gone from the
// filesystem but not from the image. scan must report it once, as SW225
// naming both steps; the same key given to the step as a secret mount
// leaves nothing to find.
func TestLabDeletedKey(t *testing.T) {
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cl, err := build.Connect(ctx, build.ConnectOptions{Addr: l.BuildkitHost})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	key := "-----BEGIN OPENSSH PRIVATE KEY-----\nbGFiLXRlc3Qta2V5LW5ldmVyLWlzc3VlZAAAAA==\n-----END OPENSSH PRIVATE KEY-----\n"
	keyFile := filepath.Join(t.TempDir(), "id_rsa")
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}

	scanOf := func(name, dockerfile string, secrets []build.Secret) string {
		t.Helper()
		dir := t.TempDir()
		for f, body := range map[string]string{"Dockerfile": dockerfile, "id_rsa": key} {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		tarPath := filepath.Join(t.TempDir(), name+".tar")
		var progress bytes.Buffer
		if _, err := cl.Build(ctx, build.Options{ContextDir: dir, Secrets: secrets,
			Outputs: []build.Output{{Type: "oci", Dest: tarPath}}, Progress: "plain", ProgressOut: &progress}); err != nil {
			t.Fatalf("%s: build: %v\n%s", name, err, textsafe.Tail(progress.String(), 30))
		}
		var out bytes.Buffer
		if _, err := scan.Run(ctx, scan.RunOptions{Image: tarPath, Severity: "info", Out: &out}); err != nil {
			t.Fatalf("%s: scan: %v", name, err)
		}
		t.Logf("%s:\n%s", name, out.String())
		if strings.Contains(out.String(), "bGFiLXRlc3Qta2V5") {
			t.Errorf("%s: the report shows the key", name)
		}
		return out.String()
	}

	out := scanOf("deleted", `FROM debian:bookworm-slim
COPY id_rsa /root/.ssh/id_rsa
RUN rm /root/.ssh/id_rsa
`, nil)
	for _, want := range []string{
		"SW225 /root/.ssh/id_rsa (a private key) was added in layer 2 (created by `COPY id_rsa /root/.ssh/id_rsa`)",
		"and removed in layer 3 (created by `RUN rm /root/.ssh/id_rsa`)",
		"anyone can read it from layer 2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if n := strings.Count(out, "id_rsa (a private key)"); n != 1 {
		t.Errorf("the key is reported %d times, want once", n)
	}
	if strings.Contains(out, "SW222") {
		t.Error("SW222 reports a key the filesystem no longer has")
	}

	out = scanOf("mounted", `FROM debian:bookworm-slim
RUN --mount=type=secret,id=key,target=/root/.ssh/id_rsa test -s /root/.ssh/id_rsa
`, []build.Secret{{ID: "key", Src: keyFile}})
	for _, id := range []string{"SW222", "SW225"} {
		if strings.Contains(out, id) {
			t.Errorf("a secret mount leaves %s", id)
		}
	}
}
