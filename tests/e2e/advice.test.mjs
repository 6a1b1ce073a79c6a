// SPDX-License-Identifier: Apache-2.0
// What an SME owner reads about an alert is plain: the sensor's messages
// (data/sensor/detectors.json) and the centre's explanations
// (data/center/explanations.json) carry no port numbers and no unexplained
// jargon, name the IT company one way, explain an abbreviation in the
// sentence where it first appears, and in Japanese end every sentence in
// です・ます with a next step ("…ください"). The technical advice for the IT
// company lives in each explanation's "vendor" text. A sensor alert has one
// next step, its message's: its explanation gives none. No browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
// The web UI's own rule for where a sentence ends (outside brackets).
import { sentences } from '../../data/web/js/sentence.js';

const DATA = path.resolve(import.meta.dirname, '../../data');
const detectors = JSON.parse(fs.readFileSync(path.join(DATA, 'sensor/detectors.json'), 'utf8'));
const explanations = JSON.parse(fs.readFileSync(path.join(DATA, 'center/explanations.json'), 'utf8'));

// [where, {ja, en}] for every message and every explanation's what / now
// (now: only the centre's own alerts and other tools' have one).
function ownerTexts() {
  const out = [];
  for (const [name, d] of Object.entries(detectors)) {
    if (name.startsWith('_')) continue;
    for (const [v, x] of Object.entries(d.variants)) out.push([`${name}/${v}`, x.message]);
  }
  const entries = [...Object.entries(explanations.by_signature), ...Object.entries(explanations.by_detector), ['generic', explanations.generic]];
  for (const [name, e] of entries) for (const part of ['what', 'now', 'todo']) if (part === 'what' || e[part]) out.push([`explanation ${name}.${part}`, e[part]]);
  return out;
}

// Words an owner cannot act on, or the IT company's other names.
const JARGON = ['DGA', 'TLS', 'SMBv1', 'UTM', 'NTLM', 'NXDOMAIN', 'ポート転送', 'port forwarding', 'ビーコン', 'beaconing', 'sqlmap', 'nikto',
  'IT 事業者', 'IT vendor', 'IT support company'];
// Abbreviations allowed when the sentence that first uses them explains them.
const EXPLAIN = ['SMB', 'RDP', 'NetBIOS', 'Telnet', 'QUIC', 'DNS', 'FTP', 'OS', 'URL', 'NAS', 'VPN', 'HTTPS', 'HTTP'];

test('owner texts carry no port numbers and no unexplained jargon (ja, en)', () => {
  for (const [where, text] of ownerTexts()) {
    for (const lang of ['ja', 'en']) {
      const s = text[lang];
      assert.ok(s && s.trim(), `${where} ${lang}: empty`);
      assert.doesNotMatch(s, /ポート\s*\d|ports?\s+\d|\b(445|139|3389)\b/, `${where} ${lang}: a port number`);
      for (const word of JARGON) assert.ok(!s.includes(word), `${where} ${lang}: "${word}"`);
      for (const word of EXPLAIN) {
        const at = s.search(new RegExp(`(^|[^A-Za-z])${word}($|[^A-Za-z])`));
        if (at < 0) continue;
        const first = sentences(s).find((x) => x.includes(word));
        assert.match(first, /[(（][^)）]+[)）]/, `${where} ${lang}: "${word}" is not explained where it first appears: ${first}`);
      }
    }
  }
});

// Placeholders a sensor fills with a note in brackets or with nothing, so
// they may stand between a sentence's ending and its 。: cleartext-
// credentials' "{user}", "(ユーザー NAME)" or "" (user_note in
// src/sensor/detect/detect-cleartext.c). Per detector: a {placeholder}
// before the 。 anywhere else is one nobody fills.
const NOTES_AT_END = { 'cleartext-credentials': ['user'] };
const POLITE = '(です|ます|ました|ません|ください|でした)';

// Whether a Japanese sentence of `where` ends in です・ます: a bracket may
// close it, or one of its detector's end notes.
function politeEnd(where, sentence) {
  const notes = NOTES_AT_END[where.split('/')[0]] || [];
  const note = notes.map((n) => `|\\{${n}\\}`).join('');
  return new RegExp(`${POLITE}([(（][^)）]*[)）]${note})?。$`).test(sentence);
}

test('Japanese owner texts are です・ます and end with a next step', () => {
  for (const [where, text] of ownerTexts()) {
    for (const sentence of sentences(text.ja)) assert.ok(politeEnd(where, sentence), `${where}: not です・ます: ${sentence}`);
    if (!where.endsWith('.what')) assert.match(text.ja, /ください。/, `${where}: no next step`);
  }
});

// Until session 26 any {placeholder} was accepted there, so one left
// unfilled by mistake passed.
test('only a detector\'s known end note may stand before the 。', () => {
  assert.ok(politeEnd('cleartext-credentials/3', 'ログインしました{user}。'));
  assert.ok(politeEnd('cleartext-credentials/3', '依頼してください。'));
  assert.ok(politeEnd('intel/1', '相談してください(電話で)。'));
  assert.ok(!politeEnd('intel/1', 'ログインしました{user}。'), 'another detector\'s note');
  assert.ok(!politeEnd('cleartext-credentials/3', '依頼してください{note}。'), 'an unknown placeholder');
  assert.ok(!politeEnd('explanation cleartext-credentials.what', '送られました{user}。'), 'an explanation fills none');
  assert.ok(!politeEnd('intel/1', '危険だ。'));
  // Each end note is still used so, or it goes from the list.
  for (const [name, notes] of Object.entries(NOTES_AT_END)) {
    const texts = Object.values(detectors[name].variants).map((x) => x.message.ja).join('');
    for (const n of notes) assert.ok(texts.includes(`{${n}}。`), `${name}: {${n}} no longer ends a sentence`);
  }
});

// The web UI, the mails and an incident's title take a message's first
// sentence outside brackets (sentence.js, core/str.c); readers of the EVE
// output that cut at the first 。 (". " in English) should get the same
// headline, so the catalogue keeps no 。 inside brackets in a first sentence.
test('a message\'s first sentence ends outside brackets (ja, en)', () => {
  for (const [where, text] of ownerTexts().filter(([w]) => !w.startsWith('explanation'))) {
    const ja = text.ja.slice(0, text.ja.indexOf('。') + 1);
    const en = text.en.slice(0, text.en.indexOf('. ') + 1);
    assert.equal(sentences(text.ja)[0], ja, `${where} ja: headline ${ja}`);
    assert.equal(sentences(text.en)[0], en || text.en, `${where} en: headline ${en}`);
  }
});

test('a message names the same facts in both languages', () => {
  const vars = (s) => [...new Set(s.match(/\{[a-z_]+\}/g) || [])].sort();
  for (const [where, text] of ownerTexts()) assert.deepEqual(vars(text.ja), vars(text.en), where);
});

// One next step per alert: a sensor alert's message ends with its own, so
// the explanation of its kind (the alert page, the mail) gives no other.
test('a sensor alert\'s next step is its message\'s only', () => {
  for (const [name, d] of Object.entries(detectors)) {
    if (name.startsWith('_')) continue;
    for (const v of Object.keys(d.variants)) {
      const sid = String(9100000 + 100 * d.number + Number(v));
      const kind = explanations.signature_detector[sid] || explanations.detector_aliases[name] || name;
      assert.ok(explanations.by_detector[kind], `${name}/${v}: no explanation`);
      assert.equal(explanations.by_detector[kind].now, undefined, `${name}/${v}: explanation ${kind} gives a second next step`);
    }
  }
});

test('every explanation has technical advice for the IT company (ja, en)', () => {
  for (const [name, e] of [...Object.entries(explanations.by_detector), ['generic', explanations.generic]]) {
    for (const lang of ['ja', 'en']) assert.ok(e.vendor && e.vendor[lang] && e.vendor[lang].trim(), `${name}.vendor.${lang}`);
  }
  // The ports an owner no longer reads are said to the IT company.
  assert.match(explanations.by_detector['outbound-smb-rdp'].vendor.ja, /445/);
});
