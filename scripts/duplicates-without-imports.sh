#!/bin/bash
# duplicates-without-imports.sh [TREE] : run the `duplicates` tool (a
# developer tool, not shipped) over a copy of TREE's tracked files in which
# the lines of every Go `import ( ... )` block are blanked (line numbers kept),
# so that shared import lists do not count as repeated code.
set -euo pipefail
src=$(cd "${1:-.}" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$src"
git ls-files -co --exclude-standard | while IFS= read -r f; do
	[ -f "$f" ] || continue
	mkdir -p "$out/$(dirname "$f")"
	case "$f" in
	*.go) awk '/^import \($/{b=1; print ""; next} b&&/^\)$/{b=0; print ""; next} b{print ""; next} {print}' "$f" >"$out/$f" ;;
	*) cp "$f" "$out/$f" ;;
	esac
done
cd "$out" && duplicates --seconds 300 --most "${MOST:-200}"
