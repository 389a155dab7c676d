FROM alpine:3.20
RUN apk update
RUN apk add curl
RUN apk add --no-cache ca-certificates=20240705-r0 tzdata~2024
RUN apk add --update --no-cache --virtual .build-deps gcc musl-dev && apk del .build-deps
USER 10001
ENTRYPOINT ["/usr/bin/curl"]
