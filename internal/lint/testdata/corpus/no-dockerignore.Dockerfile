FROM debian:bookworm-slim
COPY . /srv
ADD * /opt/
COPY --from=docker.io/library/busybox:1.36 /bin/busybox /bin/busybox
USER 10001
ENTRYPOINT ["/srv/run"]
