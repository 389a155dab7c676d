FROM debian:bookworm-slim
ARG GITHUB_TOKEN
ARG PUBLIC_KEY_FILE=/etc/keys/pub.pem
ARG APP_VERSION=1.2.3
ENV DB_PASSWORD=changeme \
    KEY_PATH=/run/secrets/key \
    LOG_LEVEL=info
ENV api_key=""
USER 10001
ENTRYPOINT ["/app"]
