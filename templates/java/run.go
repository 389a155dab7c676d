package java

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

// pomRun is what pom.xml says about how the jar runs.
type pomRun struct {
	Parent struct {
		ArtifactID string `xml:"artifactId"`
	} `xml:"parent"`
	Plugins []struct {
		ArtifactID    string `xml:"artifactId"`
		Configuration struct {
			MainClass string `xml:"archive>manifest>mainClass"`
		} `xml:"configuration"`
	} `xml:"build>plugins>plugin"`
}

var (
	// Gradle's Spring Boot plugin: id("org.springframework.boot") or
	// id 'org.springframework.boot'.
	reGradleBoot = regexp.MustCompile(`id\s*\(?\s*["']org\.springframework\.boot["']`)
	// A Gradle application or jar manifest main class.
	reGradleMain = regexp.MustCompile(`(?:mainClass(?:\.set\()?\s*=?\s*|["']Main-Class["']\s*(?:to|:)\s*)["']([A-Za-z0-9_.$]+)["']`)
	// Spring's server.port=${PORT:8080}: the port comes from $PORT.
	reSpringPortEnv = regexp.MustCompile(`(?m)^\s*server\.port\s*[=:]\s*\$\{PORT(?::[0-9]+)?\}`)
	// System.getenv("PORT") or getenv().getOrDefault("PORT", ...).
	reJavaPortEnv = regexp.MustCompile(`getenv\(\s*\)\s*\.\s*getOrDefault\(\s*"PORT"|getenv\(\s*"PORT"\s*\)`)
)

// runCommand records how the jar runs: a Spring Boot fat jar (java -jar of
// the jar its plugin repackaged), a jar whose manifest names a main class,
// or a warning that the build's jar may not run on its own; and whether the
// program reads its port from $PORT.
func runCommand(d *provider.Detector, pom *pomRun, gradle []byte, gradleFile string) {
	const run = "java -jar /app/app.jar (the jar the build produced)"
	switch {
	case pom != nil && pom.Parent.ArtifactID == "spring-boot-starter-parent":
		d.R.Framework = "spring-boot"
		d.R.Found("framework", "spring-boot", "pom.xml <parent> spring-boot-starter-parent: %s, the fat jar spring-boot-maven-plugin repackages", run)
	case pom != nil && pomPlugin(pom, "spring-boot-maven-plugin") != "":
		d.R.Framework = "spring-boot"
		d.R.Found("framework", "spring-boot", "pom.xml spring-boot-maven-plugin: %s, the fat jar it repackages", run)
	case gradle != nil && reGradleBoot.Match(gradle):
		d.R.Framework = "spring-boot"
		d.R.Found("framework", "spring-boot", "%s plugin org.springframework.boot: %s, the fat jar bootJar builds (the -plain jar is skipped)", gradleFile, run)
	case pom != nil:
		if mc := pomMainClass(pom); mc != "" {
			d.R.Note(fmt.Sprintf("run: %s, whose manifest names %s (pom.xml %s)", run, mc, pomPlugin(pom, mainPluginOf(pom))))
		} else if pl := pomPlugin(pom, "maven-shade-plugin"); pl != "" {
			d.R.Note("run: " + run + ", shaded by maven-shade-plugin")
		} else {
			d.R.Note("run: no Main-Class found in pom.xml (maven-jar-plugin <mainClass>, maven-shade-plugin, spring-boot-maven-plugin): `java -jar` needs one; set entrypoint in slipway.toml if the jar is not runnable")
		}
	case gradle != nil:
		if m := reGradleMain.FindSubmatch(gradle); m != nil {
			d.R.Note(fmt.Sprintf("run: %s, whose manifest names %s (%s)", run, m[1], gradleFile))
		}
	}
	for _, rel := range d.Sources {
		src, _ := d.Read(rel)
		re := reJavaPortEnv
		if strings.HasSuffix(rel, ".properties") || strings.HasSuffix(rel, ".yml") || strings.HasSuffix(rel, ".yaml") {
			re = reSpringPortEnv
			if !strings.HasSuffix(rel, ".properties") {
				re = regexp.MustCompile(`port\s*:\s*\$\{PORT(?::[0-9]+)?\}`)
			}
		}
		if loc := re.FindIndex(src); loc != nil {
			line := bytes.Count(src[:loc[0]], []byte("\n")) + 1
			d.R.PortEnv = "PORT"
			d.R.Found("port_env", "PORT", "%s:%d %s", rel, line, strings.TrimSpace(string(src[loc[0]:loc[1]])))
			return
		}
	}
}

func pomPlugin(p *pomRun, name string) string {
	for _, pl := range p.Plugins {
		if pl.ArtifactID == name {
			return name
		}
	}
	return ""
}

func pomMainClass(p *pomRun) string {
	for _, pl := range p.Plugins {
		if pl.Configuration.MainClass != "" {
			return strings.TrimSpace(pl.Configuration.MainClass)
		}
	}
	return ""
}

func mainPluginOf(p *pomRun) string {
	for _, pl := range p.Plugins {
		if pl.Configuration.MainClass != "" {
			return pl.ArtifactID
		}
	}
	return ""
}
