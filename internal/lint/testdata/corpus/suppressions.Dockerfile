# slipway:ignore SW112 -- pinned by the registry mirror's policy
FROM debian:bookworm-slim
# slipway:ignore SW150
CMD echo hello
# slipway:ignore SW999 -- typo
RUN echo one
# slipway:ignore SW151 -- nothing to suppress here
RUN echo two
# slipway:ignore SW140, SW141 -- the base has no recommends and answers yes by config
# (a second comment line between them is fine)
RUN apt-get install curl && rm -rf /var/lib/apt/lists/*
# slipway:ignore JSONArgsRecommended,SW150 -- the script needs $PORT expanded
ENTRYPOINT /start.sh --port $PORT
# slipway:ignore SW101 -- runs as the base image's nonroot user
FROM gcr.io/distroless/static-debian12:nonroot@sha256:7777777777777777777777777777777777777777777777777777777777777777
COPY --from=0 /start.sh /start.sh
ENTRYPOINT ["/start.sh"]
