// SPDX-License-Identifier: Apache-2.0
// The vendor's emergency number ([vendor] of center.ini, GET /api/v1/me
// "vendor") on the SME's home page: the owner reads whom to call, on which
// number (a tel: link, for a phone) and when, in ja and en.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needBinary, useCenter } from './lib/center.mjs';
import { asUser, shot } from './lib/browser.mjs';

const missing = needBinary() || false;
let center;

useCenter(async (c) => {
  center = c;
}, { config: '[vendor]\nname = 守りネット株式会社\nphone = 03-0000-0000\nhours = 平日 9:00〜18:00\n' });

test('the SME home page names the vendor to call (ja, en)', { skip: missing }, async () => {
  const cases = [
    [center.users.yamada, 'ja-JP', 'お困りのとき、緊急のときのお電話: 守りネット株式会社 電話 03-0000-0000（受付 平日 9:00〜18:00）'],
    [center.users.sakura, 'en-US', 'In trouble or in an emergency, call: 守りネット株式会社 on 03-0000-0000 (平日 9:00〜18:00)'],
  ];
  for (const [user, locale, want] of cases) {
    await asUser(center.base, user, { locale, route: '/#/' }, async (p) => {
      const line = p.locator('#vendor-contact');
      await line.waitFor();
      assert.equal((await line.innerText()).replace(/\s+/g, ' ').trim(), want);
      assert.equal(await p.locator('#vendor-phone').getAttribute('href'), 'tel:0300000000');
      await shot(p, 'home-vendor-' + locale);
    });
  }
});
