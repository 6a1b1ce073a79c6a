// SPDX-License-Identifier: Apache-2.0
// A consultation's subject is one line (data/web/js/oneline.js, behind
// dom.js wrappingLineField): line breaks and the blanks around them become
// one space, the caret lands at the same place in the one-line text, and only
// the part with the breaks is replaced (one step to undo). No browser needed:
// the module has no DOM and node imports it as the browser does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasLineBreak, oneLine, oneLineCaret, oneLineEdit } from '../../data/web/js/oneline.js';

test('each line break with the blanks around it becomes one space', () => {
  assert.equal(oneLine('取引先を名乗る\n怪しいメール'), '取引先を名乗る 怪しいメール');
  assert.equal(oneLine('a  \r\n \n  b\rc'), 'a b c');
  assert.equal(oneLine('a  b'), 'a  b', 'blanks without a break stay');
  assert.ok(hasLineBreak('a\rb') && hasLineBreak('a\nb') && !hasLineBreak('a  b'));
});

// [text with | as the caret, one-line text with | where the caret lands]
const CARETS = [
  ['abc|\ndef', 'abc| def'],
  ['abc\n|def', 'abc |def'],
  ['abc\n  |def', 'abc |def'],
  // Blanks before the caret and a line break after it: the caret was one
  // character too far ("abc d|ef") until session 26.
  ['abc  |\ndef', 'abc |def'],
  ['abc |  \ndef', 'abc |def'],
  ['|abc \n def', '|abc def'],
  ['a\nb\nc|d', 'a b c|d'],
  ['a \n b|  c \n d', 'a b|  c d'],
  ['a\r\nb|', 'a b|'],
];

test('the caret lands at the same place in the one-line text', () => {
  for (const [before, after] of CARETS) {
    const caret = before.indexOf('|');
    const text = before.replace('|', '');
    const moved = oneLineCaret(text, caret);
    const line = oneLine(text);
    assert.equal(line.slice(0, moved) + '|' + line.slice(moved), after, JSON.stringify(before));
  }
});

test('only the part with the line breaks is replaced', () => {
  assert.equal(oneLineEdit('no break here'), null);
  const text = '件名 \n の一部\r\n です';
  const edit = oneLineEdit(text);
  assert.deepEqual(edit, { start: 2, end: 11, text: ' の一部 ' });
  assert.equal(text.slice(0, edit.start) + edit.text + text.slice(edit.end), oneLine(text));
});
