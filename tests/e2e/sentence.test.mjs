// SPDX-License-Identifier: Apache-2.0
// The web UI's sentence rule (data/web/js/sentence.js), which splits an
// alert's headline from the text under it on every page: a 。 or ". " inside
// brackets or quotes does not end the sentence. The cases are shared with
// the centre's C rule (tests/data/sentences.json). No browser needed: the
// module has no DOM and node imports it as the browser does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { splitHeadline, sentences } from '../../data/web/js/sentence.js';

test('the headline is the first sentence, as the centre cuts it (tests/data/sentences.json)', () => {
  const { cases } = JSON.parse(readFileSync(new URL('../data/sentences.json', import.meta.url), 'utf8'));
  assert.ok(cases.length > 10);
  for (const [text, first] of cases) assert.equal(splitHeadline(text)[0], first, text);
});

test('one sentence, empty text, unclosed brackets', () => {
  assert.deepEqual(splitHeadline('一文だけの警告です。'), ['一文だけの警告です。', '']);
  assert.deepEqual(splitHeadline('  '), ['', '']);
  assert.deepEqual(splitHeadline(null), ['', '']);
  assert.deepEqual(splitHeadline(undefined), ['', '']);
  // A bracket that never closes would swallow the whole text: split as if
  // there were no brackets.
  assert.deepEqual(splitHeadline('通信しました（詳しくは下に。確認してください。'), ['通信しました（詳しくは下に。', '確認してください。']);
});

test('sentences lists every sentence, the last one without a stop included', () => {
  assert.deepEqual(sentences('一つ目です。「二つ目。」です。三つ目'), ['一つ目です。', '「二つ目。」です。', '三つ目']);
  assert.deepEqual(sentences('One. Two (a. B). Three'), ['One.', 'Two (a. B).', 'Three']);
  assert.deepEqual(sentences(''), []);
});
