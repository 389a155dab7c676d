FROM debian:bookworm-slim
USER 10001
RUN sudo -u root apt-get update && sudo apt-get install -y --no-install-recommends make && sudo rm -rf /var/lib/apt/lists/*
RUN cd /src && make
RUN make -C /src install
ENTRYPOINT ["/usr/local/bin/app"]
