FROM debian:bookworm-slim@sha256:5555555555555555555555555555555555555555555555555555555555555555
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update && apt-get install -y --no-install-recommends build-essential
USER 10001:10001
ENTRYPOINT ["/bin/sh"]
