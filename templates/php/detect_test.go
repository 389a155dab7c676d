package php_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/testkit"
	"github.com/slipway/slipway/templates/php"
)

const lock = `{"packages": [], "packages-dev": []}`

// tree writes files (slash paths) into a new directory.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	return testkit.WriteTree(t, files)
}

// TestDetectFrameworks: each framework is told by its own files, and the
// document root by where index.php is.
func TestDetectFrameworks(t *testing.T) {
	for _, c := range []struct {
		name      string
		files     map[string]string
		framework string
		main      string
	}{
		{"laravel", map[string]string{"composer.json": `{"name":"acme/shop","require":{"php":"^8.2","laravel/framework":"^11.0"}}`,
			"composer.lock": lock, "artisan": "#!/usr/bin/env php\n<?php\n", "public/index.php": "<?php\n"}, "laravel", "public"},
		{"symfony", map[string]string{"composer.json": `{"require":{"symfony/framework-bundle":"7.1.*"}}`, "composer.lock": lock,
			"bin/console": "#!/usr/bin/env php\n<?php\n", "public/index.php": "<?php\n"}, "symfony", "public"},
		{"slim", map[string]string{"composer.json": `{"require":{"slim/slim":"^4.14"}}`, "composer.lock": lock,
			"public/index.php": "<?php\n"}, "slim", "public"},
		{"plain public", map[string]string{"composer.json": `{}`, "composer.lock": lock, "public/index.php": "<?php\n"}, "", "public"},
		{"plain root", map[string]string{"composer.json": `{}`, "composer.lock": lock, "index.php": "<?php\n"}, "", "."},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := detect.Detect(tree(t, c.files))
			if err != nil {
				t.Fatal(err)
			}
			if r.Language != "php" || r.Framework != c.framework || r.Main != c.main {
				t.Errorf("language %q framework %q main %q, want php %q %q", r.Language, r.Framework, r.Main, c.framework, c.main)
			}
			if len(r.Refusals) > 0 || len(r.BuildSecrets) > 0 {
				t.Errorf("refusals %q secrets %v, want none", r.Refusals, r.BuildSecrets)
			}
		})
	}
}

// TestDetectExample reads examples/php: its name, document root and the
// /healthz route declared in src/App.php.
func TestDetectExample(t *testing.T) {
	r, err := detect.Detect(filepath.Join("..", "..", "examples", "php"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "hello-php" || r.Main != "public" || r.HealthPath != "/healthz" || len(r.Refusals) > 0 {
		t.Errorf("name %q main %q health %q refusals %q; want hello-php public /healthz none", r.Name, r.Main, r.HealthPath, r.Refusals)
	}
}

// TestDetectRefusals: no composer.lock, or an extension the base lacks,
// stops init with the file and what is missing named.
func TestDetectRefusals(t *testing.T) {
	r, err := detect.Detect(tree(t, map[string]string{"composer.json": `{"require":{"ext-intl":"*","ext-mbstring":"*","ext-PDO":"*"}}`,
		"public/index.php": "<?php\n"}))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(r.Refusals, "\n")
	for _, want := range []string{"composer.lock: missing", "composer.json: requires ext-intl,", "mbstring"} {
		if !strings.Contains(got, want) {
			t.Errorf("refusals %q do not say %q", r.Refusals, want)
		}
	}
	if strings.Contains(got, "ext-mbstring") || strings.Contains(got, "ext-pdo") {
		t.Errorf("refusals %q name an extension the base has", r.Refusals)
	}
}

// TestDetectComposerAuth: a private repository (list or object form) or an
// auth.json declares COMPOSER_AUTH; Packagist and path repositories do not.
func TestDetectComposerAuth(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"composer repository", map[string]string{"composer.json": `{"repositories":[{"type":"composer","url":"https://repo.acme.dev"}]}`}, true},
		{"vcs object form", map[string]string{"composer.json": `{"repositories":{"lib":{"type":"vcs","url":"git@github.com:acme/lib.git"}}}`}, true},
		{"auth.json", map[string]string{"composer.json": `{}`, "auth.json": `{"http-basic":{}}`}, true},
		{"path repository", map[string]string{"composer.json": `{"repositories":[{"type":"path","url":"../lib"}]}`}, false},
		{"packagist", map[string]string{"composer.json": `{"repositories":[{"type":"composer","url":"https://repo.packagist.org"}]}`}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.files["composer.lock"] = lock
			r, err := detect.Detect(tree(t, c.files))
			if err != nil {
				t.Fatal(err)
			}
			got := len(r.BuildSecrets) == 1 && r.BuildSecrets[0] == provider.Secret{ID: php.SecretID, Env: php.SecretEnv}
			if got != c.want || (!c.want && len(r.BuildSecrets) > 0) {
				t.Errorf("secrets %v, want COMPOSER_AUTH: %v", r.BuildSecrets, c.want)
			}
		})
	}
}

// TestValidateMain refuses a document root outside the project.
func TestValidateMain(t *testing.T) {
	for m, ok := range map[string]bool{"public": true, ".": true, "web/app": true, "../x": false, "/var/www": false, "public/": false, "a/../b": false} {
		if got := len(php.Provider{}.Validate(provider.Settings{Main: m})) == 0; got != ok {
			t.Errorf("main %q accepted %v, want %v", m, got, ok)
		}
	}
}

// TestHTTPProbe: the runtime probe is exec form on the base's php.
func TestHTTPProbe(t *testing.T) {
	got := php.Provider{}.HTTPProbe("/usr/local/bin/php", "http://127.0.0.1:8080/healthz")
	if len(got) != 3 || got[0] != "/usr/local/bin/php" || got[1] != "-r" || !strings.Contains(got[2], `"http://127.0.0.1:8080/healthz"`) {
		t.Errorf("probe %q", got)
	}
}
