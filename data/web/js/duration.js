// SPDX-License-Identifier: Apache-2.0
// duration: a span of minutes in words, as the reports say it (the centre's
// mm_minutes_text in core/i18n.c): days, hours and minutes, the parts that
// are not 0, so 90 is "1 時間 30 分" / "1 hour 30 min" and 1500 "1 日 1
// 時間" / "1 day 1 hour"; 0 (a time taken of 0-59 seconds, rounded down) and
// a negative span are "1 分未満" / "under 1 min", never "0 分". The words
// come from the caller's tr(key, vars) (i18n.js's t in the page), so node's
// test (web-duration, tests/data/minutes.json) imports this module without a
// DOM.
const UNITS = [
  [1440, 'time.day_one', 'time.days'],
  [60, 'time.hour_one', 'time.hours'],
  [1, 'time.minute_one', 'time.minutes'],
];

export function minutesText(min, tr) {
  if (min === null || min === undefined || min === '' || !Number.isFinite(Number(min))) return tr('time.minutes', { n: '—' });
  let rest = Math.max(0, Math.floor(Number(min)));
  if (rest === 0) return tr('time.under_minute', {});
  const parts = [];
  for (const [size, one, many] of UNITS) {
    const n = Math.floor(rest / size);
    rest %= size;
    if (n > 0) parts.push(tr(n === 1 ? one : many, { n }));
  }
  return parts.join(' ');
}
