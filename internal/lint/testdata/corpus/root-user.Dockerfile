FROM debian:bookworm-slim
RUN useradd --uid 10001 app
USER app
RUN echo building
USER root
ENTRYPOINT ["/usr/bin/env"]
