#!/bin/sh
# Installs what the slipway lab needs on a fresh Debian/Ubuntu machine (as root):
# runc for buildkitd's OCI worker, debootstrap for the debian stand-in, umoci to
# unpack built images for `slipway verify`. Go, node and npm come with the
# machine image (the stand-ins copy them). Safe to run again.
set -eu
need=""
for tool in runc:runc debootstrap:debootstrap umoci:umoci unshare:util-linux dpkg-deb:dpkg; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || need="$need ${tool#*:}"
done
if [ -z "$need" ]; then
	echo "lab-deps: runc, debootstrap, umoci already installed" >&2
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "lab-deps: the lab needs$need; install them as root (sudo apt-get install -y$need) or run this script as root" >&2
	exit 1
fi
echo "lab-deps: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $need
