FROM docker.io/library/golang:1.26@sha256:2222222222222222222222222222222222222222222222222222222222222222 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY cmd/ cmd/
RUN --mount=type=cache,target=/go/pkg/mod go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12:nonroot@sha256:3333333333333333333333333333333333333333333333333333333333333333
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
