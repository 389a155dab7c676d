FROM node:20-bookworm-slim AS build
ARG NPM_TOKEN
ARG NODE_ENV=production
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm config set //registry.npmjs.org/:_authToken "${NPM_TOKEN}" && npm ci
ENV NPM_CONFIG_TOKEN=$NPM_TOKEN
RUN echo "$NODE_ENV"

FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /src /app
USER 65532:65532
CMD ["/app/server.js"]
