FROM debian:bookworm-slim
RUN apt-get update \
    # comments inside a continuation are dropped by the parser
    && apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \

    && rm -rf /var/lib/apt/lists/*
ENV A=1 \
    B=2
USER 10001
ENTRYPOINT ["/usr/bin/curl", \
            "--version"]
