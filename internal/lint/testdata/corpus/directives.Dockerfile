# syntax=docker/dockerfile:1
# check=skip=JSONArgsRecommended
FROM debian:bookworm-slim
USER 10001
CMD /usr/bin/env
