// The checksum service: POST a body to /crc32 and get its CRC-32, computed by
// the addon built from src/crc32.c.
'use strict';

const http = require('http');
const { crc32 } = require('./build/Release/crc32.node');

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.end(crc32(Buffer.from('123456789')) === 0xcbf43926 ? 'ok' : 'addon broken');
    return;
  }
  if (req.url === '/crc32' && req.method === 'POST') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => res.end(crc32(Buffer.concat(chunks)).toString(16).padStart(8, '0') + '\n'));
    return;
  }
  res.statusCode = 404;
  res.end();
});

const port = Number(process.env.PORT) || 3000;
server.listen(port, () => console.log(`checksum service on :${port}`));
