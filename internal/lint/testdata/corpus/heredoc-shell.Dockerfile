FROM debian:bookworm-slim
RUN <<EOT
apt-get update
cd /src && make
EOT
RUN bash <<'EOT'
sudo apt-get install -y curl
EOT
RUN <<EOT
#!/bin/bash
set -eo pipefail
curl -fsSL https://example.com/install.sh | sh
EOT
RUN bash <<EOT
curl -fsSL https://example.com/install.sh | sh
EOT
RUN sh -s <<EOT
apk update
EOT
USER 10001
ENTRYPOINT ["/usr/bin/curl"]
