// SPDX-License-Identifier: Apache-2.0
// zone: calendar arithmetic for the dates and times people type, in the
// centre's report zone (dom.js passes GET /api/v1/me "timezone"): a wall
// time read in that zone (wallToUtc, behind dom.js zonedInputToUtc), the
// day after a date (nextDay) and which of two dates is later (laterDay).
// No DOM: node's web-zone test imports this file as it is.

// Milliseconds since the epoch of a date and time read as UTC (month
// 1-12; out-of-range parts carry over, as in Date.UTC). Years 0-99 stay
// themselves: Date.UTC reads them as 1900-1999, so a date field's typo
// "0026-04-01" was said as 1926.
export function utcMs(year, month, day = 1, hour = 0, minute = 0, second = 0) {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

// The offset of zone from UTC at instant ms, in ms (0 for a zone this
// browser does not know).
export function zoneOffset(zone, ms) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(ms));
  } catch {
    return 0;
  }
  const n = (type) => Number(parts.find((p) => p.type === type).value);
  return utcMs(n('year'), n('month'), n('day'), n('hour'), n('minute'), n('second')) - Math.floor(ms / 1000) * 1000;
}

const DAY_MS = 86400000;

// The instant of wall time wall (ms of that date and time read as UTC) in
// zone, read as Temporal's "compatible": a wall time that comes twice
// (clocks set back) is the earlier one; one that a change of offset skips
// (clocks set forward) is read with the offset before the change, so it
// lands as far after the change as it is after the skipped start: where
// midnight jumps to 01:00, "00:00" is the change itself (the first instant
// of that day, as the centre reads the date) and "00:30" is 01:30. Until
// session 27 the offset was looked up twice from the wall time, which put a
// skipped midnight an hour before the change, on the day before, and the
// later of two repeated times in some zones. A zone changes its offset at
// most once within a day on each side.
function wallInstant(wall, zone) {
  const before = zoneOffset(zone, wall - DAY_MS);
  const after = zoneOffset(zone, wall + DAY_MS);
  const fits = [before, after].map((o) => wall - o).filter((at) => at + zoneOffset(zone, at) === wall);
  return fits.length ? Math.min(...fits) : wall - before;
}

// A date and time typed in a datetime-local field ("2026-04-02T10:00")
// read in zone, as RFC 3339 UTC ("2026-04-02T01:00:00Z" in Asia/Tokyo);
// null when it is not one.
export function wallToUtc(value, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value || '');
  if (!m) return null;
  const wall = utcMs(+m[1], +m[2], +m[3], +m[4], +m[5], +(m[6] || 0));
  return new Date(wallInstant(wall, zone)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The calendar day after day ("2026-04-02" gives "2026-04-03"), a date
// only, in no zone: the until of a [since, until) period of whole days,
// which the centre reads in the report zone (GET /api/v1/stats). null when
// it is not a date. A year may have more than four digits, as a date field
// takes it ("10000-01-01"; until session 27 such an end was dropped and the
// statistics showed the last 30 days).
export function nextDay(day) {
  const m = /^(\d{4,})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!m) return null;
  const d = new Date(utcMs(+m[1], +m[2], +m[3] + 1));
  const two = (n) => String(n).padStart(2, '0');
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

// Whether date field value a ("2026-04-01") is a later day than b. The
// years have at least four digits (a date field writes "0026", and up to
// six: "275760"), so a longer text is a later year.
export function laterDay(a, b) {
  return a.length !== b.length ? a.length > b.length : a > b;
}
