// Build step that needs a real build secret.
//
// Reads the signing key from the BUILD_SIGNING_KEY environment variable
// (in container builds it is mounted by BuildKit as a secret, e.g.
// RUN --mount=type=secret,id=build_signing_key,env=BUILD_SIGNING_KEY npm run build)
// and writes dist/build-info.json containing an HMAC-SHA256 of server.js.
// The key itself is never printed or written anywhere.

import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const key = process.env.BUILD_SIGNING_KEY;

if (!key) {
  console.error(
    'build: BUILD_SIGNING_KEY is not set or empty; provide it as a build secret ' +
      '(e.g. docker build --secret id=build_signing_key,env=BUILD_SIGNING_KEY).',
  );
  process.exit(1);
}

let buildTime;
const epoch = process.env.SOURCE_DATE_EPOCH;
if (epoch !== undefined && epoch !== '') {
  if (!/^\d+$/.test(epoch)) {
    console.error(`build: SOURCE_DATE_EPOCH must be an integer number of seconds, got "${epoch}"`);
    process.exit(1);
  }
  buildTime = new Date(Number(epoch) * 1000).toISOString();
} else {
  buildTime = new Date().toISOString();
}

const source = readFileSync(join(root, 'server.js'));
const info = {
  name: 'hello-node',
  file: 'server.js',
  algorithm: 'HMAC-SHA256',
  signature: createHmac('sha256', key).update(source).digest('hex'),
  buildTime,
};

const outDir = join(root, 'dist');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'build-info.json'), JSON.stringify(info, null, 2) + '\n');
console.log(`build: wrote dist/build-info.json (buildTime ${buildTime})`);
