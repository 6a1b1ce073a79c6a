// SPDX-License-Identifier: Apache-2.0
// sentence: where a message's sentences end, the one rule for every place
// that splits a headline from the text under it (the alert pages and lists,
// an incident's title, the advice checks in tests/e2e). A sentence ends at
// 。 in Japanese and at . ! ? followed by one space and a character that
// is not a lower-case letter in English ("e.g. the" goes on), but never inside brackets (「」『』（）() 【】［］[]) or
// double quotes: an explanation in brackets may hold a 。 of its own. Text
// whose brackets never close is split as if it had none. No DOM: node's
// tests import this file as it is.

const OPEN = '「『（(【［[〔';
const CLOSE = '」』）)】］]〕';

// Index just past each sentence end of s, outside brackets and quotes;
// null when a bracket or quote is left open at the end.
function ends(s, nested) {
  const out = [];
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (nested && OPEN.includes(c)) depth++;
    else if (nested && CLOSE.includes(c)) depth = Math.max(0, depth - 1);
    else if (nested && (c === '"' || c === '“' || c === '”')) quoted = c === '"' ? !quoted : c === '“';
    if (depth > 0 || quoted) continue;
    if (c === '。') out.push(i + 1);
    else if ('.!?'.includes(c) && /^[ \t\n\r\f\v][^a-z \t\n\r\f\v]/.test(s.slice(i + 1, i + 3))) out.push(i + 1);
  }
  return nested && (depth > 0 || quoted) ? null : out;
}

// The sentences of text, trimmed, in order (a last one without a full stop
// included).
export function sentences(text) {
  const s = String(text ?? '');
  const cuts = ends(s, true) || ends(s, false);
  const out = [];
  let from = 0;
  for (const to of [...cuts, s.length]) {
    const part = s.slice(from, to).trim();
    if (part) out.push(part);
    from = to;
  }
  return out;
}

// [headline, rest]: the first sentence and the text after it ('' when the
// message is one sentence).
export function splitHeadline(text) {
  const s = String(text ?? '');
  const cuts = ends(s, true) || ends(s, false);
  const at = cuts.find((i) => s.slice(i).trim() !== '');
  return at === undefined ? [s.trim(), ''] : [s.slice(0, at).trim(), s.slice(at).trim()];
}
