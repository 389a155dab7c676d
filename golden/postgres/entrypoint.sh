#!/bin/sh
# postgres-entrypoint: initialise the cluster in the data volume at first
# start, then run postgres in the foreground as this non-root user.
#
# First start needs the superuser password in POSTGRES_PASSWORD or in the
# file named by POSTGRES_PASSWORD_FILE: every TCP connection is checked
# with scram-sha-256 (pg_hba.conf), so the postgres role needs a password.
set -eu

PGDATA="${PGDATA:-/var/lib/postgresql/data/pgdata}"
export PGDATA

if [ "$(id -u)" = 0 ]; then
	echo "postgres-entrypoint: refusing to run as root; run as the postgres user (uid 999)" >&2
	exit 1
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	password="${POSTGRES_PASSWORD:-}"
	if [ -z "$password" ] && [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
		password="$(cat "$POSTGRES_PASSWORD_FILE")"
	fi
	if [ -z "$password" ]; then
		echo "postgres-entrypoint: $PGDATA holds no cluster and neither POSTGRES_PASSWORD nor POSTGRES_PASSWORD_FILE is set; the postgres role needs a password (scram-sha-256)" >&2
		exit 1
	fi
	mkdir -p "$PGDATA"
	chmod 0700 "$PGDATA"
	# The password reaches initdb through a pipe: no temporary file, and
	# it never appears in a process's arguments.
	printf '%s\n' "$password" | initdb \
		--pgdata="$PGDATA" \
		--username=postgres \
		--pwfile=/dev/stdin \
		--auth-local=peer \
		--auth-host=scram-sha-256 \
		--encoding=UTF8 \
		--locale=C.UTF-8 \
		--data-checksums
	unset password
	echo "postgres-entrypoint: initialised a new cluster in $PGDATA"
fi
unset POSTGRES_PASSWORD

set -- -D "$PGDATA" -c config_file=/etc/slipway/postgres/postgresql.conf "$@"
if [ ! -w /run/postgresql ]; then
	# No writable socket directory (a read-only root without a volume
	# there): listen on TCP only.
	set -- "$@" -c unix_socket_directories=
fi
exec postgres "$@"
