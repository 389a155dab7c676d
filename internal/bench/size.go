package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/slipway/slipway/internal/examples"
)

// naive are hand-written single-stage Dockerfiles, one per example: what a
// team typically writes without slipway, on the same toolchain image that
// slipway's build stage uses (the lab's stand-in). They are honest, not
// strawmen: no apt-get of extras, no debug tools, just the toolchain image,
// the sources and the build.
var naive = map[string]string{
	"go": `FROM docker.io/library/golang:1.26-bookworm
WORKDIR /src
COPY . .
RUN go build -o /app ./cmd/hello
EXPOSE 8080
CMD ["/app"]
`,
	"node": `FROM docker.io/library/node:20-bookworm-slim
WORKDIR /app
COPY . .
RUN --mount=type=secret,id=signing_key,env=BUILD_SIGNING_KEY npm ci && npm run build
EXPOSE 8080
CMD ["node", "server.js"]
`,
	// The example has no dependencies and no requirements.txt; PyPI is
	// unreachable from the lab, so there is nothing to pip install.
	"python": `FROM docker.io/library/python:3.11-slim-bookworm
WORKDIR /app
COPY . .
EXPOSE 8080
CMD ["python", "-m", "app"]
`,
	"rust": `FROM docker.io/library/rust:1-slim-bookworm
WORKDIR /src
COPY . .
RUN cargo build --release
EXPOSE 8080
CMD ["/src/target/release/hello-rust"]
`,
	// A team would write "RUN mvn package"; Maven Central is unreachable
	// from the lab, so the jar is built with the JDK alone, exactly as the
	// example's slipway.toml build_command does.
	"java": `FROM docker.io/library/maven:3-eclipse-temurin-17
WORKDIR /src
COPY . .
RUN javac --release 17 -d build/classes $(find src/main/java -name '*.java') && mkdir -p target && jar --create --file target/hello.jar --main-class dev.slipway.hello.Main -C build/classes .
EXPOSE 8080
CMD ["java", "-jar", "target/hello.jar"]
`,
}

// payloads are, per example, the paths of the slipway image whose files
// are the payload: what the service needs to run, without the OS files a
// base adds (libc and other shared libraries, CA certificates, tzdata,
// passwd). For a compiled service that is its binary; otherwise the app's
// files and dependencies plus the language runtime's own install tree.
var payloads = map[string]struct {
	paths []string
	what  string
}{
	"go":     {[]string{"/app/hello-go"}, "the binary"},
	"rust":   {[]string{"/app/hello-rust"}, "the binary"},
	"node":   {[]string{"/app", "/nodejs"}, "/app (sources, dist/, node_modules) + node (/nodejs)"},
	"python": {[]string{"/app", "/opt/site-packages", "/usr/bin/python3.11", "/usr/lib/python3.11"}, "/app + /opt/site-packages + python3.11 and its stdlib (/usr/lib/python3.11)"},
	"java":   {[]string{"/app", "/usr/lib/jvm"}, "/app/app.jar + the JRE (/usr/lib/jvm)"},
}

// Size targets for the Go example (the issue's).
const (
	goMaxImageOverBinary = 1.2
	goMinNaiveOverImage  = 30.0
)

func runSize(ctx context.Context, env *Env) (*Result, error) {
	sizes := Table{Header: []string{"example", "payload", "slipway image", "naive image", "slipway/payload", "naive/slipway", "slipway unpacked", "naive unpacked"}}
	defs := Table{Title: "Payload, per example (uncompressed bytes of regular files at these paths of the slipway image):",
		Header: []string{"example", "payload is"}}
	res := &Result{}
	for _, ex := range examples.All() {
		pl, ok := payloads[ex.Name]
		df, ok2 := naive[ex.Name]
		if !ok || !ok2 {
			return nil, fmt.Errorf("example %s has no payload definition or naive Dockerfile in internal/bench", ex.Name)
		}
		sw, err := sizeSlipway(ctx, env, ex, pl.paths)
		if err != nil {
			return res, fmt.Errorf("%s, slipway image: %w", ex.Name, err)
		}
		nv, err := sizeNaive(ctx, env, ex, df)
		if err != nil {
			return res, fmt.Errorf("%s, naive image: %w", ex.Name, err)
		}
		for _, p := range pl.paths {
			if !sw.Matched[p] && p != "/opt/site-packages" { // empty when there are no dependencies
				return res, fmt.Errorf("%s: payload path %s is not in the slipway image: update payloads in internal/bench", ex.Name, p)
			}
		}
		overPayload := float64(sw.Compressed) / float64(sw.Payload)
		naiveOver := float64(nv.Compressed) / float64(sw.Compressed)
		sizes.Rows = append(sizes.Rows, []string{ex.Name, mb(sw.Payload), mb(sw.Compressed), mb(nv.Compressed),
			ratio(float64(sw.Compressed), float64(sw.Payload)), ratio(float64(nv.Compressed), float64(sw.Compressed)),
			mb(sw.Unpacked), mb(nv.Unpacked)})
		defs.Rows = append(defs.Rows, []string{ex.Name, pl.what})
		env.Logf("size %s: payload %s, slipway %s, naive %s", ex.Name, mb(sw.Payload), mb(sw.Compressed), mb(nv.Compressed))
		if ex.Name == "go" {
			res.Targets = append(res.Targets,
				Target{Name: "go image / go binary", Want: fmt.Sprintf("<= %.2fx", goMaxImageOverBinary),
					Got: fmt.Sprintf("%.2fx (%s / %s)", overPayload, mb(sw.Compressed), mb(sw.Payload)), Pass: overPayload <= goMaxImageOverBinary},
				Target{Name: "naive go image / slipway go image", Want: fmt.Sprintf(">= %.0fx", goMinNaiveOverImage),
					Got: fmt.Sprintf("%.1fx (%s / %s)", naiveOver, mb(nv.Compressed), mb(sw.Compressed)), Pass: naiveOver >= goMinNaiveOverImage})
		}
	}
	res.Tables = []Table{sizes, defs}
	res.Notes = []string{
		"image = compressed size: the image config blob plus every layer blob of the OCI export, as the manifest lists them (what a registry stores and a pull downloads); unpacked = bytes of the regular files of the flattened filesystem. 1 MB = 1,000,000 bytes.",
		"slipway image = the Dockerfile `slipway generate` writes from the example's slipway.toml (internal/examples), built with BuildKit's checks as errors; naive image = a hand-written single-stage Dockerfile on the same toolchain image (internal/bench/size.go; `slipway-bench --print-naive` prints them). Both from the same sources.",
		"payload excludes what a base adds besides the runtime (libc and shared libraries, CA certificates, tzdata, passwd); the image is compressed while the payload is not, so an image smaller than its payload is expected.",
		"Bases are the lab's stand-ins (internal/lab), not the real images: the distroless node stand-in carries this machine's node binary, the JRE and python are Debian's packages, the toolchain images are Debian plus the toolchain; the real images' sizes differ.",
	}
	return res, nil
}

// sizeSlipway renders and builds the example as slipway does and measures
// the image.
func sizeSlipway(ctx context.Context, env *Env, ex examples.Example, payload []string) (*imageSizes, error) {
	dir, err := env.Render(ex, "size", ex.Name, "slipway")
	if err != nil {
		return nil, err
	}
	env.Logf("size %s: building the slipway image", ex.Name)
	return buildAndMeasure(ctx, env, dir, ex, true, payload)
}

// sizeNaive builds the example's hand-written Dockerfile and measures it.
func sizeNaive(ctx context.Context, env *Env, ex examples.Example, dockerfile string) (*imageSizes, error) {
	dir, err := env.Mkdir("size", ex.Name, "naive")
	if err != nil {
		return nil, err
	}
	if err := ex.CopySources(dir); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return nil, err
	}
	env.Logf("size %s: building the naive image", ex.Name)
	return buildAndMeasure(ctx, env, dir, ex, false, nil)
}

func buildAndMeasure(ctx context.Context, env *Env, dir string, ex examples.Example, checks bool, payload []string) (*imageSizes, error) {
	out := dir + ".tar"
	r, err := buildImage(ctx, env, dir, ex, out, checks)
	if err != nil {
		return nil, err
	}
	defer os.Remove(out)
	tmp := dir + ".unpacked"
	defer os.RemoveAll(tmp)
	s, err := measureImage(out, tmp, payload)
	if err != nil {
		return nil, err
	}
	env.Logf("size %s: built %s in %s, %d layers", ex.Name, filepath.Base(dir), secs(r.D), s.Layers)
	return s, nil
}

// NaiveDockerfiles returns the hand-written Dockerfiles the size section
// compares with, by example name, for printing.
func NaiveDockerfiles() map[string]string {
	m := make(map[string]string, len(naive))
	for k, v := range naive {
		m[k] = strings.Clone(v)
	}
	return m
}
