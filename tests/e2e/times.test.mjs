// SPDX-License-Identifier: Apache-2.0
// Times in the web UI: shown in the centre's report zone (GET /api/v1/me
// "timezone", Asia/Tokyo by default), as the mails and reports do, whatever
// the zone of the reader's computer; the page says which zone once; English
// reads "1 Apr 2026, 18:57" (no 01/04 to misread), Japanese
// "2026/04/01 18:57". (The visit time typed on an incident is checked by
// e2e-desk.) Date fields, which Chromium draws in the browser's language,
// say the chosen date in the page's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needBinary, useCenter, alertEvent } from './lib/center.mjs';
import { withBrowser, signIn, ready } from './lib/browser.mjs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const missing = needBinary() || false;
let center;

useCenter(async (c) => {
  center = c;
});

// openBrowser runs the browser with timezoneId 'UTC': the page must still
// show the centre's zone (Japan time), as the mails and reports do.
test('times are Japan time on a computer set to UTC, said once per page (ja, en)', { skip: missing }, async () => {
  await center.ingest(center.sensors.yamada, [alertEvent({ sid: 2000009, signature: 'MAMORI test: time ja', severity: 4, minute: 57, ja: '時刻を確かめる警告です。', en: 'An alert to check the time.' })]);
  await center.ingest(center.sensors.sakura, [alertEvent({ sid: 2000010, signature: 'MAMORI test: time en', severity: 4, minute: 57, ja: '時刻を確かめる警告です。', en: 'An alert to check the time.' })]);
  const me = await center.api.ok('GET', '/api/v1/me');
  assert.equal(me.timezone, 'Asia/Tokyo');
  const cases = [
    ['ja-JP', center.users.yamada, center.tenants.yamada, 2000009, '2026/04/01 18:57', '時刻はすべて日本時間です。'],
    ['en-GB', center.users.sakura, center.tenants.sakura, 2000010, '1 Apr 2026, 18:57', 'All times are Japan time (JST).'],
  ];
  for (const [locale, user, tenant, sid, when, note] of cases) {
    const list = await center.api.ok('GET', `/api/v1/alerts?tenant=${tenant.id}`);
    const alert = list.items.find((a) => a.signature_id === sid);
    assert.match(alert.first_seen, /^2026-04-01T09:57/, 'the alert was first seen at 09:57 UTC');
    await withBrowser({ locale }, async (b) => {
      const p = b.page;
      await signIn(p, center.base, user);
      await p.goto(center.base + '/#/alerts/' + alert.id);
      await ready(p);
      const facts = await p.locator('#alert-facts').innerText();
      assert.ok(facts.includes(when), `${when} in: ${facts}`);
      assert.equal((await p.locator('#time-zone-note').textContent()).trim(), note);
      assert.equal(await p.locator('.time-zone-note').count(), 1, 'said once');
      // The alert list uses the same format.
      await p.goto(center.base + '/#/alerts');
      await ready(p);
      await p.locator('#alert-table').waitFor();
      assert.ok((await p.locator('#alert-table').innerText()).includes(when), 'list shows ' + when);
      assert.equal((await p.locator('#time-zone-note').textContent()).trim(), note);
    });
  }
});

// Chromium draws a date field in the browser's own language ("mm/dd/yyyy"
// in an English browser), whatever the page's `lang`: each date field says
// the chosen date under it in the page's language (dom.js dateField), with
// the browser in the other language. Nothing said it before session 26.
test('date fields say the chosen date in the page language, with the browser in the other (ja, en)', { skip: missing }, async () => {
  const cases = [
    ['en-US', center.users.admin, 'ja', /^選択中：2026年4月1日\(水\)$/, /^選択中：2026年4月$/, /^まだ選んでいません。$/],
    ['ja-JP', center.users.analyst, 'en', /^Selected: Wed,? 1 April 2026$/, /^Selected: April 2026$/, /^Not chosen yet\.$/],
  ];
  for (const [locale, user, pageLang, day, month, none] of cases) {
    await withBrowser({ locale }, async (b) => {
      const p = b.page;
      await signIn(p, center.base, user);
      await p.goto(center.base + '/#/stats');
      await ready(p);
      const since = p.locator('#stats-since');
      await since.waitFor();
      assert.equal(await since.getAttribute('lang'), pageLang);
      assert.equal(await since.getAttribute('aria-describedby'), 'stats-since-said');
      // Read with the field only, not a second time as a live region.
      assert.equal(await p.locator('#stats-since-said').getAttribute('aria-live'), null);
      assert.match((await p.locator('#stats-since-said').textContent()).trim(), none, 'empty: nothing chosen');
      await since.fill('2026-04-01');
      assert.match((await p.locator('#stats-since-said').textContent()).trim(), day);
      // A year typed short (Chromium takes 0026) is year 26, not 1926
      // (Date.UTC reads years 0-99 as 1900-1999; until session 26).
      await since.fill('0026-04-01');
      const typo = (await p.locator('#stats-since-said').textContent()).trim();
      assert.match(typo, /\b26\b/, typo);
      assert.doesNotMatch(typo, /1926/, typo);
      await p.locator('#vendor-report-month').fill('2026-04');
      assert.match((await p.locator('#vendor-report-month-said').textContent()).trim(), month);
      // A period in the address is said as well.
      await p.goto(center.base + '/#/stats?until=2026-04-01');
      await p.waitForFunction(() => document.querySelector('#stats-until')?.value === '2026-04-01');
      assert.match((await p.locator('#stats-until-said').textContent()).trim(), day);
    });
  }
});

// The statistics' period is whole days of the report zone, as every other
// date in the UI: 2 April in Japan is [2026-04-01T15:00Z, 2026-04-02T15:00Z),
// the centre counting [since, until). The page sends the dates as they are
// (since the first day, until the day after the last) and the centre reads
// a date in its report zone; the page worked the instants out itself until
// session 26 (differently from the centre where a change of offset skips
// midnight), and before that sent UTC days. Alerts are stored just inside
// and just outside those edges (their stored time set with sqlite3 on the
// centre's file, as closedIncident does): the SME's row counts the three
// inside.
test('the statistics period is the report zone\'s days (Japan, browser in UTC)', { skip: missing }, async () => {
  const tenant = await center.api.ok('POST', '/api/v1/tenants', { name: '境界テスト', lang: 'ja' });
  const sensor = await center.enrol(tenant.id, 'boundary-office');
  const edges = {
    2000101: '2026-04-01T14:59:59.999Z', // 1 April 23:59:59.999 JST: before
    2000102: '2026-04-01T15:00:00.000Z', // 2 April 00:00 JST: the first instant
    2000103: '2026-04-01T15:30:00.000Z', // 2 April 00:30 JST
    2000104: '2026-04-02T14:59:59.999Z', // 2 April 23:59:59.999 JST: the last instant
    2000105: '2026-04-02T15:00:00.000Z', // 3 April 00:00 JST: after
  };
  await center.ingest(sensor, Object.keys(edges).map((sid) => alertEvent({ sid: Number(sid), signature: 'MAMORI test: edge ' + sid, severity: 4 })));
  // A read has the centre write the alert rows that wait (they are written
  // per interval) before the file is changed under it.
  assert.equal((await center.api.ok('GET', `/api/v1/alerts?tenant=${tenant.id}`)).items.length, 5);
  const sets = Object.entries(edges).map(([sid, at]) =>
    `UPDATE alerts SET created_at = ${Date.parse(at) * 1000} WHERE tenant_id = ${Number(tenant.id)} AND signature_id = ${sid};`);
  execFileSync('sqlite3', ['-cmd', '.timeout 30000', path.join(center.dir, 'data', 'center.db'), sets.join('\n')]);
  await withBrowser({ locale: 'ja-JP' }, async (b) => {
    const p = b.page;
    await signIn(p, center.base, center.users.admin);
    const asked = p.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/stats');
    await p.goto(center.base + '/#/stats?since=2026-04-02&until=2026-04-02');
    const q = new URL((await asked).url()).searchParams;
    assert.equal(q.get('since'), '2026-04-02');
    assert.equal(q.get('until'), '2026-04-03', 'the day after the last one');
    const row = p.locator('#stats-table tbody tr').filter({ hasText: '境界テスト' });
    await row.waitFor();
    // The cell of the 警告 column (stackOnPhone labels each cell with it).
    const alerts = await row.locator('td[data-label="警告"]').textContent();
    assert.equal(alerts.trim(), '3', 'the three alerts of 2 April in Japan');
  });
});
