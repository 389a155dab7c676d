FROM debian:bookworm-slim
ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
RUN curl -fsS -H "Authorization: token ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ" https://api.github.com/user -o /dev/null
LABEL registry="https://deploy:s3cr3tpass@registry.example.com/v2"
COPY <<EOF /root/.ssh/id_rsa
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
-----END OPENSSH PRIVATE KEY-----
EOF
RUN echo "postgres://app:${DB_PASS}@db:5432/app" > /etc/app.conf
USER 10001
ENTRYPOINT ["/app"]
