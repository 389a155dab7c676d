FROM debian:bookworm-slim
RUN <<EOF
apt-get update
apt-get install --no-install-recommends curl
curl -fsSL https://example.com/setup.sh | bash
EOF
RUN <<-SCRIPT bash
	set -euo pipefail
	curl -fsSL https://example.com/a | sha256sum
	SCRIPT
RUN <<PY
#!/usr/bin/env python3
import subprocess; print("apt-get install curl | sh")
PY
COPY <<CONF /etc/app.conf
listen = 8080
CONF
USER 10001
ENTRYPOINT ["/usr/bin/curl"]
