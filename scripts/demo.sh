#!/usr/bin/env bash
# make demo: the main job end to end on a fresh machine. Starts the lab,
# generates the Go example's Dockerfile non-interactively, builds it through
# BuildKit with a secret mount, verifies the image under runc, and prints its
# size and digest.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/bin
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "starting the lab (buildkitd, loopback registry, stand-in base images)"
if ! env=$("$bin/slipway-lab" up); then
  echo "demo: the lab did not start (see the lines above)" >&2
  exit 1
fi
eval "$env"
echo "BUILDKIT_HOST=$BUILDKIT_HOST"

work=$PWD/.lab/demo
rm -rf "$work" && mkdir -p "$work"
cp -r examples/go "$work/hello-go"
svc=$work/hello-go
rm -f "$svc/slipway.toml" "$svc/Dockerfile" "$svc/.dockerignore"

step "slipway init --yes (detect the service, write slipway.toml, Dockerfile, .dockerignore)"
"$bin/slipway" init --yes "$svc" \
  --secret id=netrc,target=/root/.netrc \
  --label org.opencontainers.image.source=https://example.com/hello-go

step "slipway pin (resolve the base's digest through the lab's registry; FROM names exact bytes)"
"$bin/slipway" pin "$svc"
cat "$svc/Dockerfile"

# A .netrc for a private module host (GOPRIVATE), given to the build as a
# secret mount. Its value is random and must appear nowhere in the image.
secret=$work/netrc
umask 077
printf 'machine git.example.internal login demo password demo-%s\n' "$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" >"$secret"
umask 022

step "slipway build (BuildKit, secret mount, checks as errors, OCI export)"
digest=$("$bin/slipway" build "$svc" --secret "id=netrc,src=$secret" \
  -t "hello-go:demo" -o "type=oci,dest=$work/hello-go.oci.tar" --progress plain)

step "slipway verify (runc: read-only root, no capabilities, no-new-privileges)"
"$bin/slipway" verify "$work/hello-go.oci.tar" --config "$svc/slipway.toml" --size-budget 10MB

step "result"
password=$(awk '{print $NF}' "$secret")
blobs=$work/blobs && rm -rf "$blobs" && mkdir -p "$blobs" && tar -xf "$work/hello-go.oci.tar" -C "$blobs"
while IFS= read -r -d '' f; do
  if { gzip -dc "$f" 2>/dev/null || cat "$f"; } | grep -a -q -F "$password"; then
    echo "the secret leaked into $f" >&2
    exit 1
  fi
done < <(find "$blobs" -type f -print0)
printf 'image:   hello-go:demo\ndigest:  %s\nsize:    %s bytes (OCI archive %s)\nsecret:  not found in any blob (layers decompressed, config, manifests)\n' \
  "$digest" "$(stat -c %s "$work/hello-go.oci.tar")" "$work/hello-go.oci.tar"
