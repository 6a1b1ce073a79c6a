// SPDX-License-Identifier: Apache-2.0
// The web UI against a busy database: another program (here the sqlite3
// shell, as a backup or an operator's shell left in a transaction would)
// holds center.db's write lock while an SME owner sends a consultation. The
// centre waits its busy timeout ([server] busy_timeout_ms, 300 ms here) and
// answers 503 `db_busy` with Retry-After; the page says why, in the
// page's language (ja, en): another program uses the database, nothing was
// saved, try again. What was typed stays in the form, no ticket was made,
// and once the lock is let go the same button sends the same consultation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client, needBinary, useCenter } from './lib/center.mjs';
import { asUser, shot } from './lib/browser.mjs';

const missing = needBinary() || false;
let center;

useCenter(async (started) => {
  center = started;
}, { config: '[server]\nbusy_timeout_ms = 300\n' });

// The sqlite3 shell holding the write lock of the centre's database (BEGIN
// IMMEDIATE, waiting up to 30 s for a batch the centre is writing); resolves
// once the lock is held, with release() (ROLLBACK, then the shell ends).
function holdWriteLock() {
  const db = path.join(center.dir, 'data', 'center.db');
  const shell = spawn('sqlite3', ['-batch', db], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const ended = new Promise((resolve) => shell.once('exit', resolve));
  return new Promise((resolve, reject) => {
    shell.stderr.on('data', (d) => reject(new Error('sqlite3: ' + d)));
    shell.stdout.on('data', (d) => {
      out += d;
      if (out.includes('locked')) {
        resolve({
          async release() {
            shell.stdin.end('ROLLBACK;\n.quit\n');
            assert.equal(await ended, 0, 'the sqlite3 shell ended cleanly');
          },
        });
      }
    });
    shell.stdin.write(".timeout 30000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n");
  });
}

const CASES = [
  { who: 'yamada', lang: 'ja', subject: '請求書のメールが怪しい', message: '添付ファイルはまだ開いていません。',
    busy: /操作できませんでした。監視センターのデータベースを別のプログラム（バックアップなど）が使っているため、何も保存されていません。少し待ってから、もう一度お試しください。/,
    sent: /相談を受け付けました/ },
  { who: 'sakura', lang: 'en', subject: 'A strange invoice mail', message: 'Nobody has opened the attachment.',
    busy: /That did not work\. The monitoring centre's database is in use by another program \(a backup, for example\), so nothing was saved\. Please wait a moment and try again\./,
    sent: /Your question was received/ },
];

for (const c of CASES) {
  test(`a consultation sent while another program holds the database (${c.lang})`, { skip: missing }, async () => {
    const user = center.users[c.who];
    const api = await Client.signedIn(center.base, user);
    const before = (await api.ok('GET', '/api/v1/tickets')).items.length;
    await asUser(center.base, user, { route: '#/tickets/new' }, async (p) => {
      const form = p.locator('#ticket-form');
      await form.locator('[name=subject]').fill(c.subject);
      await form.locator('textarea[name=message]').fill(c.message);
      const lock = await holdWriteLock();
      let released = false;
      try {
        const answer = p.waitForResponse((r) => r.url().endsWith('/api/v1/tickets') && r.request().method() === 'POST');
        await form.locator('button[type=submit]').click();
        const r = await answer;
        assert.equal(r.status(), 503);
        assert.equal(r.headers()['retry-after'], '1', 'Retry-After: 300 ms rounded up');
        const flash = p.locator('#flash.flash-error');
        await flash.waitFor();
        const said = await flash.textContent();
        assert.match(said, c.busy);
        assert.doesNotMatch(said, /[{}]|unavailable|db_busy|HTTP|503/, 'no raw JSON, code or status');
        await shot(p, `busy-${c.lang}`);
        // nothing lost: the form keeps what was typed and can be sent again
        assert.equal(await form.locator('[name=subject]').inputValue(), c.subject);
        assert.equal(await form.locator('textarea[name=message]').inputValue(), c.message);
        assert.equal(await form.locator('button[type=submit]').isEnabled(), true);
        await lock.release();
        released = true;
      } finally {
        if (!released) await lock.release();
      }
      assert.equal((await api.ok('GET', '/api/v1/tickets')).items.length, before, 'no ticket made while busy');
      await form.locator('button[type=submit]').click();
      await p.locator('#thread').waitFor();
      assert.match(await p.locator('main h1').textContent(), new RegExp(c.subject));
      assert.match(await p.locator('#thread').textContent(), new RegExp(c.message.replace('.', '\\.')));
      assert.match(await p.locator('#flash').textContent(), c.sent);
    });
    const tickets = (await api.ok('GET', '/api/v1/tickets')).items;
    assert.equal(tickets.length, before + 1, 'one ticket, once');
    assert.equal(tickets[0].subject, c.subject);
  });
}
