FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY main.go .
RUN go build -o /out/app main.go

# "build" below is the stage above, not an untagged image.
FROM build AS test
RUN go vet ./...

FROM gcr.io/distroless/base-debian12:nonroot AS runtime
COPY --from=build /out/app /app
USER 65532:65532

FROM runtime
ENTRYPOINT ["/app"]
