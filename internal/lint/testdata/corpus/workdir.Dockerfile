FROM debian:bookworm-slim
WORKDIR app
WORKDIR /srv/app
WORKDIR $HOME/cache
WORKDIR ./data
USER 10001
ENTRYPOINT ["/srv/app/run"]
