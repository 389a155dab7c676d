package static_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/testkit"
	"github.com/slipway/slipway/templates/static"
)

// TestExample is detection of examples/static, which the e2e test builds.
func TestExample(t *testing.T) {
	r, err := detect.Detect("../../examples/static")
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != "static" || r.Main != "dist" || r.PackageManager != "npm" || r.Version != "20" || r.HealthFlag != "-healthcheck" || r.Name != "hello-static" {
		t.Errorf("language %q main %q pm %q version %q flag %q name %q, want static dist npm 20 -healthcheck hello-static\nevidence %q",
			r.Language, r.Main, r.PackageManager, r.Version, r.HealthFlag, r.Name, r.Evidence)
	}
	if len(r.Ambiguities) > 0 || len(r.Refusals) > 0 || len(r.BuildSecrets) > 0 {
		t.Errorf("ambiguities %q refusals %q secrets %v, want none", r.Ambiguities, r.Refusals, r.BuildSecrets)
	}
}

const lock = `{"lockfileVersion":3,"packages":{}}`

// TestOutputFolders: the folder each build tool writes, from its flag, its
// configuration or its default.
func TestOutputFolders(t *testing.T) {
	for name, c := range map[string]struct {
		files     map[string]string
		main      string
		framework string
	}{
		"the corpus's vite app": {nil, "dist", "vite"},
		"vite outDir": {map[string]string{"package.json": `{"scripts":{"build":"vite build"},"devDependencies":{"vite":"6"}}`,
			"vite.config.ts": "export default defineConfig({ build: { outDir: 'public_html' } })"}, "public_html", "vite"},
		"vite --outDir":    {map[string]string{"package.json": `{"scripts":{"build":"tsc && vite build --outDir www"},"devDependencies":{"vite":"6"}}`}, "www", "vite"},
		"create react app": {map[string]string{"package.json": `{"scripts":{"start":"react-scripts start","build":"react-scripts build"},"dependencies":{"react-scripts":"5"}}`}, "build", "create-react-app"},
		"vue cli outputDir": {map[string]string{"package.json": `{"scripts":{"serve":"vue-cli-service serve","build":"vue-cli-service build"},"devDependencies":{"@vue/cli-service":"5"}}`,
			"vue.config.js": "module.exports = { outputDir: 'site' }"}, "site", "vue-cli"},
		"angular application builder": {map[string]string{"package.json": `{"scripts":{"start":"ng serve","build":"ng build"},"devDependencies":{"@angular/cli":"18"}}`,
			"angular.json": `{"projects":{"shop":{"projectType":"application","architect":{"build":{"builder":"@angular-devkit/build-angular:application","options":{"outputPath":"dist/shop"}}}}}}`}, "dist/shop/browser", "angular"},
		"angular browser builder": {map[string]string{"package.json": `{"scripts":{"build":"ng build"},"devDependencies":{"@angular/cli":"16"}}`,
			"angular.json": `{"projects":{"shop":{"architect":{"build":{"builder":"@angular-devkit/build-angular:browser","options":{"outputPath":"dist/shop"}}}}}}`}, "dist/shop", "angular"},
		"angular outputPath object": {map[string]string{"package.json": `{"scripts":{"build":"ng build"},"devDependencies":{"@angular/cli":"18"}}`,
			"angular.json": `{"projects":{"shop":{"architect":{"build":{"builder":"@angular/build:application","options":{"outputPath":{"base":"out","browser":""}}}}}}}`}, "out", "angular"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "..", "internal", "e2e", "testdata", "services", "vite-react-spa")
			if c.files != nil {
				c.files["package-lock.json"] = lock
				c.files["index.html"] = "<!doctype html>"
				dir = testkit.WriteTree(t, c.files)
			}
			r, err := detect.Detect(dir)
			if err != nil {
				t.Fatal(err)
			}
			if r.Language != "static" || r.Main != c.main || r.Framework != c.framework || len(r.Ambiguities) > 0 || len(r.Refusals) > 0 {
				t.Errorf("language %q main %q framework %q ambiguities %q refusals %q, want static %q %q\nevidence %q",
					r.Language, r.Main, r.Framework, r.Ambiguities, r.Refusals, c.main, c.framework, r.Evidence)
			}
		})
	}
}

// TestPlainHTML: a tree with an index.html and no package.json is served as
// it is; beside another language's project it is that service's front end.
func TestPlainHTML(t *testing.T) {
	for name, c := range map[string]struct {
		files map[string]string
		lang  string
		main  string
	}{
		"root":           {map[string]string{"index.html": "", "style.css": ""}, "static", "."},
		"public":         {map[string]string{"public/index.html": "", "README.md": ""}, "static", "public"},
		"beside go.mod":  {map[string]string{"index.html": "", "go.mod": "module x\n\ngo 1.26\n", "main.go": "package main\nfunc main() {}\n"}, "go", "."},
		"a node server":  {map[string]string{"index.html": "", "package.json": `{"scripts":{"start":"node server.js","build":"tsc"}}`, "package-lock.json": lock, "server.js": ""}, "node", "server.js"},
		"an express app": {map[string]string{"public/index.html": "", "package.json": `{"dependencies":{"express":"4"},"scripts":{"build":"webpack"}}`, "package-lock.json": lock, "index.js": ""}, "node", "index.js"},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := detect.Detect(testkit.WriteTree(t, c.files))
			if err != nil {
				t.Fatal(err)
			}
			if r.Language != c.lang || r.Main != c.main || len(r.Ambiguities) > 0 {
				t.Errorf("language %q (of %q) main %q ambiguities %q, want %s %q", r.Language, r.Languages, r.Main, r.Ambiguities, c.lang, c.main)
			}
			if c.lang == "static" && r.PackageManager != "none" {
				t.Errorf("package_manager %q, want none", r.PackageManager)
			}
		})
	}
}

// TestChoicesAndRefusals: what detection cannot tell is an open choice or a
// refusal, never a guess.
func TestChoicesAndRefusals(t *testing.T) {
	r, err := detect.Detect(testkit.WriteTree(t, map[string]string{"package.json": `{"scripts":{"build":"node make-site.js"}}`, "package-lock.json": lock, "index.html": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != "static" || !r.Ambiguous("main") || !strings.Contains(strings.Join(r.Ambiguities, "\n"), "--main dist") {
		t.Errorf("language %q main %q ambiguities %q, want static with an open choice on main", r.Language, r.Main, r.Ambiguities)
	}
	r, err = detect.Detect(testkit.WriteTree(t, map[string]string{"index.html": "", "public/index.html": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Ambiguous("main") {
		t.Errorf("two folders with an index.html: main %q, want an open choice", r.Main)
	}
	r, err = detect.DetectAs(testkit.WriteTree(t, map[string]string{"package.json": `{"dependencies":{"express":"4"},"scripts":{"start":"node index.js"}}`, "package-lock.json": lock, "index.js": ""}), "static")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Refusals) != 1 || !strings.Contains(r.Refusals[0], `language = "node"`) {
		t.Errorf("a Node server read as static: refusals %q, want one naming language node", r.Refusals)
	}
	r, err = detect.Detect(testkit.WriteTree(t, map[string]string{"package.json": `{"scripts":{"build":"vite build"},"devDependencies":{"vite":"6"}}`, "index.html": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != "static" || !slices.ContainsFunc(r.Refusals, func(s string) bool { return strings.HasPrefix(s, "package-lock.json: not found") }) {
		t.Errorf("no lock file: language %q refusals %q, want a refusal on package-lock.json", r.Language, r.Refusals)
	}
}

// TestNpmrcSecret: an .npmrc that names its token as a variable makes the
// install and build steps mount it, with the variable as a build secret.
func TestNpmrcSecret(t *testing.T) {
	r, err := detect.Detect(testkit.WriteTree(t, map[string]string{"package.json": `{"scripts":{"build":"vite build"},"devDependencies":{"vite":"6"}}`,
		"package-lock.json": lock, "index.html": "", ".npmrc": "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Npmrc || len(r.BuildSecrets) != 1 || r.BuildSecrets[0] != (provider.Secret{ID: "npm_token", Env: "NPM_TOKEN"}) {
		t.Errorf("npmrc %v secrets %v, want true and npm_token from $NPM_TOKEN", r.Npmrc, r.BuildSecrets)
	}
}

// TestValidate: the site folder stays inside the project, and a plain site
// (no build step) refuses what only a build would use.
func TestValidate(t *testing.T) {
	var v provider.Validator = static.Provider{}
	for m, ok := range map[string]bool{"dist": true, ".": true, "dist/shop/browser": true, "/srv": false, "../site": false, "dist/": false, "..": false} {
		if got := len(v.Validate(provider.Settings{Main: m, PackageManager: "npm"})) == 0; got != ok {
			t.Errorf("main %q: accepted %v, want %v", m, got, ok)
		}
	}
	is := v.Validate(provider.Settings{Main: ".", PackageManager: "none", BuildSecrets: 1, Npmrc: true})
	if len(is) != 1 || is[0].Key != "package_manager" || !strings.Contains(is[0].Msg, "[[secret]], npmrc") {
		t.Errorf("none with a secret and npmrc: %+v, want one issue on package_manager naming both", is)
	}
	if is := v.Validate(provider.Settings{PackageManager: "npm", BuildSecrets: 1, Npmrc: true}); len(is) != 0 {
		t.Errorf("npm with a secret: %+v, want none", is)
	}
}
