// The orders API; its dependencies come through the registry that .npmrc
// authenticates to with $NPM_TOKEN.
'use strict';

const http = require('http');
const ms = require('ms');

const started = Date.now();
const orders = [];

http
  .createServer((req, res) => {
    if (req.url === '/healthz') {
      res.end(`ok, up ${ms(Date.now() - started)}\n`);
      return;
    }
    if (req.url === '/orders' && req.method === 'GET') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(orders));
      return;
    }
    res.statusCode = 404;
    res.end();
  })
  .listen(Number(process.env.PORT) || 8080, () => console.log('orders-api listening'));
