FROM debian:bookworm-slim
RUN bash -lc 'sudo make -C /src install'
RUN ["sudo", "bash", "-xc", "cd /src && make"]
RUN su -c 'make -C /src install' app
USER 10001
ENTRYPOINT ["/usr/local/bin/app"]
