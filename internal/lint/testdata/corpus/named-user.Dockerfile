FROM debian:bookworm-slim@sha256:0000000000000000000000000000000000000000000000000000000000000000
RUN groupadd --system app && useradd --system --gid app app
USER app:app
ENTRYPOINT ["/usr/local/bin/app"]
