FROM registry.example.com/platform/go-builder:1.26@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa AS build
RUN go build -o /out/app .
FROM gcr.io/distroless/static-debian12:nonroot@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
COPY --from=build /out/app /app
LABEL org.opencontainers.image.source="https://example.com/repo" com.example.owner="team-a"
HEALTHCHECK --interval=30s CMD ["/app", "-healthcheck"]
USER 65532:65532
ENTRYPOINT ["/app"]
