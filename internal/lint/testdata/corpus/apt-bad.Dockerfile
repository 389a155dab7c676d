FROM debian:bookworm-slim
RUN apt-get update
RUN apt-get install curl
RUN apt-get update && apt-get -qy install --no-install-recommends ca-certificates git=1:2.39.2-1.1
RUN apt update && apt install -y wget && apt-get clean
USER 10001
ENTRYPOINT ["/usr/bin/curl"]
