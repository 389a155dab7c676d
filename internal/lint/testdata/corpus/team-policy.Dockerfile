FROM docker.io/library/golang:1.26 AS build
RUN curl -fsSL https://example.com/x | sh
FROM docker.io/library/debian:bookworm-slim
LABEL org.opencontainers.image.source="https://example.com/repo"
USER 1000:1000
ENTRYPOINT ["/app"]
