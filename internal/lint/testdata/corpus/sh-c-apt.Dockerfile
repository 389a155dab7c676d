FROM debian:bookworm-slim
RUN sh -c "apt-get update && apt-get install curl"
RUN /bin/sh -ec 'cd /src && make | tee /build.log'
RUN bash -o pipefail -c 'curl -fsSL https://example.com/install.sh | sh'
RUN sh -c 'set -o pipefail; curl -fsSL https://example.com/install.sh | sh'
RUN sh -c "apt-get update && apt-get install -y --no-install-recommends \"ca-certificates=20230311\" && rm -rf /var/lib/apt/lists/*"
RUN echo "$(sh -c 'curl -fsS https://example.com/v | cut -c1-8')"
USER 10001
ENTRYPOINT ["/usr/bin/curl"]
