from debian:bookworm-slim AS Builder
MAINTAINER someone@example.com
ENV LEGACY value
RUN echo $UNDEFINED_THING
EXPOSE 8080/TCP
FROM debian:bookworm-slim as builder
USER 10001
CMD ["/bin/true"]
CMD ["/bin/false"]
