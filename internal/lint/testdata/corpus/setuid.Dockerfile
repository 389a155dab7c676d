FROM debian:bookworm-slim
COPY --chmod=4755 tool /usr/local/bin/tool
COPY --chmod=0755 other /usr/local/bin/other
RUN chmod g+s /usr/local/bin/other && chmod -R 0755 /opt
RUN chmod 2711 /usr/bin/wall
USER 10001
ENTRYPOINT ["/usr/local/bin/tool"]
