FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y curl
USER root
CMD curl --version
