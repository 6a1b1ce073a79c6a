// SPDX-License-Identifier: Apache-2.0
// The printable reports in the browser: the incident and monthly reports
// (HTML, opened in a tab with the session) and the web UI's pages ask for
// nothing the centre does not have: the tab's icon is found (no
// /favicon.ico 404 in the console), and /favicon.ico itself is served for
// pages that link no icon (a PDF report, an API reply).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needBinary, useCenter } from './lib/center.mjs';
import { withBrowser, signIn } from './lib/browser.mjs';

const missing = needBinary() || false;
let center;

useCenter(async (c) => {
  center = c;
});

// Opens url in the signed-in page and returns every request the browser
// answered with 400 or more and every console error, after the page's icon
// was fetched (or 3 s).
async function openAndListFailures(p, url) {
  const failures = [];
  const onResponse = (r) => r.status() >= 400 && failures.push(`${r.status()} ${r.url()}`);
  const onConsole = (m) => m.type() === 'error' && failures.push(`console: ${m.text()} (${m.location().url})`);
  p.on('response', onResponse);
  p.on('console', onConsole);
  await p.goto(url);
  await p.waitForLoadState('load');
  await p.waitForTimeout(1500);
  p.off('response', onResponse);
  p.off('console', onConsole);
  return failures;
}

test('reports and pages trigger no 404 (no missing favicon)', { skip: missing }, async () => {
  const incident = await center.api.ok('POST', '/api/v1/incidents', { tenant_id: center.tenants.yamada.id, title: '怪しいメール' });
  const pages = [
    `/api/v1/incidents/${incident.id}/report?lang=ja`,
    `/api/v1/incidents/${incident.id}/report?lang=en`,
    `/api/v1/tenants/${center.tenants.yamada.id}/reports/monthly?month=2026-04&lang=ja`,
    `/api/v1/reports/monthly?tenant=${center.tenants.sakura.id}&month=2026-04&lang=en`,
    '/#/',
  ];
  await withBrowser({}, async (b) => {
    await signIn(b.page, center.base, center.users.admin);
    for (const path of pages) {
      const failures = await openAndListFailures(b.page, center.base + path);
      assert.deepEqual(failures, [], path);
    }
  });
  const ico = await fetch(center.base + '/favicon.ico');
  assert.equal(ico.status, 200);
  assert.equal(ico.headers.get('content-type'), 'image/vnd.microsoft.icon');
});
