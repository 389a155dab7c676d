FROM python:3.12-slim AS base
ENTRYPOINT python -m app
CMD ["--port", "8080"]

FROM gcr.io/distroless/python3-debian12:nonroot
COPY --from=base /usr/src/app /app
HEALTHCHECK CMD python3 /app/health.py
USER 65532:65532
CMD python3 /app/main.py --port $PORT
