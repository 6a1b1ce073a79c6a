// SPDX-License-Identifier: Apache-2.0
// oneline: a text made one line, for a field that must hold one (a
// consultation's subject, dom.js wrappingLineField): each line break, with
// the blanks around it, becomes one space. Also where a caret lands in the
// one-line text, exactly. No DOM: node's web-oneline test imports this file
// as it is.

const BREAK_RUN = /\s*[\r\n]+\s*/g;

export function hasLineBreak(text) {
  return /[\r\n]/.test(text);
}

export function oneLine(text) {
  return text.replace(BREAK_RUN, ' ');
}

// The caret at `caret` in text, moved to the same place in oneLine(text):
// before a run of blanks and breaks it keeps its place in the text around
// it; inside a run or right after it, it goes after the run's space.
export function oneLineCaret(text, caret) {
  let lost = 0; // characters the runs before the caret gave up
  for (const m of text.matchAll(BREAK_RUN)) {
    const start = m.index;
    const end = start + m[0].length;
    if (caret <= start) break;
    if (caret <= end) return start - lost + 1;
    lost += m[0].length - 1;
  }
  return caret - lost;
}

// The smallest change that makes text one line: {start, end, text} (replace
// text.slice(start, end) by text), null when there is no line break. Only
// that part is replaced, so an edit in a field stays one step to undo.
export function oneLineEdit(text) {
  const runs = [...text.matchAll(BREAK_RUN)];
  if (!runs.length) return null;
  const start = runs[0].index;
  const last = runs[runs.length - 1];
  const end = last.index + last[0].length;
  return { start, end, text: oneLine(text.slice(start, end)) };
}
