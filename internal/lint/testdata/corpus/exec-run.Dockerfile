FROM debian:bookworm-slim
RUN ["/bin/sh", "-c", "apt-get update && apt-get install -y curl | tee /log"]
RUN ["sudo", "apt-get", "install", "-y", "--no-install-recommends", "git"]
RUN ["/usr/bin/python3", "-c", "print('cd /tmp | cat')"]
USER ${APP_UID}
ENTRYPOINT ["/usr/bin/curl"]
