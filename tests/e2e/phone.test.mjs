// SPDX-License-Identifier: Apache-2.0
// The vendor's pages on a phone (375 px wide): the dashboard's tables, the
// statistics table, the alert, ticket and incident lists and the settings'
// user tables fold into one block per row (stackOnPhone in dom.js, app.css
// under 720 px) instead of scrolling sideways, nothing widens the page, the
// monthly report form's fields line up at full width, and an alert's
// selection box and its link stay on the screen and work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needBinary, useCenter, alertEvent } from './lib/center.mjs';
import { asUser, shot, ready } from './lib/browser.mjs';

const missing = needBinary() || false;
let center;

useCenter(async (c) => {
  center = c;
  await c.ingest(c.sensors.yamada, [alertEvent({ sid: 2300001, signature: 'MAMORI test: phone', ja: '電話の画面で確かめるための警告です。', en: 'An alert to check the phone layout.' })]);
  const tenant_id = c.tenants.yamada.id;
  await c.api.ok('POST', '/api/v1/tickets', { tenant_id, category: 'suspicious_mail', subject: '請求書を装ったメールの添付ファイルを開いてしまいました', body: '電話の画面で確かめるための相談です。' });
  await c.api.ok('POST', '/api/v1/incidents', { tenant_id, title: '事務所のパソコンから不審な通信が続いています' });
});

// Elements (by selector) wider than the space they have: [what, scroll, client].
async function overflowing(p, selector) {
  return p.evaluate((sel) => [...document.querySelectorAll(sel)].filter((e) => e.scrollWidth > e.clientWidth)
    .map((e) => [e.id || e.className, e.scrollWidth, e.clientWidth]), selector);
}

test('the vendor dashboard and statistics fit a 375 px screen (ja)', { skip: missing }, async () => {
  await asUser(center.base, center.users.admin, { width: 375 }, async (p) => {
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

// What does not fit 375 px on a page: the page wider than the screen, a
// table's wrapper that scrolls sideways, a folded row without its column
// names. Collected for every page so one run names them all.
async function phoneProblems(p, where, ...tables) {
  await p.goto(center.base + '/' + where);
  await ready(p);
  const problems = [];
  for (const table of tables) await p.locator(table).waitFor();
  const doc = await p.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  if (doc[0] > doc[1]) problems.push(`${where}: the page is ${doc[0]} px wide in ${doc[1]} px`);
  for (const [what, scroll, client] of await overflowing(p, '.table-wrap')) problems.push(`${where}: ${what} scrolls sideways (${scroll} px in ${client} px)`);
  for (const table of tables) {
    const named = await p.locator(`${table} tbody td[data-label]`).first().evaluate((td) => getComputedStyle(td, '::before').content !== 'none', null, { timeout: 2000 }).catch(() => false);
    if (!named) problems.push(`${where}: ${table}'s folded rows do not name their values`);
  }
  return problems;
}

// The element is on the screen (inside 375 px) and not hidden.
async function onScreen(loc) {
  await loc.waitFor({ state: 'visible' });
  const box = await loc.boundingBox();
  assert.ok(box && box.width > 0 && box.x >= 0 && box.x + box.width <= 375, `on the screen: ${JSON.stringify(box)}`);
}

test('the alert, ticket and incident lists and settings fit a 375 px screen (ja)', { skip: missing }, async () => {
  await asUser(center.base, center.users.admin, { width: 375 }, async (p) => {
    const problems = await phoneProblems(p, '#/alerts', '#alert-table');
    // Selecting and opening an alert still work on the folded list.
    const pick = p.locator('#alert-table tbody input.pick').first();
    await onScreen(pick);
    await pick.click();
    assert.equal(await pick.isChecked(), true, 'the selection box ticks');
    await onScreen(p.locator('#select-all'));
    const open = p.locator('#alert-table tbody th a').first();
    await onScreen(open);
    await shot(p, 'alerts-375-ja');
    await open.click();
    await p.waitForFunction(() => /^#\/alerts\/\d+$/.test(location.hash));
    problems.push(...(await phoneProblems(p, '#/tickets', '#ticket-table')));
    await onScreen(p.locator('#ticket-table tbody th a').first());
    await shot(p, 'tickets-375-ja');
    problems.push(...(await phoneProblems(p, '#/incidents', 'main .table-wrap table')));
    await onScreen(p.locator('main .table-wrap tbody th a').first());
    await shot(p, 'incidents-375-ja');
    problems.push(...(await phoneProblems(p, '#/settings', '#user-table-0', `#user-table-${center.tenants.yamada.id}`)));
    await shot(p, 'settings-375-ja');
    assert.deepEqual(problems, []);
  });
});
