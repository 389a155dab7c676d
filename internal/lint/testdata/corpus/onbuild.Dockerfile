FROM node:20-bookworm-slim
WORKDIR /app
ONBUILD ADD . /app
ONBUILD RUN sudo npm ci
ONBUILD USER root
USER 10001
CMD ["node", "server.js"]
