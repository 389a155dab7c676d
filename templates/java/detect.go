package java

import (
	"bytes"
	"encoding/xml"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

type pomXML struct {
	ArtifactID string   `xml:"artifactId"`
	Properties xmlProps `xml:"properties"`
	Build      struct {
		Plugins []struct {
			ArtifactID    string `xml:"artifactId"`
			Configuration struct {
				Release string `xml:"release"`
				Source  string `xml:"source"`
			} `xml:"configuration"`
		} `xml:"plugins>plugin"`
	} `xml:"build"`
}

// xmlProps collects arbitrary <properties> children.
type xmlProps struct {
	Entries []struct {
		XMLName xml.Name
		Value   string `xml:",chardata"`
	} `xml:",any"`
}

func (p xmlProps) get(name string) string {
	for _, e := range p.Entries {
		if e.XMLName.Local == name {
			return strings.TrimSpace(e.Value)
		}
	}
	return ""
}

var (
	reGradleVersion = []*regexp.Regexp{
		regexp.MustCompile(`JavaLanguageVersion\.of\(\s*"?([0-9]+)"?\s*\)`),
		regexp.MustCompile(`jvmToolchain\(\s*([0-9]+)\s*\)`),
		regexp.MustCompile(`options\.release(?:\.set\()?\s*=?\s*([0-9]+)`),
		regexp.MustCompile(`(?:source|target)Compatibility\s*=\s*(?:JavaVersion\.VERSION_)?['"]?([0-9]+)`),
	}
	reRootProject = regexp.MustCompile(`rootProject\.name\s*=\s*["']([^"']+)["']`)
	reJavaMain    = regexp.MustCompile(`\bstatic\s+(?:public\s+)?void\s+main\s*\(`)
)

// Detect reads the tree as a project of this language (provider.Provider).
func (Provider) Detect(d *provider.Detector) error {
	var pms []string
	if d.Exists("pom.xml") {
		pms = append(pms, "maven")
	}
	var gradleFile string
	for _, f := range []string{"build.gradle.kts", "build.gradle"} {
		if d.Exists(f) {
			gradleFile = f
			pms = append(pms, "gradle")
			break
		}
	}
	switch len(pms) {
	case 1:
		d.R.PackageManager = pms[0]
		src := "pom.xml"
		if pms[0] == "gradle" {
			src = gradleFile
		}
		d.R.Found("package_manager", pms[0], "%s", src)
	case 2:
		d.R.Choice("package_manager", true, "both pom.xml (maven) and %s (gradle) found", gradleFile)
	}

	var run *pomRun
	if src, err := d.Read("pom.xml"); err != nil {
		return err
	} else if src != nil {
		var pom pomXML
		if err := xml.NewDecoder(bytes.NewReader(src)).Decode(&pom); err != nil {
			d.R.Note("pom.xml: not parsed: " + err.Error())
		}
		for _, k := range []string{"maven.compiler.release", "maven.compiler.source", "maven.compiler.target", "java.version"} {
			if v := javaMajor(pom.Properties.get(k)); v != "" {
				d.R.Version = v
				d.R.Found("version", v, "pom.xml <%s>", k)
				break
			}
		}
		if d.R.Version == "" {
			for _, pl := range pom.Build.Plugins {
				if pl.ArtifactID != "maven-compiler-plugin" {
					continue
				}
				for _, v := range []string{pl.Configuration.Release, pl.Configuration.Source} {
					if v = javaMajor(v); v != "" {
						d.R.Version = v
						d.R.Found("version", v, "pom.xml maven-compiler-plugin configuration")
						break
					}
				}
			}
		}
		d.SetName(pom.ArtifactID, "pom.xml artifactId")
		run = &pomRun{}
		if err := xml.NewDecoder(bytes.NewReader(src)).Decode(run); err != nil {
			run = nil
		}
	}
	var gradle []byte
	if gradleFile != "" {
		src, err := d.Read(gradleFile)
		if err != nil {
			return err
		}
		gradle = src
		if d.R.Version == "" {
			for _, re := range reGradleVersion {
				if m := re.FindSubmatch(src); m != nil {
					d.R.Version = string(m[1])
					d.R.Found("version", d.R.Version, "%s (%s)", gradleFile, strings.TrimSpace(string(m[0])))
					break
				}
			}
		}
		for _, f := range []string{"settings.gradle.kts", "settings.gradle"} {
			s, err := d.Read(f)
			if err != nil {
				return err
			}
			if m := reRootProject.FindSubmatch(s); m != nil {
				d.SetName(string(m[1]), f+" rootProject.name")
				break
			}
		}
	}

	// Sources holding a main method, and Spring's server.port.
	n := 0
	_ = filepath.WalkDir(d.Path("src/main"), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if n++; n > provider.MaxWalk || len(d.Sources) >= 20 {
			return filepath.SkipAll
		}
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".java") || strings.HasSuffix(name, ".kt")) {
			if name == "application.properties" || name == "application.yml" || name == "application.yaml" {
				rel, _ := filepath.Rel(d.Dir, p)
				d.Sources = append(d.Sources, filepath.ToSlash(rel))
			}
			return nil
		}
		rel, _ := filepath.Rel(d.Dir, p)
		if src, _ := d.Read(rel); reJavaMain.Match(src) || strings.HasSuffix(name, ".kt") && bytes.Contains(src, []byte("fun main(")) {
			d.Sources = append(d.Sources, filepath.ToSlash(rel))
		}
		return nil
	})
	runCommand(d, run, gradle, gradleFile)
	return nil
}

// javaMajor turns "17", "1.8" or "${java.version}"-free values into a major version.
func javaMajor(v string) string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "1.") {
		v = v[2:]
	}
	if i := strings.IndexByte(v, '.'); i >= 0 {
		v = v[:i]
	}
	if !provider.AllDigits(v) {
		return ""
	}
	return v
}
