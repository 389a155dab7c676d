ARG REGISTRY=docker.io/library
ARG DEBIAN=bookworm-slim
ARG BASE=${REGISTRY}/debian:${DEBIAN}
FROM ${BASE}
USER 10001:10001
CMD ["/bin/true"]
