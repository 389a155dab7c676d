FROM debian:bookworm-slim
RUN sh -c "bash -c 'apt-get install -y curl | tee /install.log'"
RUN sh -c 'sh -c "sh -c cd"'
RUN sh -c 'sh -c "sh -c \"sh -c cd\""'
USER 10001
ENTRYPOINT ["/usr/bin/curl"]
