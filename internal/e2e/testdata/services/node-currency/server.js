// The currency service: converts amounts with the euro rates of
// data/currency_conversion.json, read when the server starts.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const logger = require('pino')({ name: 'currencyservice', messageKey: 'message' });

const rates = JSON.parse(fs.readFileSync(path.join(__dirname, 'data', 'currency_conversion.json'), 'utf8'));
logger.info(`loaded ${Object.keys(rates).length} currencies`);

function convert(from, to, amount) {
  if (!(from in rates) || !(to in rates)) throw new Error(`unsupported currency ${from} or ${to}`);
  const euros = amount / rates[from];
  return Math.round(euros * rates[to] * 100) / 100;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/_healthz') {
    res.end('ok');
    return;
  }
  if (url.pathname === '/currencies') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(Object.keys(rates)));
    return;
  }
  if (url.pathname === '/convert') {
    try {
      const q = url.searchParams;
      const value = convert(q.get('from'), q.get('to'), Number(q.get('amount')));
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ currency: q.get('to'), amount: value }));
    } catch (err) {
      res.statusCode = 400;
      res.end(err.message);
    }
    return;
  }
  res.statusCode = 404;
  res.end();
});

const port = process.env.PORT || 7000;
server.listen(port, () => logger.info(`currency service listening on ${port}`));
