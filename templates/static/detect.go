package static

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/templates/node"
)

var (
	// An output folder given to the build tool on the command line:
	// vite build --outDir out, parcel build --dist-dir out, a script's
	// --out-dir.
	reOutFlag = regexp.MustCompile(`(?:^|\s)--(?:outDir|outdir|out-dir|dist-dir|output-path)[= ]["']?([A-Za-z0-9._/@+-]+)`)
	// Vite's build.outDir and Vue CLI's outputDir in their config files.
	reViteOutDir = regexp.MustCompile(`\boutDir\s*:\s*["']([A-Za-z0-9._/@+-]+)["']`)
	reVueOutDir  = regexp.MustCompile(`\boutputDir\s*:\s*["']([A-Za-z0-9._/@+-]+)["']`)
)

// Detect reads the tree as a static site (provider.Provider): a front-end
// app's Node build (node.DetectToolchain: version, package manager and lock
// file, native dependencies, .npmrc secrets) and the folder its build
// writes, or a plain HTML site served as it is. The server answers its own
// HEALTHCHECK (-healthcheck).
func (Provider) Detect(d *provider.Detector) error {
	fe, err := node.FrontEnd(d)
	if err != nil {
		return err
	}
	t, err := node.DetectToolchain(d)
	if err != nil {
		return err
	}
	switch {
	case t == nil:
		plain(d)
	case fe == "":
		d.R.Refuse("package.json", "not a static site: it has no build script, or it starts a server (a start script, main, or a server dependency such as express); use language = \"node\"")
	default:
		d.R.Note("static site: package.json (" + fe + ")")
		if d.R.Framework = framework(t); d.R.Framework != "" {
			d.R.Found("framework", d.R.Framework, "package.json dependencies")
		}
		if err := outputDir(d, t); err != nil {
			return err
		}
	}
	d.R.HealthFlag = "-healthcheck"
	d.R.Note("healthcheck: slipway-static -healthcheck GETs / on the port (no shell needed)")
	return nil
}

// plain is a site with no package.json: its files are served as they
// are, from the root or public/.
func plain(d *provider.Detector) {
	d.R.PackageManager = "none"
	d.R.Found("package_manager", "none", "no package.json: the files are served as they are, with no build")
	var cands []string
	for _, dir := range []string{".", "public"} {
		if d.Exists(path.Join(dir, "index.html")) {
			cands = append(cands, dir)
		}
	}
	d.PickOne("main", &d.R.Main, cands, "folders with an index.html")
	if d.R.Main != "" {
		d.R.Found("main", d.R.Main, "%s", path.Join(d.R.Main, "index.html"))
	}
}

// framework names the build tool of a front-end app, or "".
func framework(t *node.Toolchain) string {
	for _, f := range []struct{ dep, name string }{
		{"@angular/cli", "angular"}, {"react-scripts", "create-react-app"}, {"@vue/cli-service", "vue-cli"},
		{"vite", "vite"}, {"parcel", "parcel"},
	} {
		if t.Deps[f.dep] {
			return f.name
		}
	}
	return ""
}

// outputDir sets main to the folder the build script writes: a flag of the
// build script, the tool's configuration, or the tool's default. A plain
// build script that names no folder is an open choice.
func outputDir(d *provider.Detector, t *node.Toolchain) error {
	build := t.Scripts["build"]
	set := func(dir, format string, args ...any) {
		d.R.Main = path.Clean(dir)
		d.R.Found("main", d.R.Main, format, args...)
	}
	if m := reOutFlag.FindStringSubmatch(build); m != nil {
		set(m[1], "package.json scripts.build (%s)", build)
		return nil
	}
	switch {
	case t.Deps["@angular/cli"]:
		return angular(d, set)
	case t.Deps["react-scripts"]:
		set("build", "Create React App's output folder")
		return nil
	case t.Deps["@vue/cli-service"]:
		return fromConfig(d, set, []string{"vue.config.js", "vue.config.cjs", "vue.config.mjs", "vue.config.ts"}, reVueOutDir, "Vue CLI")
	case t.Deps["vite"]:
		return fromConfig(d, set, []string{"vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts", "vite.config.cjs"}, reViteOutDir, "Vite")
	case t.Deps["parcel"]:
		set("dist", "Parcel's output folder")
		return nil
	}
	d.R.Choice("main", true, "scripts.build (`%s`) names no output folder: main must name the folder it writes (--main dist)", build)
	return nil
}

// fromConfig reads the output folder from the first config file that sets
// it, else takes the tool's default, dist.
func fromConfig(d *provider.Detector, set func(string, string, ...any), configs []string, re *regexp.Regexp, tool string) error {
	for _, f := range configs {
		b, err := d.Read(f)
		if err != nil {
			return err
		}
		if m := re.FindSubmatch(b); m != nil {
			set(string(m[1]), "%s", f)
			return nil
		}
	}
	set("dist", "%s's output folder", tool)
	return nil
}

// angularJSON is what detection reads of angular.json.
type angularJSON struct {
	DefaultProject string `json:"defaultProject"`
	Projects       map[string]struct {
		ProjectType string `json:"projectType"`
		Architect   struct {
			Build struct {
				Builder string `json:"builder"`
				Options struct {
					OutputPath json.RawMessage `json:"outputPath"`
				} `json:"options"`
			} `json:"build"`
		} `json:"architect"`
	} `json:"projects"`
}

// angular finds the application's output folder: outputPath (a string, or
// {base, browser}) of its build target, with the browser/ subfolder of the
// application builder (Angular 17+); the default is dist/<project>.
func angular(d *provider.Detector, set func(string, string, ...any)) error {
	b, err := d.Read("angular.json")
	if err != nil {
		return err
	}
	var a angularJSON
	if b == nil || json.Unmarshal(b, &a) != nil {
		d.R.Choice("main", true, "an Angular app without a readable angular.json: main must name the folder ng build writes (dist/<app>/browser)")
		return nil
	}
	var apps []string
	for name, p := range a.Projects {
		if p.ProjectType == "" || p.ProjectType == "application" {
			apps = append(apps, name)
		}
	}
	sort.Strings(apps)
	name := a.DefaultProject
	if name == "" {
		if len(apps) != 1 {
			d.R.Choice("main", true, "angular.json has %s applications (%s): main must name the folder of the one to serve", provider.CountWord(len(apps)), strings.Join(apps, ", "))
			return nil
		}
		name = apps[0]
	}
	p := a.Projects[name]
	out, browser := "dist/"+name, "browser"
	var s string
	var o struct{ Base, Browser *string }
	switch {
	case json.Unmarshal(p.Architect.Build.Options.OutputPath, &s) == nil && s != "":
		out = s
	case json.Unmarshal(p.Architect.Build.Options.OutputPath, &o) == nil && o.Base != nil:
		out = *o.Base
		if o.Browser != nil {
			browser = *o.Browser
		}
	}
	builder := p.Architect.Build.Builder
	if strings.HasSuffix(builder, ":application") {
		out = path.Join(out, browser)
	}
	set(out, "angular.json projects.%s (%s)", name, fmt.Sprint(builder))
	return nil
}
