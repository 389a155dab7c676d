'use strict';

// Tiny HTTP service used as a slipway example.
// Listens on 0.0.0.0:$PORT (default 8080); serves /, /healthz and /build-info.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const ms = require('ms');

const port = Number(process.env.PORT || 8080);
const buildInfoPath = path.join(__dirname, 'dist', 'build-info.json');
const started = Date.now();

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type });
  res.end(body);
}

function json(res, status, value) {
  send(res, status, 'application/json', JSON.stringify(value) + '\n');
}

const server = http.createServer((req, res) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  switch (pathname) {
    case '/':
      return json(res, 200, {
        message: 'hello from node',
        uptime: ms(Date.now() - started),
      });
    case '/healthz':
      return send(res, 200, 'text/plain; charset=utf-8', 'ok');
    case '/build-info':
      fs.readFile(buildInfoPath, (err, data) => {
        if (err) return json(res, 404, { error: 'build-info not found; run npm run build' });
        send(res, 200, 'application/json', data);
      });
      return;
    default:
      return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
});

server.listen(port, '0.0.0.0', () => {
  console.log(`hello-node listening on 0.0.0.0:${port}`);
});

function shutdown(signal) {
  console.log(`hello-node received ${signal}, shutting down`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 10_000).unref();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
