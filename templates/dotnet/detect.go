package dotnet

import (
	"bytes"
	"encoding/xml"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/provider"
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

// Detect reads the tree as a project of this language (provider.Provider).
func (Provider) Detect(d *provider.Detector) error {
	matches, _ := filepath.Glob(d.Path("*.csproj"))
	var projects []string
	for _, m := range matches {
		projects = append(projects, filepath.Base(m))
	}
	sort.Strings(projects)
	d.PickOne("main", &d.R.Main, projects, "project files")
	if d.R.Main == "" {
		return nil
	}
	d.R.Found("main", d.R.Main, "the only *.csproj at the root")
	src, err := d.Read(d.R.Main)
	if err != nil {
		return err
	}
	var p csproj
	if err := xml.NewDecoder(bytes.NewReader(src)).Decode(&p); err != nil {
		d.R.Note(d.R.Main + ": not parsed: " + err.Error())
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
	d.PickOne("version", &d.R.Version, versions, "target frameworks in "+d.R.Main)
	if d.R.Version != "" {
		d.R.Found("version", d.R.Version, "%s <TargetFramework>%s</TargetFramework>", d.R.Main, tfms[0])
	}
	if assembly != "" {
		d.SetName(assembly, d.R.Main+" <AssemblyName>")
	} else {
		d.SetName(strings.TrimSuffix(d.R.Main, ".csproj"), "the project file name")
	}
	runCommand(d, p, assembly)
	for _, f := range []string{"Program.cs", "Startup.cs"} {
		if d.Exists(f) {
			d.Sources = append(d.Sources, f)
		}
	}
	return nil
}
