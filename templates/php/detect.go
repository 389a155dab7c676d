package php

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

// composerJSON is what detection reads of composer.json.
type composerJSON struct {
	Name         string            `json:"name"`
	Require      map[string]string `json:"require"`
	Repositories json.RawMessage   `json:"repositories"`
}

// baseExtensions are the extensions compiled into or enabled in the
// official php:8.2-apache image (`php -m`), which the catalogue's
// php-apache base is; the lab's stand-in carries the same set from
// Debian's php8.2 packages. An ext-* requirement outside it is refused:
// slipway does not compile PHP extensions into the final image.
var baseExtensions = map[string]bool{
	"core": true, "ctype": true, "curl": true, "date": true, "dom": true, "fileinfo": true, "filter": true,
	"ftp": true, "hash": true, "iconv": true, "json": true, "libxml": true, "mbstring": true, "openssl": true,
	"pcre": true, "pdo": true, "pdo_sqlite": true, "phar": true, "posix": true, "random": true,
	"readline": true, "reflection": true, "session": true, "simplexml": true, "sodium": true, "spl": true,
	"sqlite3": true, "standard": true, "tokenizer": true, "xml": true, "xmlreader": true, "xmlwriter": true,
	"zlib": true,
}

// SecretID and SecretEnv are the build secret a private Composer
// repository needs: COMPOSER_AUTH, the JSON that auth.json would hold,
// which Composer reads from the environment.
const (
	SecretID  = "composer_auth"
	SecretEnv = "COMPOSER_AUTH"
)

// Detect reads the tree as a project of this language (provider.Provider).
func (Provider) Detect(d *provider.Detector) error {
	src, err := d.Read("composer.json")
	if err != nil || src == nil {
		return err
	}
	var c composerJSON
	if err := json.Unmarshal(src, &c); err != nil {
		d.R.Note("composer.json: not parsed: " + err.Error())
	}
	if c.Name != "" {
		_, short, _ := strings.Cut(c.Name, "/")
		if short == "" {
			short = c.Name
		}
		d.SetName(short, `composer.json "name"`)
	}
	if !d.Exists("composer.lock") {
		d.R.Refuse("composer.lock", "missing: the build installs exactly the locked dependencies; run `composer update --lock` (or composer install) and commit composer.lock")
	} else {
		d.R.Note("composer.lock found: composer install --no-dev installs what it locks")
	}
	checkExtensions(d, c.Require)
	framework(d, c.Require)
	documentRoot(d)
	secrets(d, c)
	routeSources(d)
	return nil
}

// routeSources adds the files where PHP apps declare their routes (Laravel's
// routes/, a Slim or plain app's src/) to the neutral scan's sources, so a
// /healthz route declared there becomes the HEALTHCHECK.
func routeSources(d *provider.Detector) {
	for _, dir := range []string{"routes", "src", "app"} {
		matches, _ := filepath.Glob(d.Path(dir + "/*.php"))
		sort.Strings(matches)
		for i, m := range matches {
			if i == 20 {
				break
			}
			d.Sources = append(d.Sources, dir+"/"+filepath.Base(m))
		}
	}
}

// checkExtensions refuses ext-* requirements the base lacks.
func checkExtensions(d *provider.Detector, req map[string]string) {
	var missing, have []string
	for k := range req {
		name, ok := strings.CutPrefix(strings.ToLower(k), "ext-")
		if !ok {
			continue
		}
		if baseExtensions[name] {
			have = append(have, name)
		} else {
			missing = append(missing, name)
		}
	}
	sort.Strings(have)
	sort.Strings(missing)
	if len(have) > 0 {
		d.R.Note("composer.json requires ext-" + strings.Join(have, ", ext-") + ": in the php-apache base")
	}
	if len(missing) > 0 {
		d.R.Refuse("composer.json", "requires ext-%s, which the php-apache base does not carry and slipway cannot add yet; the base has %s",
			strings.Join(missing, ", ext-"), strings.Join(sortedKeys(baseExtensions), ", "))
	}
}

func sortedKeys(m map[string]bool) []string {
	out := slices.Sorted(maps.Keys(m))
	return out
}

// framework names the framework from its own files: Laravel's artisan,
// Symfony's bin/console, a require of slim/slim, else plain PHP.
func framework(d *provider.Detector, req map[string]string) {
	switch {
	case d.Exists("artisan") && req["laravel/framework"] != "":
		d.R.Framework = "laravel"
		d.R.Found("framework", "laravel", "artisan and composer.json require laravel/framework")
	case d.Exists("artisan"):
		d.R.Framework = "laravel"
		d.R.Found("framework", "laravel", "artisan")
	case d.Exists("bin/console") && d.Exists("symfony.lock"):
		d.R.Framework = "symfony"
		d.R.Found("framework", "symfony", "bin/console and symfony.lock")
	case d.Exists("bin/console") && req["symfony/framework-bundle"] != "":
		d.R.Framework = "symfony"
		d.R.Found("framework", "symfony", "bin/console and composer.json require symfony/framework-bundle")
	case req["slim/slim"] != "":
		d.R.Framework = "slim"
		d.R.Found("framework", "slim", "composer.json require slim/slim")
	}
}

// documentRoot sets main, the folder Apache serves: public/ when it holds
// index.php (Laravel, Symfony, Slim and most plain apps), the project root
// when index.php is there.
func documentRoot(d *provider.Detector) {
	switch {
	case d.Exists("public/index.php"):
		d.R.Main = "public"
		d.R.Found("main", "public", "public/index.php (the document root)")
		d.Sources = append(d.Sources, "public/index.php")
	case d.Exists("index.php"):
		d.R.Main = "."
		d.R.Found("main", ".", "index.php at the project root (the document root)")
		d.Sources = append(d.Sources, "index.php")
	default:
		d.R.Choice("main", false, "no public/index.php or index.php: the document root defaults to public")
	}
}

// secrets declares COMPOSER_AUTH when the project names a repository
// other than Packagist, or carries an auth.json (kept out of the context).
func secrets(d *provider.Detector, c composerJSON) {
	why := ""
	if d.Exists("auth.json") {
		why = "auth.json (kept out of the build context)"
	}
	if why == "" {
		for _, u := range repositoryURLs(c.Repositories) {
			if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "git@") {
				if !strings.Contains(u, "packagist.org") {
					why = "composer.json repository " + u
					break
				}
			}
		}
	}
	if why == "" {
		return
	}
	d.R.BuildSecrets = append(d.R.BuildSecrets, provider.Secret{ID: SecretID, Env: SecretEnv})
	d.R.Found("secret", SecretID+" (env "+SecretEnv+")", "%s", why)
}

// repositoryURLs returns the url of each entry of composer.json's
// repositories, which is a list or an object of entries.
func repositoryURLs(raw json.RawMessage) []string {
	type repo struct {
		URL string `json:"url"`
	}
	var list []repo
	if json.Unmarshal(raw, &list) != nil {
		var obj map[string]repo
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		keys := slices.Sorted(maps.Keys(obj))
		for _, k := range keys {
			list = append(list, obj[k])
		}
	}
	var out []string
	for _, r := range list {
		if r.URL != "" {
			out = append(out, r.URL)
		}
	}
	return out
}
