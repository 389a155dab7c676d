package lab

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The stand-ins, parents before children.
const (
	refDebian       = "docker.io/library/debian:bookworm-slim"
	refStatic       = "gcr.io/distroless/static-debian12:nonroot"
	refBase         = "gcr.io/distroless/base-debian12:nonroot"
	refCC           = "gcr.io/distroless/cc-debian12:nonroot"
	refJava         = "gcr.io/distroless/java17-debian12:nonroot"
	refNode         = "gcr.io/distroless/nodejs20-debian12:nonroot"
	refPython       = "gcr.io/distroless/python3-debian12:nonroot"
	refGolang       = "docker.io/library/golang:1.26-bookworm" // the machine's own Go
	refNodeBuild    = "docker.io/library/node:20-bookworm-slim"
	refPythonBuild  = "docker.io/library/python:3.11-slim-bookworm"
	refMaven        = "docker.io/library/maven:3-eclipse-temurin-17"
	refRust         = "docker.io/library/rust:1-slim-bookworm"
	nonrootUID      = "65532"
	jvmDir          = "/usr/lib/jvm/java-17-openjdk-amd64"
	distrolessTitle = "distroless"
)

func recipes() []recipe {
	mirror, security := debianMirror()
	goroot, goVersion := hostGo()
	nodeVersion := hostNode()
	rs := []recipe{{
		ref:    refDebian,
		inputs: []string{"debootstrap --variant=minbase bookworm", mirror, security},
		rootfs: (*builder).debianRootfs,
		layer:  debianLayer,
		config: func(c *v1.Config) { c.Cmd = []string{"bash"} },
	}}
	for _, s := range distrolessSets {
		s := s
		rs = append(rs, recipe{
			ref: s.ref, parent: s.parent, after: []string{refDebian},
			inputs: append([]string{"distroless", mirror, security, nodeVersion, fmt.Sprint(s.libs)}, s.pkgs...),
			layer:  func(ctx context.Context, b *builder, dir string) error { return b.distrolessLayer(ctx, s.ref, dir) },
			config: distrolessConfig(s.ref),
		})
	}
	rs = append(rs, goRecipe(refGolang, strings.TrimPrefix(goVersion, "go"), []string{goroot, goVersion}, func(context.Context, *builder) (string, error) {
		if goroot == "" {
			return "", fmt.Errorf("no Go toolchain on this machine (`go env GOROOT` failed)")
		}
		return goroot, nil
	}))
	for _, t := range proxyGoToolchains {
		rs = append(rs, goRecipe(t.ref, t.version, []string{"golang.org/toolchain@" + toolchainModuleVersion(t.version)}, func(ctx context.Context, b *builder) (string, error) {
			return b.downloadToolchain(ctx, t.version)
		}))
	}
	rs = append(rs,
		recipe{
			ref: refNodeBuild, parent: refDebian,
			inputs: []string{"ca-certificates node-user", nodeVersion, "headers in /usr/local/include/node, npm_config_nodedir"},
			layer: func(ctx context.Context, b *builder, dir string) error {
				if err := b.aptLayer(ctx, dir, `apt-get install -y -q ca-certificates
groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node`); err != nil {
					return err
				}
				if err := copyHostNode(dir, true); err != nil {
					return err
				}
				// The official image carries Node's headers here; node-gyp
				// compiles addons against them.
				if err := copyTree(hostNodeHeaders, filepath.Join(dir, "usr/local/include/node")); err != nil {
					return fmt.Errorf("the node build stand-in needs this machine's Node headers (%s, from the nodejs package): %w", hostNodeHeaders, err)
				}
				return nil
			},
			config: func(c *v1.Config) {
				// Where the official image's node-gyp would download the same
				// headers from nodejs.org (unreachable here), the stand-in
				// points it at the ones it carries. Only the build stand-in
				// says so; generated Dockerfiles never name a nodedir.
				setEnv(c, "NODE_VERSION="+strings.TrimPrefix(nodeVersion, "v"), "npm_config_nodedir=/usr/local")
				nodeExtraCAs(c)
				c.Cmd = []string{"node"}
			},
		},
		recipe{
			ref: refPythonBuild, parent: refDebian,
			inputs: []string{"python3 python3-venv python3-pip, no EXTERNALLY-MANAGED"},
			layer: func(ctx context.Context, b *builder, dir string) error {
				return b.aptLayer(ctx, dir, `apt-get install -y -q ca-certificates python3 python3-venv python3-pip
ln -sf /usr/bin/python3 /usr/local/bin/python
ln -sf /usr/bin/pip3 /usr/local/bin/pip
rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED`)
			},
			config: func(c *v1.Config) { setEnv(c, "LANG=C.UTF-8", "PYTHON_VERSION=3.11"); c.Cmd = []string{"python3"} },
			wire:   pypiEnv,
		},
		recipe{
			ref: refMaven, parent: refDebian,
			inputs: append([]string{"openjdk-17-jdk-headless maven ca-certificates-java", mavenSettings}, mavenDebs...),
			layer: func(ctx context.Context, b *builder, dir string) error {
				return b.aptLayer(ctx, dir, `mkdir -p /usr/share/man/man1
apt-get install -y -q ca-certificates openjdk-17-jdk-headless maven `+strings.Join(mavenDebs, " ")+`
cat > /usr/share/maven/conf/settings.xml <<'XML'
`+mavenSettings+`XML`)
			},
			config: func(c *v1.Config) {
				setEnv(c, "JAVA_HOME="+jvmDir, "MAVEN_HOME=/usr/share/maven", "MAVEN_CONFIG=/root/.m2", "LANG=C.UTF-8")
				c.Cmd = []string{"mvn"}
			},
		},
		recipe{
			ref: refRust, parent: refDebian,
			inputs: append([]string{"rustc cargo ca-certificates (Debian's)", cargoConfig}, cargoDebs...),
			layer: func(ctx context.Context, b *builder, dir string) error {
				return b.aptLayer(ctx, dir, `apt-get install -y -q ca-certificates rustc cargo `+strings.Join(cargoDebs, " ")+`
mkdir -p /usr/local/cargo/bin && chmod -R a+w /usr/local/cargo
cat > /usr/local/cargo/config.toml <<'TOML'
`+cargoConfig+`TOML`)
			},
			config: func(c *v1.Config) {
				setEnv(c, "PATH=/usr/local/cargo/bin:"+defaultPath, "CARGO_HOME=/usr/local/cargo")
			},
		},
	)
	rs = append(rs, rubyRecipes()...)
	rs = append(rs, phpRecipes()...)
	rs = append(rs, elixirRecipes()...)
	return rs
}
