FROM debian:bookworm-slim
ADD rootfs.tar.gz /
ADD config/ /etc/app/
ADD https://example.com/tool /usr/local/bin/tool
ADD --checksum=sha256:4444444444444444444444444444444444444444444444444444444444444444 https://example.com/tool2 /usr/local/bin/tool2
ADD https://github.com/moby/buildkit.git#v0.34.2 /src/buildkit
USER 10001
ENTRYPOINT ["/usr/local/bin/tool"]
