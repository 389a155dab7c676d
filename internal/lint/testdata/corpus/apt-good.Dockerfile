FROM debian:bookworm-slim@sha256:5555555555555555555555555555555555555555555555555555555555555555
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates=20230311 \
      curl=7.88.1-10+deb12u8 \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
ENTRYPOINT ["/usr/bin/curl"]
