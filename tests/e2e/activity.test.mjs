// SPDX-License-Identifier: Apache-2.0
// The activity log page (#/activity, GET /api/v1/audit): the vendor admin
// sees the sign-ins of several people in words (ja and en, never the raw
// action codes), newest first, can narrow it to one company and follow
// "show more"; an SME owner sees their own company's entries only; staff
// have no menu link and the address is "not found" for them. Until session
// 28 the UI had no such page (the deployment guide sent operators to the
// raw API address). Sensors and people are named as the centre gives them
// with each entry (ja, en), also one no longer on record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { needBinary, useCenter, Client } from './lib/center.mjs';
import { asUser, readyFor, shot } from './lib/browser.mjs';

const missing = needBinary() || false;
let center;
const staff = { email: 'staff@yamada.example', password: 'staff-password-123' };

useCenter(async (c) => {
  center = c;
  await c.api.ok('POST', '/api/v1/users', { ...staff, role: 'staff', tenant_id: c.tenants.yamada.id, lang: 'ja', must_change_password: false });
  // Sign-ins of several people, each recorded by the centre.
  for (const who of ['analyst', 'yamada', 'sakura']) await Client.signedIn(c.base, c.users[who]);
  await Client.signedIn(c.base, staff);
  // A sensor's registration cancelled with the admin command, and entries
  // about a sensor and a person no longer on record (written straight into
  // the centre's database: the centre never deletes either).
  c.admin(['sensor', 'revoke', String(c.sensors.yamada.id)]);
  execFileSync('sqlite3', ['-cmd', '.timeout 30000', path.join(c.dir, 'data', 'center.db'),
    `INSERT INTO audit (at, tenant_id, actor, action, target) VALUES ((SELECT max(at) FROM audit), ${Number(c.tenants.yamada.id)}, 'sensor:99999', 'user.disable', 'user:99998');`]);
});

// The table's rows as [who, what] (the company column, when there is one, left out).
async function rows(p) {
  return p.locator('#activity-table tbody tr').evaluateAll((trs) => trs.map((tr) => {
    const who = tr.querySelector('th').textContent.trim();
    const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent.trim());
    return { who, when: cells[0], what: cells[cells.length - 2], address: cells[cells.length - 1], id: Number(tr.dataset.id) };
  }));
}

const signedIn = (list, word) => new Set(list.filter((r) => r.what === word).map((r) => r.who));

test('the vendor admin reads who signed in, in words (ja)', { skip: missing }, async () => {
  await asUser(center.base, center.users.admin, { route: '/#/activity' }, async (p) => {
    await readyFor(p, '操作の記録');
    assert.match(await p.locator('#activity-intro').textContent(), /だれが、いつ、何をしたか/);
    assert.equal(await p.locator('nav a[href="#/activity"]').getAttribute('aria-current'), 'page');
    assert.equal(await p.title(), '操作の記録 — mamori 監視センター');
    const list = await rows(p);
    const who = signedIn(list, 'ログインしました');
    for (const email of ['admin@vendor.example', 'analyst@vendor.example', 'owner@yamada.example', 'owner@sakura.example', staff.email]) assert.ok(who.has(email), email);
    // Newest first, times in the centre's zone, addresses of the sign-ins.
    const ids = list.map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.match(list[0].when, /^\d{4}\/\d\d\/\d\d \d\d:\d\d/);
    assert.ok(list.some((r) => r.what === 'ログインしました' && r.address === '127.0.0.1'));
    assert.ok(list.some((r) => r.what.startsWith('ログインできる人を追加しました')));
    // The first admin, made with the admin command: said in words, not "cli".
    assert.ok(list.some((r) => r.who.startsWith('監視センターのコマンド（')));
    assert.ok(list.some((r) => r.address === '監視センターのサーバー上'));
    assert.ok(!list.some((r) => r.address === 'cli'));
    assert.doesNotMatch(await p.locator('#activity-table').textContent(), /session\.login|user\.add/);
    assert.equal(await p.locator('#activity-table caption').textContent(), '操作の記録（新しい順）');
    await shot(p, 'activity-admin-ja');
  });
});

// Sensors by their names and people by their addresses, as the centre gives
// them with each entry: the page asks for no list of people (it loaded up to
// 5,000 to find the addresses, and named sensors "センサー #N", until session
// 29); a sensor or person no longer on record is said so, with their number.
async function namesShown(p, lang, { vendor }) {
  const say = {
    ja: { sensor: 'センサー「yamada-office」', enrol: 'センサーを登録しました', revoke: 'センサーの登録を取り消しました', about: '対象: センサー「yamada-office」',
      gone: '番号 99999 のセンサー（登録が残っていません）', goneAbout: '対象: 番号 99998 の利用者（登録が残っていません）', cli: 'IT 会社（監視センター）の担当者' },
    en: { sensor: 'Sensor "yamada-office"', enrol: 'Enrolled a sensor', revoke: 'Withdrew a sensor\'s enrolment', about: 'About: Sensor "yamada-office"',
      gone: 'Sensor no. 99999 (no longer on record)', goneAbout: 'About: User no. 99998 (no longer on record)', cli: 'Monitoring centre staff' },
  }[lang];
  const list = await rows(p);
  const enrol = list.filter((r) => r.what === say.enrol && r.who === say.sensor);
  assert.equal(enrol.length, 1, JSON.stringify(list.filter((r) => r.what === say.enrol)));
  const revoke = list.find((r) => r.what.startsWith(say.revoke));
  assert.ok(revoke, 'the revocation is listed');
  assert.ok(revoke.what.endsWith(say.about), revoke.what);
  if (!vendor) assert.equal(revoke.who, say.cli);
  const gone = list.find((r) => r.who === say.gone);
  assert.ok(gone, 'a sensor no longer on record');
  // A person with no name is said to the vendor only: to an SME, the
  // centre names nobody outside the company (users are never deleted).
  if (vendor) assert.ok(gone.what.endsWith(say.goneAbout), gone.what);
  else assert.ok(!gone.what.includes('99998'), gone.what);
  assert.doesNotMatch(await p.locator('#activity-table').textContent(), /#\d/);
}

// The API requests of the page p, as paths.
function apiAsked(p) {
  const asked = [];
  p.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/v1/')) asked.push(u.pathname);
  });
  return asked;
}

test('sensors and people are named by the centre, no list of people loaded (ja: vendor admin, owner)', { skip: missing }, async () => {
  for (const [who, vendor] of [['admin', true], ['yamada', false]]) {
    await asUser(center.base, center.users[who], {}, async (p) => {
      const asked = apiAsked(p);
      await p.goto(center.base + '/#/activity' + (vendor ? '?tenant=' + center.tenants.yamada.id : ''));
      await readyFor(p, '操作の記録');
      await p.locator('#activity-table').waitFor();
      await namesShown(p, 'ja', { vendor });
      assert.ok(asked.includes('/api/v1/audit'));
      assert.ok(!asked.includes('/api/v1/users'), JSON.stringify(asked));
    });
  }
});

test('an SME owner reads only their own company\'s entries (ja)', { skip: missing }, async () => {
  await asUser(center.base, center.users.yamada, {}, async (p) => {
    await p.locator('nav a[href="#/activity"]').click();
    await readyFor(p, '操作の記録');
    const list = await rows(p);
    assert.ok(signedIn(list, 'ログインしました').has('owner@yamada.example'));
    assert.ok(signedIn(list, 'ログインしました').has(staff.email));
    const text = await p.locator('#activity-table').textContent();
    for (const other of ['owner@sakura.example', 'analyst@vendor.example', 'admin@vendor.example']) assert.ok(!text.includes(other), other);
    // The vendor admin added the owner: said without the vendor's address.
    const added = list.filter((r) => r.what.startsWith('ログインできる人を追加しました'));
    assert.ok(added.length >= 1);
    for (const r of added) assert.deepEqual([r.who, r.address], ['IT 会社（監視センター）の担当者', '']);
    // The same entries as the centre gives the owner, and no company filter.
    const api = await Client.signedIn(center.base, center.users.yamada);
    const own = await api.ok('GET', '/api/v1/audit?limit=200');
    const ownIds = new Set(own.items.map((e) => e.id));
    for (const r of list) assert.ok(ownIds.has(r.id), 'entry ' + r.id);
    assert.ok(own.items.every((e) => e.tenant_id === center.tenants.yamada.id));
    assert.equal(await p.locator('#activity-tenant').count(), 0);
  });
});

test('staff have no activity log: no menu link, and its address is not found', { skip: missing }, async () => {
  await asUser(center.base, staff, {}, async (p) => {
    assert.equal(await p.locator('nav a[href="#/alerts"]').count(), 1);
    assert.equal(await p.locator('nav a[href="#/activity"]').count(), 0);
    await p.goto(center.base + '/#/activity');
    await readyFor(p, '見つかりません');
    assert.equal(await p.locator('#activity-table').count(), 0);
    const api = await Client.signedIn(center.base, staff);
    assert.equal((await api.req('GET', '/api/v1/audit')).status, 403);
  });
});

// Switching the language is saved on the admin's account: the tests after
// this one read English.
test('the vendor admin reads who signed in, in words (en)', { skip: missing }, async () => {
  await asUser(center.base, center.users.admin, { route: '/#/activity' }, async (p) => {
    await readyFor(p, '操作の記録');
    await p.locator('#lang-switch').selectOption('en');
    await readyFor(p, 'Activity log');
    assert.match(await p.title(), /^Activity log — /);
    assert.match(await p.locator('#activity-intro').textContent(), /who did what and when/);
    const list = await rows(p);
    const who = signedIn(list, 'Signed in');
    for (const email of ['admin@vendor.example', 'analyst@vendor.example', 'owner@yamada.example', 'owner@sakura.example', staff.email]) assert.ok(who.has(email), email);
    assert.ok(list.some((r) => r.what.startsWith('Added a person who can sign in')));
    assert.match(list[0].when, /\d{4}, \d\d:\d\d/);
    assert.doesNotMatch(await p.locator('#activity-table').textContent(), /session\.login|user\.add|user\.lang/);
    assert.equal(await p.locator('nav a[href="#/activity"]').textContent(), 'Activity log');
    await shot(p, 'activity-admin-en');
  });
});

test('sensors and people are named by the centre (en: vendor admin, owner)', { skip: missing }, async () => {
  await asUser(center.base, center.users.admin, { route: '/#/activity?tenant=' + center.tenants.yamada.id }, async (p) => {
    await readyFor(p, 'Activity log');
    await namesShown(p, 'en', { vendor: true });
  });
  await asUser(center.base, center.users.sakura, { route: '/#/activity' }, async (p) => {
    const asked = apiAsked(p);
    await p.reload();
    await readyFor(p, 'Activity log');
    const list = await rows(p);
    assert.ok(list.some((r) => r.what === 'Enrolled a sensor' && r.who === 'Sensor "sakura-hq"'), JSON.stringify(list));
    assert.ok(list.some((r) => r.what === 'Signed in' && r.who === 'owner@sakura.example'));
    assert.ok(!asked.includes('/api/v1/users'), JSON.stringify(asked));
  });
});

test('the vendor narrows the log to one company and follows "show more"', { skip: missing }, async () => {
  // More than one page (50) of entries for Yamada: language changes.
  const yamada = await Client.signedIn(center.base, center.users.yamada);
  for (let i = 0; i < 56; i++) await yamada.ok('PATCH', '/api/v1/me', { lang: i % 2 ? 'ja' : 'en' });
  await asUser(center.base, center.users.admin, { route: '/#/activity' }, async (p) => {
    await readyFor(p, 'Activity log');
    await p.locator('#activity-tenant').selectOption(String(center.tenants.sakura.id));
    await p.locator('form.filters button[type=submit]').click();
    await p.waitForFunction(() => location.hash.startsWith('#/activity?tenant='));
    await p.waitForFunction(() => {
      const cells = [...document.querySelectorAll('#activity-table tbody tr td:nth-child(3)')];
      return cells.length > 0 && cells.every((td) => td.textContent === 'Sakura Trading');
    });
    const sakura = await rows(p);
    assert.ok(signedIn(sakura, 'Signed in').has('owner@sakura.example'));
    assert.ok(!JSON.stringify(sakura).includes('yamada'));

    await p.locator('#activity-tenant').selectOption(String(center.tenants.yamada.id));
    await p.locator('form.filters button[type=submit]').click();
    await p.waitForFunction(() => document.querySelector('#activity-count')?.textContent.includes('more available'));
    assert.equal((await rows(p)).length, 50);
    await p.locator('#activity-more').click();
    await p.waitForFunction(() => document.querySelectorAll('#activity-table tbody tr').length > 50);
    const all = await rows(p);
    assert.ok(all.filter((r) => r.what === 'Changed the display language').length >= 56);
    assert.ok(signedIn(all, 'Signed in').has('owner@yamada.example'));
    const ids = all.map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.equal(new Set(ids).size, ids.length);
  });
});
