// SPDX-License-Identifier: Apache-2.0
// Consultation desk from the browser: an SME owner opens a ticket with a
// category and a message and sees it in the thread. Skipped, with the reason,
// while the centre has no desk API (GET /api/v1/tickets answers 404).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Center, Client, needBinary } from './lib/center.mjs';
import { openBrowser, signIn, shot } from './lib/browser.mjs';

const missing = needBinary() || false;
let center;
let deskMissing = 'not checked';

before(async () => {
  if (missing) return;
  center = await new Center().start();
  await center.seed();
  const c = new Client(center.base);
  await c.login(center.users.yamada.email, center.users.yamada.password);
  const r = await c.req('GET', '/api/v1/tickets');
  deskMissing = r.status === 404 ? 'the centre has no consultation desk API yet (GET /api/v1/tickets -> 404)' : null;
});
after(async () => {
  if (center) await center.stop();
});

test('an SME owner opens a consultation ticket', { skip: missing }, async (t) => {
  if (deskMissing) {
    // The page must still say so plainly instead of failing.
    const b = await openBrowser({ locale: 'ja-JP' });
    try {
      await signIn(b.page, center.base, center.users.yamada);
      await b.page.goto(center.base + '/#/tickets/new');
      await b.page.locator('#not-available').waitFor();
      assert.match(await b.page.locator('#not-available').textContent(), /準備中/);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
    t.skip(deskMissing);
    return;
  }
  const b = await openBrowser({ locale: 'ja-JP' });
  try {
    const p = b.page;
    await signIn(p, center.base, center.users.yamada);
    await p.goto(center.base + '/#/tickets/new');
    const form = p.locator('#ticket-form');
    await form.waitFor();
    await form.locator('select[name=category]').selectOption('suspicious_mail');
    await form.locator('input[name=subject]').fill('取引先を名乗る怪しいメール');
    await form.locator('textarea[name=message]').fill('請求書の添付ファイルを開くように書かれたメールが届きました。');
    await form.locator('button[type=submit]').click();
    await p.locator('#thread').waitFor();
    assert.match(await p.locator('main h1').textContent(), /取引先を名乗る怪しいメール/);
    assert.match(await p.locator('#thread').textContent(), /請求書の添付ファイル/);
    await shot(p, 'ticket-ja');
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
