// SPDX-License-Identifier: Apache-2.0
// The web UI's two string files say the same things: same keys in ja.json and
// en.json, no empty text, every key the pages ask for exists (literal keys and
// the families built at run time), and the pages never use innerHTML or
// similar (all text goes in as text nodes). No browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const WEB = path.resolve(import.meta.dirname, '../../data/web');
const ja = JSON.parse(fs.readFileSync(path.join(WEB, 'i18n/ja.json'), 'utf8'));
const en = JSON.parse(fs.readFileSync(path.join(WEB, 'i18n/en.json'), 'utf8'));

function scripts(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? scripts(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : []));
}
const sources = scripts(path.join(WEB, 'js')).map((f) => [f, fs.readFileSync(f, 'utf8')]);

test('ja.json and en.json have the same keys and no empty text', () => {
  assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
  for (const [k, v] of [...Object.entries(ja), ...Object.entries(en)]) {
    assert.equal(typeof v, 'string', k);
    assert.ok(v.trim().length > 0, 'empty text for ' + k);
  }
  // Placeholders match between the languages.
  for (const k of Object.keys(ja)) {
    const vars = (s) => (s.match(/\{[a-z_]+\}/g) || []).sort();
    assert.deepEqual(vars(ja[k]), vars(en[k]), 'placeholders of ' + k);
  }
});

test('every key the pages use exists', () => {
  const families = {
    'severity.': ['1', '2', '3', '4'],
    'status.': ['new', 'acknowledged', 'escalated', 'closed', 'unknown'],
    'role.': ['admin', 'analyst', 'owner', 'staff', 'vendor'],
    'nav.': ['dashboard', 'alerts', 'tickets', 'incidents', 'stats', 'activity', 'settings', 'account'],
    'lang.name.': ['ja', 'en'],
    'ticket.cat.': ['suspicious_mail', 'fake_warning', 'encrypted_files', 'unauthorised_access', 'lost_device', 'other'],
    'ticket.status.': ['open', 'waiting', 'resolved', 'closed'],
    'incident.status.': ['triage', 'remote', 'onsite', 'recovery', 'closed'],
    'settings.mail_sev.': ['1', '2', '3', '4'],
    'alert.': ['what', 'now', 'threat'],
    'incident.kind.': ['note', 'created', 'dispatch', 'alert', 'assign', 'edit'],
    'alerts.sev_min.': ['1', '2', '3'],
    'incident.f.': ['summary', 'impact', 'actions', 'advice', 'outcome'],
    'incident.handling.': ['remote', 'onsite'],
    // Every action the centre writes to its audit log (pages/activity.js KNOWN).
    'activity.do.': ['session.login', 'session.logout', 'user.add', 'user.lang', 'user.password',
      'user.password_reset', 'user.disable', 'user.enable', 'token.create', 'token.revoke', 'tenant.add',
      'tenant.update', 'tenant.sla', 'sensor.enrol', 'sensor.revoke', 'enrol.code', 'alert.status',
      'ticket.open', 'ticket.message', 'ticket.status', 'ticket.category', 'ticket.link_alert',
      'incident.open', 'incident.edit', 'incident.note', 'incident.status', 'contacts.replace',
      'duty.on', 'duty.off', 'mail.resend'],
  };
  const wanted = new Set();
  for (const [, src] of sources) {
    for (const m of src.matchAll(/\bt\(\s*'([a-z_.0-9]+)'/g)) wanted.add(m[1]);
    // t(cond ? 'a.key' : 'b.key'): both keys (a bare word is a suffix, not a key).
    for (const m of src.matchAll(/\bt\([^)]*\?\s*'([a-z_.0-9]+)'\s*:\s*'([a-z_.0-9]+)'/g)) {
      for (const k of [m[1], m[2]]) if (k.includes('.')) wanted.add(k);
    }
  }
  for (const key of wanted) {
    if (key.endsWith('.')) {
      assert.ok(families[key], 'no family list for dynamic key ' + key);
      for (const v of families[key]) assert.ok(key + v in ja, 'missing ' + key + v);
    } else {
      assert.ok(key in ja, 'missing ' + key);
    }
  }
});

// Owners see the incident's stages (incident pages, reports): the first is
// "Assessing the situation" / 状況の確認, never the jargon "triage" (the API's
// identifier stays "triage"; only the labels changed).
test('no text says "triage"', () => {
  const desk = JSON.parse(fs.readFileSync(path.resolve(WEB, '../i18n/center-desk.json'), 'utf8'));
  const centre = Object.entries(desk).filter(([k]) => !k.startsWith('_')).flatMap(([k, v]) => [[k, v.ja], [k, v.en]]);
  for (const [k, v] of [...Object.entries(ja), ...Object.entries(en), ...centre]) {
    assert.doesNotMatch(String(v), /triage|トリアージ/i, k);
  }
  assert.equal(en['incident.status.triage'], 'Assessing the situation');
  assert.equal(ja['incident.status.triage'], '状況の確認');
});

test('pages never build HTML from strings', () => {
  for (const [file, src] of sources) {
    assert.doesNotMatch(src, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/, file);
  }
});

// The UI says a failed call in its own words (api.errorText): every error
// code the centre can answer (data/i18n/center.json error.*) has them, and no
// page shows the centre's message, which may carry an English detail.
test('every centre error code has the UI\'s own ja/en text', () => {
  const centre = JSON.parse(fs.readFileSync(path.resolve(WEB, '../i18n/center.json'), 'utf8'));
  const codes = Object.keys(centre).filter((k) => k.startsWith('error.')).map((k) => k.slice(6));
  assert.ok(codes.includes('not_found') && codes.includes('password_too_short'));
  for (const c of codes) assert.ok('apierr.' + c in ja && 'apierr.' + c in en, 'no apierr.' + c);
  for (const [file, src] of sources) assert.doesNotMatch(src, /\be\.message\b/, file);
});

// The desk has one name, the menu's, wherever a text names it: "help desk"
// in English (the alert page and the new consultation said "consultation
// desk" while the menu, the list and the back link said "Help desk"),
// 相談窓口 in Japanese.
test('the desk is called by the menu\'s name in every text', () => {
  for (const [strings, name, word] of [[en, en['nav.tickets'], /\b[\w-]+ desk\b/gi], [ja, ja['nav.tickets'], /\S*窓口/g]]) {
    for (const [k, v] of Object.entries(strings)) {
      for (const m of v.match(word) || []) assert.ok(m.toLowerCase().endsWith(name.toLowerCase()), `${k}: "${m}", not "${name}"`);
    }
  }
});
