FROM debian:bookworm-slim AS a
RUN curl -fsSL https://example.com/install.sh | sh
RUN set -o pipefail && curl -fsSL https://example.com/install.sh | sh
RUN set -euo pipefail; wget -qO- https://example.com/x.tgz | tar xz
RUN tar xzf x.tgz | true; set -o pipefail
RUN export VERSION="$(curl -fsS https://example.com/latest | cut -d' ' -f1)" && echo "$VERSION"

FROM debian:bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/install.sh | bash
USER 10001
ENTRYPOINT ["/usr/local/bin/app"]
