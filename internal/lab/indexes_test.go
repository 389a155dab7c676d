package lab_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// The python build stand-in installs real frameworks from the lab's PyPI
// stand-in (PyPI itself is unreachable): pip resolves flask, gunicorn,
// FastAPI, uvicorn and Django with their dependencies from wheels made of
// Debian's packages, the compiled ones (MarkupSafe's speedups) load, and gunicorn serves a Flask app that answers.
func TestPyPIStandInServesFrameworks(t *testing.T) {
	if testing.Short() {
		t.Skip("installs frameworks through BuildKit")
	}
	l := labtest.Require(t)
	// No cache: the index may have changed since the last run.
	buildContext(t, l, map[string]string{"Dockerfile": `FROM docker.io/library/python:3.11-slim-bookworm
RUN printf 'from flask import Flask\napp = Flask(__name__)\n@app.get("/")\ndef hi():\n    return "hello from flask"\n' > /app.py
RUN pip install --no-cache-dir flask gunicorn 2>&1 | tee /pip.log \
 && grep -q "Looking in indexes: ` + "http://" + l.Registry + `/pypi/simple/" /pip.log \
 && python3 -c 'import markupsafe._speedups' \
 && cd / && (gunicorn --bind 127.0.0.1:18123 app:app & echo $! > /gunicorn.pid) \
 && python3 -c 'import time, urllib.request as u; time.sleep(3); b = u.urlopen("http://127.0.0.1:18123/").read(); assert b == b"hello from flask", b; print(b)' \
 && kill $(cat /gunicorn.pid)
RUN python3 -m venv /venv && /venv/bin/pip install --no-cache-dir fastapi uvicorn django requests pyyaml \
 && /venv/bin/python -c 'import fastapi, uvicorn, django, requests, pydantic, yaml; print(fastapi.__version__, django.__version__)' \
 && /venv/bin/uvicorn --version
RUN mkdir -p /out/site-packages && printf 'flask\ngunicorn\n' > /tmp/requirements.txt \
 && pip install --no-cache-dir --target /out/site-packages -r /tmp/requirements.txt \
 && PYTHONPATH=/out/site-packages python3 -c 'import flask, gunicorn'
`}, true)
}

func TestPyPIProjectsListed(t *testing.T) {
	l := labtest.Require(t)
	li, err := l.PyPIProjects()
	if err != nil {
		t.Fatalf("reading the served projects: %v", err)
	}
	have := map[string]bool{}
	for _, p := range li.Projects {
		have[strings.ToLower(p.Name)] = true
	}
	for _, want := range []string{"flask", "werkzeug", "jinja2", "markupsafe", "itsdangerous", "click", "blinker",
		"gunicorn", "fastapi", "starlette", "pydantic", "uvicorn", "h11", "anyio", "sniffio", "idna",
		"typing_extensions", "django", "asgiref", "sqlparse", "requests", "urllib3", "certifi",
		"charset-normalizer", "packaging", "setuptools", "wheel"} {
		if !have[want] {
			t.Errorf("the index does not serve %s", want)
		}
	}
}

// Every Go version the catalogue offers has a golang:<version>-bookworm
// stand-in whose go is that version (1.26 is the machine's own Go; the
// others come from the Go module proxy's golang.org/toolchain).
func TestGoStandInPerCatalogueVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("pulls three golang stand-ins through BuildKit")
	}
	l := labtest.Require(t)
	var m struct {
		Versions []string          `toml:"versions"`
		Builders map[string]string `toml:"builders"`
	}
	// The source file, wherever the templates package embeds it.
	if _, err := toml.DecodeFile(filepath.Join("..", "..", "templates", "go", "manifest.toml"), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Versions) == 0 || m.Builders["default"] == "" {
		t.Fatalf("templates/go/manifest.toml: no versions or default builder: %+v", m)
	}
	standIns := map[string]bool{}
	for _, ref := range lab.StandIns() {
		standIns[ref] = true
	}
	for _, v := range m.Versions {
		ref := strings.ReplaceAll(m.Builders["default"], "{version}", v)
		t.Run(v, func(t *testing.T) {
			if !standIns[ref] {
				t.Fatalf("no stand-in %s (stand-ins: %v)", ref, lab.StandIns())
			}
			buildContext(t, l, map[string]string{"Dockerfile": "FROM " + ref + "\nRUN go version && go version | grep -q ' go" + v + "[. ]' && go env GOROOT GOTOOLCHAIN && go tool compile -V\n"}, true)
		})
	}
}

// The maven stand-in builds a jar offline: the default lifecycle's plugins
// (resources, compiler, surefire with tests skipped, jar) and a dependency
// come from Debian's /usr/share/maven-repo, the central repository of its
// global settings (Debian relocates the lifecycle's default plugin versions,
// e.g. compiler 3.1, to the ones it packages), with no checksum warning and
// no remote download.
func TestMavenStandInBuildsFromDebianRepo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a Maven build through BuildKit")
	}
	l := labtest.Require(t)
	buildContext(t, l, map[string]string{
		"pom.xml": `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>lab</groupId>
  <artifactId>hello</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <skipTests>true</skipTests>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.apache.commons</groupId>
      <artifactId>commons-lang3</artifactId>
      <version>3.12.0</version>
    </dependency>
  </dependencies>
</project>
`,
		"src/main/java/lab/Hello.java": `package lab;

import org.apache.commons.lang3.StringUtils;

public class Hello {
    public static void main(String[] args) {
        System.out.println(StringUtils.capitalize("hello from maven"));
    }
}
`,
		"src/main/resources/app.properties": "greeting=hello\n",
		"Dockerfile": `FROM docker.io/library/maven:3-eclipse-temurin-17
WORKDIR /src
COPY . .
RUN mvn -B package 2>&1 | tee /mvn.log; grep -q "BUILD SUCCESS" /mvn.log \
 && ! grep -E "Could not validate integrity|Downloading from .*https?://" /mvn.log \
 && unzip -l target/hello-1.0.jar | grep -q app.properties \
 && test "$(java -cp target/hello-1.0.jar:/usr/share/maven-repo/org/apache/commons/commons-lang3/3.12.0/commons-lang3-3.12.0.jar lab.Hello)" = "Hello from maven"
`,
	}, true)
}

// The rust stand-in builds a crate whose dependencies come from Debian's
// packaged crates (/usr/share/cargo/registry) through cargo's source
// replacement of crates.io.
func TestCargoStandInBuildsFromDebianCrates(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a cargo build through BuildKit")
	}
	l := labtest.Require(t)
	buildContext(t, l, map[string]string{
		"Cargo.toml": `[package]
name = "hello"
version = "0.1.0"
edition = "2021"

[dependencies]
anyhow = "1"
serde_json = "1"
`,
		"src/main.rs": `fn main() -> anyhow::Result<()> {
    let v: serde_json::Value = serde_json::from_str(r#"{"greeting": "hello from cargo"}"#)?;
    println!("{}", v["greeting"].as_str().ok_or_else(|| anyhow::anyhow!("no greeting"))?);
    Ok(())
}
`,
		"Dockerfile": `FROM docker.io/library/rust:1-slim-bookworm
WORKDIR /src
COPY . .
RUN cargo build 2>&1 | tee /cargo.log && test "$(./target/debug/hello)" = "hello from cargo" \
 && grep -q 'name = "serde_json"' Cargo.lock
`,
	}, true)
}
