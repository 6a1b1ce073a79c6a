// SPDX-License-Identifier: Apache-2.0
// The web UI's sentence rule (data/web/js/sentence.js), which splits an
// alert's headline from the text under it on every page: a 。 or ". " inside
// brackets or quotes does not end the sentence. No browser needed: the
// module has no DOM and node imports it as the browser does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitHeadline, sentences } from '../../data/web/js/sentence.js';

test('the headline ends at the first 。 outside brackets (ja)', () => {
  assert.deepEqual(splitHeadline('新しい機器がつながりました。心当たりがなければ連絡してください。'),
    ['新しい機器がつながりました。', '心当たりがなければ連絡してください。']);
  assert.deepEqual(splitHeadline('「更新してください。」という偽の画面が出ました。閉じてください。'),
    ['「更新してください。」という偽の画面が出ました。', '閉じてください。']);
  assert.deepEqual(splitHeadline('古い方式（SMBv1。今は使いません）で通信しました。IT 会社に相談してください。'),
    ['古い方式（SMBv1。今は使いません）で通信しました。', 'IT 会社に相談してください。']);
  assert.deepEqual(splitHeadline('『ファイル共有』（「共有。」と表示）が開いています。閉じてください。'),
    ['『ファイル共有』（「共有。」と表示）が開いています。', '閉じてください。']);
});

test('the headline ends at ". " before a capital outside brackets and quotes (en)', () => {
  assert.deepEqual(splitHeadline('A new device joined. If you do not know it, call us.'), ['A new device joined.', 'If you do not know it, call us.']);
  assert.deepEqual(splitHeadline('A PC used an old method (SMBv1. Not used today) to share files. Ask your IT company.'),
    ['A PC used an old method (SMBv1. Not used today) to share files.', 'Ask your IT company.']);
  assert.deepEqual(splitHeadline('A page said "Update now. Call us" and showed a number. Close it.'),
    ['A page said "Update now. Call us" and showed a number.', 'Close it.']);
  assert.deepEqual(splitHeadline('Check e.g. the printer. Then call us.'), ['Check e.g. the printer.', 'Then call us.']);
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
