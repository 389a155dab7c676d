FROM node:20.11.1
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY server.js .
CMD ["node", "server.js"]
