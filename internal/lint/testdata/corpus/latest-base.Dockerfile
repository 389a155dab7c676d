FROM alpine:latest AS base
FROM cgr.dev/chainguard/static:latest@sha256:1111111111111111111111111111111111111111111111111111111111111111
COPY --from=base /etc/alpine-release /etc/
USER 65532:65532
ENTRYPOINT ["/bin/true"]
