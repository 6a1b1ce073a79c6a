// SPDX-License-Identifier: Apache-2.0
// The web UI says a span of minutes as the reports do: fmtMinutes
// (data/web/js/duration.js with the words of i18n/{ja,en}.json) against the
// cases the centre's mm_minutes_text is tested with (tests/data/minutes.json,
// also read by test-core-text). It used to say "90 分" and "1 h" where the
// reports said "1 時間 30 分". No browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { minutesText } from '../../data/web/js/duration.js';

const read = (rel) => JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'));

// t() of i18n.js over one language's file: {name} placeholders filled.
function translator(lang) {
  const strings = read(`../../data/web/i18n/${lang}.json`);
  return (key, vars) => {
    assert.ok(key in strings, `${lang}.json has ${key}`);
    return strings[key].replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));
  };
}

test('durations read as in the reports, ja and en (tests/data/minutes.json)', () => {
  const { cases } = read('../data/minutes.json');
  const ja = translator('ja');
  const en = translator('en');
  assert.ok(cases.length >= 10);
  for (const [minutes, jaText, enText] of cases) {
    assert.equal(minutesText(minutes, ja), jaText, `${minutes} (ja)`);
    assert.equal(minutesText(minutes, en), enText, `${minutes} (en)`);
  }
});

test('a value that is not a number is a dash, not NaN', () => {
  const en = translator('en');
  for (const v of [null, undefined, '', 'x']) assert.equal(minutesText(v, en), '— min');
});
