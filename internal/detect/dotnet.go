package detect

import (
	"bytes"
	"encoding/xml"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

type csproj struct {
	Sdk    string `xml:"Sdk,attr"`
	Groups []struct {
		TargetFramework  string `xml:"TargetFramework"`
		TargetFrameworks string `xml:"TargetFrameworks"`
		AssemblyName     string `xml:"AssemblyName"`
	} `xml:"PropertyGroup"`
}

var reNetTFM = regexp.MustCompile(`^net([0-9]+\.[0-9]+)`)

func (d *detector) dotnet() error {
	matches, _ := filepath.Glob(d.path("*.csproj"))
	var projects []string
	for _, m := range matches {
		projects = append(projects, filepath.Base(m))
	}
	sort.Strings(projects)
	d.pickOne("main", &d.r.Main, projects, "project files")
	if d.r.Main == "" {
		return nil
	}
	d.r.found("main", d.r.Main, "the only *.csproj at the root")
	src, err := d.read(d.r.Main)
	if err != nil {
		return err
	}
	var p csproj
	if err := xml.NewDecoder(bytes.NewReader(src)).Decode(&p); err != nil {
		d.r.Evidence = append(d.r.Evidence, d.r.Main+": not parsed: "+err.Error())
	}
	var tfms []string
	assembly := ""
	for _, g := range p.Groups {
		if t := strings.TrimSpace(g.TargetFramework); t != "" {
			tfms = append(tfms, t)
		}
		for _, t := range strings.Split(g.TargetFrameworks, ";") {
			if t = strings.TrimSpace(t); t != "" {
				tfms = append(tfms, t)
			}
		}
		if g.AssemblyName != "" {
			assembly = strings.TrimSpace(g.AssemblyName)
		}
	}
	var versions []string
	for _, t := range tfms {
		if m := reNetTFM.FindStringSubmatch(t); m != nil {
			versions = append(versions, m[1])
		}
	}
	d.pickOne("version", &d.r.Version, versions, "target frameworks in "+d.r.Main)
	if d.r.Version != "" {
		d.r.found("version", d.r.Version, "%s <TargetFramework>%s</TargetFramework>", d.r.Main, tfms[0])
	}
	if assembly != "" {
		d.setName(assembly, d.r.Main+" <AssemblyName>")
	} else {
		d.setName(strings.TrimSuffix(d.r.Main, ".csproj"), "the project file name")
	}
	for _, f := range []string{"Program.cs", "Startup.cs"} {
		if d.exists(f) {
			d.sources = append(d.sources, f)
		}
	}
	return nil
}
