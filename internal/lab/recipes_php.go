package lab

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The PHP stand-ins, built from Debian bookworm's php8.2, apache2 and
// composer packages under the names templates/php renders.
const (
	refComposer  = "docker.io/library/composer:2"
	refPHPApache = "docker.io/library/php:8.2-apache"
)

// phpRecipes returns the Composer build image and the PHP-under-Apache
// runtime image. Both lay PHP out where the official images have it (php
// at /usr/local/bin/php, the site in /var/www/html, composer on PATH);
// they differ in being Debian's PHP 8.2 (its compiled-in and packaged
// extensions) and Debian's Composer 2.5 rather than the latest 2.x.
func phpRecipes() []recipe {
	return []recipe{
		{
			ref: refComposer, parent: refDebian,
			inputs: []string{"php8.2-cli composer unzip ca-certificates, COMPOSER_HOME=/tmp"},
			layer: func(ctx context.Context, b *builder, dir string) error {
				return b.aptLayer(ctx, dir, `apt-get install -y -q --no-install-recommends ca-certificates php8.2-cli composer unzip
ln -sf /usr/bin/php8.2 /usr/local/bin/php
mkdir -p /app`)
			},
			config: func(c *v1.Config) {
				setEnv(c, "COMPOSER_HOME=/tmp", "COMPOSER_ALLOW_SUPERUSER=1", "PHP_VERSION=8.2")
				c.WorkingDir = "/app"
				c.Cmd = []string{"composer"}
			},
		},
		{
			ref: refPHPApache, parent: refDebian,
			inputs: []string{"apache2 libapache2-mod-php8.2 php8.2-cli php8.2-mbstring php8.2-xml php8.2-curl php8.2-sqlite3 curl, mpm_prefork, logs to stdio"},
			layer: func(ctx context.Context, b *builder, dir string) error {
				return b.aptLayer(ctx, dir, `apt-get install -y -q --no-install-recommends ca-certificates curl apache2 libapache2-mod-php8.2 php8.2-cli php8.2-mbstring php8.2-xml php8.2-curl php8.2-sqlite3
ln -sf /usr/bin/php8.2 /usr/local/bin/php
a2dismod -q mpm_event || true
a2enmod -q mpm_prefork php8.2
ln -sfT /dev/stderr /var/log/apache2/error.log
ln -sfT /dev/stdout /var/log/apache2/access.log
ln -sfT /dev/stdout /var/log/apache2/other_vhosts_access.log
mkdir -p /var/www/html`)
			},
			config: func(c *v1.Config) {
				setEnv(c, "PHP_VERSION=8.2", "APACHE_CONFDIR=/etc/apache2")
				c.WorkingDir = "/var/www/html"
				c.ExposedPorts = map[string]struct{}{"80/tcp": {}}
				c.StopSignal = "SIGWINCH"
				c.Cmd = []string{"apache2ctl", "-D", "FOREGROUND"}
			},
		},
	}
}
