// SPDX-License-Identifier: Apache-2.0
// The centre serves the web UI from its embedded files with the right
// content types and security headers, and nothing else: no path tricks, no
// hidden files, no files outside data/web/. No browser needed (this one also
// runs in the ASan build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { needBinary, useCenter } from './lib/center.mjs';

const missing = needBinary() || false;
let center;

useCenter((c) => (center = c), { seed: false });

// A raw request, so the path reaches the server exactly as written.
function raw(port, path) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(Number(out.split(' ')[1])));
    s.on('error', reject);
  });
}

test('pages and assets come with their type and the security headers', { skip: missing }, async () => {
  for (const [path, type] of [['/', 'text/html'], ['/index.html', 'text/html'], ['/js/app.js', 'text/javascript'], ['/app.css', 'text/css'], ['/i18n/ja.json', 'application/json'], ['/favicon.svg', 'image/svg+xml'], ['/favicon.ico', 'image/vnd.microsoft.icon']]) {
    const r = await fetch(center.base + path);
    assert.equal(r.status, 200, path);
    assert.ok(r.headers.get('content-type').startsWith(type), path + ' ' + r.headers.get('content-type'));
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.match(r.headers.get('content-security-policy'), /default-src 'self'/);
    assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.match(r.headers.get('content-security-policy'), /; require-trusted-types-for 'script'$/);
    assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin', path);
    assert.ok(r.headers.get('cache-control'), path + ' has Cache-Control');
  }
  const html = await (await fetch(center.base + '/')).text();
  assert.match(html, /<script type="module" src="\/js\/app.js">/);
  // Every module and string file the shell loads is there.
  for (const p of ['/js/api.js', '/js/dom.js', '/js/i18n.js', '/js/pages/login.js', '/js/pages/dashboard.js', '/js/pages/alerts.js', '/js/pages/alert.js', '/js/pages/tickets.js', '/js/pages/incidents.js', '/js/pages/settings.js', '/js/pages/stats.js', '/i18n/en.json']) {
    assert.equal((await fetch(center.base + p)).status, 200, p);
  }
});

test('no path tricks, hidden files or other embedded data', { skip: missing }, async () => {
  for (const p of ['/../web/index.html', '/js/../index.html', '/%2e%2e/web/index.html', '/.hidden', '/js/.x.js', '//index.html', '/diagnose/items.json', '/web/index.html', '/nope.js', '/js/', '/api/v1/nope']) {
    const status = await raw(center.port, p);
    assert.ok(status === 404 || status === 400, `${p} -> ${status}`);
  }
  // Only GET and HEAD: other methods on a file are not served.
  const r = await fetch(center.base + '/index.html', { method: 'POST' });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
});
