// SPDX-License-Identifier: Apache-2.0
// The vendor's pages on a phone (375 px wide): the dashboard's tables and
// the statistics table fold into one block per row (stackOnPhone in dom.js,
// app.css under 720 px) instead of scrolling sideways, nothing widens the
// page, and the monthly report form's fields line up at full width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needBinary, useCenter, alertEvent } from './lib/center.mjs';
import { withBrowser, signIn, shot, ready } from './lib/browser.mjs';

const missing = needBinary() || false;
let center;

useCenter(async (c) => {
  center = c;
  await c.ingest(c.sensors.yamada, [alertEvent({ sid: 2300001, signature: 'MAMORI test: phone', ja: '電話の画面で確かめるための警告です。', en: 'An alert to check the phone layout.' })]);
});

// Elements (by selector) wider than the space they have: [what, scroll, client].
async function overflowing(p, selector) {
  return p.evaluate((sel) => [...document.querySelectorAll(sel)].filter((e) => e.scrollWidth > e.clientWidth)
    .map((e) => [e.id || e.className, e.scrollWidth, e.clientWidth]), selector);
}

test('the vendor dashboard and statistics fit a 375 px screen (ja)', { skip: missing }, async () => {
  await withBrowser({ locale: 'ja-JP' }, async (b) => {
    const p = b.page;
    await p.setViewportSize({ width: 375, height: 800 });
    await signIn(p, center.base, center.users.admin);
    for (const [where, table] of [['#/', '#sme-table'], ['#/stats', '#stats-table']]) {
      await p.goto(center.base + '/' + where);
      await ready(p);
      await p.locator(table).waitFor();
      const doc = await p.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(doc[0] <= doc[1], `${where}: the page is ${doc[0]} px wide in ${doc[1]} px`);
      assert.deepEqual(await overflowing(p, '.table-wrap, form'), [], `${where}: nothing scrolls sideways`);
      // A folded row still names each figure.
      assert.equal(await p.locator(`${table} tbody td[data-label]`).first().evaluate((td) => getComputedStyle(td, '::before').content !== 'none'), true);
    }
    await shot(p, 'stats-375-ja');
    // The monthly report form: company and month as wide as the section.
    const widths = await p.evaluate(() => ['#report-tenant', '#vendor-report-month', '#st-report'].map((q) => Math.round(document.querySelector(q).getBoundingClientRect().width)));
    assert.equal(widths[0], widths[1], `the company list (${widths[0]} px) and the month (${widths[1]} px) line up`);
    assert.ok(widths[0] >= widths[2] - 2, `the fields (${widths[0]} px) fill the section (${widths[2]} px)`);
    await p.goto(center.base + '/#/');
    await ready(p);
    await shot(p, 'dashboard-vendor-375-ja');
  });
});
