FROM debian:bookworm-slim
ARG SCRIPT="apt-get install curl"
RUN sh -c "$SCRIPT"
RUN sh -c $SCRIPT
RUN bash -c "$(cat /src/build.sh)"
RUN sh -c
RUN sh -c ""
RUN sh -c "echo 'unterminated"
RUN bash -c $'cd /src\nmake'
USER 10001
ENTRYPOINT ["/usr/local/bin/app"]
