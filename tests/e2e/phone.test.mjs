// SPDX-License-Identifier: Apache-2.0
// The vendor's pages on a phone (375 px wide): the dashboard's tables, the
// statistics table, the alert, ticket and incident lists and the settings'
// user tables fold into one block per row (stackOnPhone in dom.js, app.css
// under 720 px) instead of scrolling sideways, nothing widens the page, the
// monthly report form's fields line up at full width, and an alert's
// selection box and its link stay on the screen and work. Every vendor page
// (alert, ticket, a new one about an alert with its whole pre-filled subject
// in sight, incident with the visit's fields open, statistics, account)
// fits 375 px for the admin (ja) and an analyst (en) with a long
// e-mail address, a company with a long name and an address in a ticket's
// subject; the statistics say median times as the reports do. In a browser
// without CSS field-sizing (iOS Safari), the pre-filled subject is still
// whole in sight: dom.js measures its height. The figures of the dashboard
// and statistics stand two to a row, the bulk reason is as wide as its form,
// and Japanese headings and the footer break between words, not inside one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, needBinary, useCenter, alertEvent } from './lib/center.mjs';
import { asUser, shot, ready, readyFor, phoneWalk, hiddenText } from './lib/browser.mjs';

const missing = needBinary() || false;
let center;
// Nothing a browser would break at: no space, hyphen or dot before the @.
const analyst = { email: 'informationsecurityanalystofthemonitoringcentre@vendor.example', password: 'analyst-password-123' };
const ids = {};

useCenter(async (c) => {
  center = c;
  await c.ingest(c.sensors.yamada, [alertEvent({ sid: 2300001, signature: 'MAMORI test: phone', ja: '電話の画面で確かめるための警告です。', en: 'An alert to check the phone layout.' })]);
  const tenant_id = c.tenants.yamada.id;
  ids.alert = (await c.api.ok('GET', `/api/v1/alerts?tenant=${tenant_id}`)).items[0].id;
  ids.invoice = (await c.api.ok('POST', '/api/v1/tickets', { tenant_id, category: 'suspicious_mail', subject: '請求書を装ったメールの添付ファイルを開いてしまいました', body: '電話の画面で確かめるための相談です。' })).id;
  ids.ticket = (await c.api.ok('POST', '/api/v1/tickets', { tenant_id, category: 'suspicious_mail', subject: 'リンク http://filmmogzivota.rs/SpryAssets/gDR/6JvA8xQzP0aLmNoPqRsTuVwXyZ/download.php を開きました', body: '電話の画面で確かめるための相談です。' })).id;
  ids.incident = (await c.api.ok('POST', '/api/v1/incidents', { tenant_id, title: '事務所のパソコンから不審な通信が続いています' })).id;
  // A company without contacts is named on the dashboard; an analyst's
  // note puts the address in the incident's timeline.
  await c.api.ok('POST', '/api/v1/tenants', { name: 'KabushikigaishaYamadaSeisakushoTokyoHonshaJimusho', lang: 'ja' });
  await c.api.ok('POST', '/api/v1/users', { ...analyst, role: 'analyst', tenant_id: 0, lang: 'en', must_change_password: false });
  await (await Client.signedIn(c.base, analyst)).ok('POST', `/api/v1/incidents/${ids.incident}/notes`, { body: '電話で状況を伺いました。' });
  // Medians: 90 minutes to acknowledge, 1500 to resolve.
  await c.closedIncident(tenant_id, { ack: 90, resolve: 1500 });
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
      // The figures stand two to a row, not one card a line.
      const tops = await p.locator('main .stat').evaluateAll((cards) => cards.map((c) => Math.round(c.getBoundingClientRect().top)));
      assert.ok(tops.length >= 2, `${where}: figures shown`);
      assert.equal(tops.filter((t) => t === tops[0]).length, 2, `${where}: two figures in the first row (tops ${tops.join(', ')})`);
    }
    await shot(p, 'stats-375-ja');
    // Median times in the reports' words, not "1.5 時間".
    assert.match(await p.locator('dl.stats-list').innerText(), /対応開始までの時間\(中央値\)\s+1 時間 30 分\s+解決までの時間\(中央値\)\s+1 日 1 時間/);
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
    // The count is said in the form and again in a bar held at the foot of
    // the screen under the list, in sight beside the ticked box (e2e-alerts
    // scrolls a long list with it at 1280 and 375 px).
    assert.equal((await p.locator('#bulk-count').textContent()).trim(), '1 件を選択中');
    assert.equal((await p.locator('#bulk-count-foot').textContent()).trim(), '1 件を選択中');
    const foot = p.locator('#bulk-foot');
    await onScreen(foot);
    const [footBox, pickBox, screen] = await p.evaluate(() => [document.getElementById('bulk-foot').getBoundingClientRect().toJSON(),
      document.querySelector('#alert-table tbody input.pick').getBoundingClientRect().toJSON(), innerHeight]);
    assert.ok(footBox.top >= 0 && footBox.bottom <= screen + 1 && pickBox.bottom <= footBox.top + 1,
      `the count bar (${JSON.stringify(footBox)}) is on the screen, not over the ticked box (${JSON.stringify(pickBox)})`);
    await onScreen(p.locator('#select-all'));
    // The reason for the selected alerts is as wide as its form, like the
    // filters' fields above it.
    const [reason, bar] = await p.evaluate(() => {
      const bulk = document.querySelector('form.bulk');
      const pad = parseFloat(getComputedStyle(bulk).paddingLeft) + parseFloat(getComputedStyle(bulk).paddingRight);
      return [Math.round(document.getElementById('bulk-reason').getBoundingClientRect().width), Math.round(bulk.clientWidth - pad)];
    });
    assert.ok(reason >= bar - 1, `the bulk reason (${reason} px) fills its form (${bar} px)`);
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

// Every page a vendor person opens, with the disclosures open and the
// incident's visit fields shown: the admin in Japanese, an analyst with a
// long address in English (one browser each, resized rather than reopened).
// The address ran off the screen in the header and the timeline, the long
// company name in the dashboard's "no contacts" line.
test('every vendor page fits a 375 px screen for the admin (ja) and an analyst (en)', { skip: missing }, async () => {
  const pages = ['#/', '#/alerts', `#/alerts/${ids.alert}`, '#/tickets', '#/tickets/new', `#/tickets/new?alert=${ids.alert}`, `#/tickets/${ids.ticket}`, '#/incidents', '#/stats', '#/settings', '#/account', `#/incidents/${ids.incident}`];
  async function openParts(p, hash) {
    await p.evaluate(() => document.querySelectorAll('main details').forEach((d) => (d.open = true)));
    if (hash === `#/incidents/${ids.incident}`) await p.selectOption('#incident-to', 'onsite');
  }
  const problems = [];
  for (const [user, locale] of [[center.users.admin, 'ja-JP'], [analyst, 'en-GB']]) {
    await asUser(center.base, user, { locale }, async (p) => {
      for (const what of await phoneWalk(p, center.base, pages, { after: openParts })) problems.push(`${user.email} ${what}`);
      await p.locator('#visit-fields').waitFor(); // the last page, its visit fields shown
      await shot(p, `incident-375-${locale.slice(0, 2)}`);
      await p.goto(`${center.base}/#/tickets/new?alert=${ids.alert}`);
      await ready(p);
      await shot(p, `ticket-about-alert-375-${locale.slice(0, 2)}`);
    });
  }
  assert.deepEqual(problems, []);
});

// The words of what is given, each as [selector, word], that a line break
// cuts in two: the word's letters drawn on more than one line.
async function cutWords(p, list) {
  return p.evaluate((list) => list.filter(([sel, word]) => {
    const e = document.querySelector(sel);
    const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const at = n.data.indexOf(word);
      if (at < 0) continue;
      const r = document.createRange();
      r.setStart(n, at);
      r.setEnd(n, at + word.length);
      return new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top))).size > 1;
    }
    return true; // not found: named as a problem too
  }).map(([sel, word]) => `${sel}: ${word}`), list);
}

// Japanese headings and the footer break between phrases at 375 px: the
// footer read "…見守りサー" / "ビス", a ticket's heading cut "添付ファイル".
test('Japanese headings and the footer keep their words whole at 375 px (ja)', { skip: missing }, async () => {
  await asUser(center.base, center.users.admin, { width: 375, route: `/#/tickets/${ids.invoice}` }, async (p) => {
    const problems = await cutWords(p, [['main h1', '請求書'], ['main h1', 'メール'], ['main h1', '添付ファイル'], ['main h1', 'しまいました'], ['#foot-text', 'セキュリティ'], ['#foot-text', 'サービス']]);
    await p.goto(`${center.base}/#/incidents/${ids.incident}`);
    // Its own heading, not the ticket's still there after the hash changed.
    await readyFor(p, '事務所のパソコンから不審な通信が続いています');
    problems.push(...(await cutWords(p, [['main h1', 'パソコン'], ['main h1', '不審な'], ['main h1', '通信'], ['main h1', '続いています']])));
    assert.deepEqual(problems, []);
  });
});

// A browser without CSS field-sizing (iOS Safari relies on this): dom.js's
// wrappingLineField measures the subject's height itself. Chromium has
// field-sizing, so the test takes it away: CSS.supports says no, and a
// style sheet sets it back to fixed, as such a browser would draw it.
test('without CSS field-sizing the pre-filled subject is whole in sight at 375 px', { skip: missing }, async () => {
  await asUser(center.base, center.users.admin, { width: 375 }, async (p) => {
    await p.addInitScript(() => {
      const supports = CSS.supports;
      CSS.supports = (...args) => (args[0] === 'field-sizing' ? false : supports.apply(CSS, args));
      // Built in script, as the page's CSP takes no <style>.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync('textarea.wrapping-line { field-sizing: fixed !important; }');
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    });
    await p.goto(`${center.base}/#/tickets/new?alert=${ids.alert}`);
    await p.reload(); // a new document, so the script above runs first
    await ready(p);
    const subject = p.locator('#ticket-form [name=subject]');
    await p.waitForFunction(() => document.querySelector('#ticket-form [name=subject]').value !== '');
    const drawn = await subject.evaluate((e) => ({ sizing: getComputedStyle(e).fieldSizing, lines: e.scrollHeight / parseFloat(getComputedStyle(e).lineHeight) }));
    assert.equal(drawn.sizing, 'fixed', 'field-sizing is taken away');
    assert.ok(drawn.lines >= 2, `the subject takes more than one line at 375 px (${drawn.lines})`);
    // Measured after it was drawn (ResizeObserver, then the next frame).
    await p.waitForFunction(() => {
      const e = document.querySelector('#ticket-form [name=subject]');
      return e.style.height && e.scrollHeight <= e.clientHeight + 1;
    }, null, { timeout: 5000 }).catch(() => {});
    assert.deepEqual(await hiddenText(p), []);
    await shot(p, 'ticket-about-alert-375-no-field-sizing');
  });
});
