// SPDX-License-Identifier: Apache-2.0
// Dates and times typed in the web UI, read in the centre's report zone
// (data/web/js/zone.js, behind dom.js zonedInputToUtc and nextDay): a wall
// time that a change of offset skips or repeats is read as Temporal's
// "compatible" (a skipped time as far after the change as after the skipped
// start, a repeated one the earlier), so a skipped midnight is the first
// instant of its day, as the centre reads the date (mm_zone_date_start).
// The report zone is configurable ([reports] timezone): Japan has no such
// change, Havana and Santiago change at midnight. No browser needed: node's
// Intl has the same zone data as the browser's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wallToUtc, nextDay, laterDay } from '../../data/web/js/zone.js';

test('an ordinary time in the zone', () => {
  assert.equal(wallToUtc('2026-04-02T10:00', 'Asia/Tokyo'), '2026-04-02T01:00:00Z');
  assert.equal(wallToUtc('2026-04-02T00:00:30', 'Asia/Tokyo'), '2026-04-01T15:00:30Z');
  assert.equal(wallToUtc('2026-07-01T12:00', 'Europe/Berlin'), '2026-07-01T10:00:00Z');
  assert.equal(wallToUtc('2026-04-02T10:00', 'No/Such_Zone'), '2026-04-02T10:00:00Z', 'a zone not known: UTC');
  assert.equal(wallToUtc('2026-04-02', 'Asia/Tokyo'), null);
  assert.equal(wallToUtc('', 'Asia/Tokyo'), null);
});

// Midnight skipped (clocks forward from 00:00 to 01:00): midnight is the
// change itself, the first instant of the day. It landed an hour before,
// on the day before (23:00), until session 27.
test('a skipped midnight is the first instant of its day', () => {
  // Havana, 8 March 2026: 00:00 UTC-5 becomes 01:00 UTC-4 (05:00Z).
  assert.equal(wallToUtc('2026-03-08T00:00', 'America/Havana'), '2026-03-08T05:00:00Z');
  assert.equal(wallToUtc('2026-03-08T00:30', 'America/Havana'), '2026-03-08T05:30:00Z', 'as far after the change');
  assert.equal(wallToUtc('2026-03-08T01:00', 'America/Havana'), '2026-03-08T05:00:00Z', 'the first time that exists');
  assert.equal(wallToUtc('2026-03-07T23:59', 'America/Havana'), '2026-03-08T04:59:00Z', 'the minute before');
  // Santiago, 6 September 2026: 00:00 UTC-4 becomes 01:00 UTC-3 (04:00Z).
  assert.equal(wallToUtc('2026-09-06T00:00', 'America/Santiago'), '2026-09-06T04:00:00Z');
});

// Midnight repeated (clocks back from 01:00 to 00:00): the earlier one.
test('a repeated time is the earlier one', () => {
  // Havana, 1 November 2026: 01:00 UTC-4 becomes 00:00 UTC-5 (05:00Z).
  assert.equal(wallToUtc('2026-11-01T00:00', 'America/Havana'), '2026-11-01T04:00:00Z');
  assert.equal(wallToUtc('2026-11-01T00:30', 'America/Havana'), '2026-11-01T04:30:00Z');
  assert.equal(wallToUtc('2026-11-01T01:00', 'America/Havana'), '2026-11-01T06:00:00Z', 'after the repeated hour');
  // Berlin, 25 October 2026: 02:30 comes in summer time and again in
  // winter time (it was read as the later until session 27).
  assert.equal(wallToUtc('2026-10-25T02:30', 'Europe/Berlin'), '2026-10-25T00:30:00Z');
  // and 29 March 2026: 02:30 is skipped, read as 03:30 summer time.
  assert.equal(wallToUtc('2026-03-29T02:30', 'Europe/Berlin'), '2026-03-29T01:30:00Z');
});

test('the day after a date, in no zone', () => {
  assert.equal(nextDay('2026-04-02'), '2026-04-03');
  assert.equal(nextDay('2026-02-28'), '2026-03-01');
  assert.equal(nextDay('2028-02-28'), '2028-02-29');
  assert.equal(nextDay('2026-12-31'), '2027-01-01');
  assert.equal(nextDay('0026-04-01'), '0026-04-02', 'years 0-99 stay themselves');
  // A five-digit year, as a date field takes it (dropped until session 27).
  assert.equal(nextDay('10000-01-01'), '10000-01-02');
  assert.equal(nextDay('2026-04-02T00:00'), null);
  assert.equal(nextDay(''), null);
});

test('which of two dates is later', () => {
  assert.ok(laterDay('2026-04-10', '2026-04-02'));
  assert.ok(!laterDay('2026-04-02', '2026-04-10'));
  assert.ok(!laterDay('2026-04-02', '2026-04-02'), 'the same day is not later');
  assert.ok(laterDay('10000-01-01', '9999-12-31'), 'a longer year is later');
  assert.ok(!laterDay('0026-04-01', '2026-04-01'));
});
