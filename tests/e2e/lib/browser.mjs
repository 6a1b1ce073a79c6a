// SPDX-License-Identifier: Apache-2.0
// Browser side of the tests: Debian's /usr/bin/chromium driven by npm
// playwright-core (never a downloaded browser), headless, with a fresh
// profile per test, screenshots kept under <build>/screenshots/, the
// sign-in steps the tests share (submitSignIn, signIn, asUser), a drop of
// text as the browser gets it from another program (dropText), and what
// does not fit a phone's screen (sidewaysOverflow, cutOff, hiddenText,
// clippedFields, smallTargets, phoneWalk).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BUILD_DIR } from './center.mjs';

export const SHOTS = path.join(BUILD_DIR, 'screenshots');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function openBrowser({ locale = 'ja-JP' } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: ARGS, locale,
    viewport: { width: 1200, height: 900 }, timezoneId: 'UTC',
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The centre's policy requires Trusted Types for the DOM's markup sinks
  // (innerHTML and the like): a refused assignment the page caught itself
  // still shows as a console error, and fails the test like a page error.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Trusted ?(HTML|Script|Type)/i.test(m.text())) errors.push('console: ' + m.text());
  });
  // API failures are printed so a failing test shows what the centre said.
  page.on('response', async (r) => {
    if (r.url().includes('/api/') && r.status() >= 400 && r.status() !== 401 && r.status() !== 404) {
      const body = await r.text().catch(() => '');
      console.error(`# ${r.request().method()} ${r.url()} -> ${r.status()} ${body.slice(0, 200)}`);
    }
  });
  page.on('dialog', (d) => {
    errors.push('dialog: ' + d.message());
    d.dismiss();
  });
  return {
    ctx, page, errors,
    async close() {
      await ctx.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Runs body(b) with a fresh browser (openBrowser(opts)), then checks that
// its page raised no error and opened no dialog; the browser is closed
// whatever happens.
export async function withBrowser(opts, body) {
  const b = await openBrowser(opts);
  try {
    await body(b);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `e2e-${name}.png`), fullPage: true });
}

// Fills the sign-in form of the page (already on it) with user's e-mail
// address and password and submits it; waits for nothing (a wrong password
// stays on the form).
export async function submitSignIn(page, user) {
  await page.locator('input[name=email]').fill(user.email);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('form.login-form button[type=submit]').click();
}

// Signs in through the form and waits for the dashboard.
export async function signIn(page, base, user) {
  await page.goto(base + '/#/login');
  await submitSignIn(page, user);
  await page.waitForFunction(() => !location.hash.startsWith('#/login') && document.querySelector('main .page h1'));
}

// Runs body(page, b) in a fresh browser (withBrowser) with user signed in
// through the form (signIn). opts: locale (openBrowser's; ja-JP when not
// given), width (the viewport's, set before the sign-in: 375 for a phone),
// route (what the page opens after the sign-in, such as '/#/settings',
// waiting until it has drawn: ready).
export async function asUser(base, user, opts, body) {
  if (typeof opts === 'function') [opts, body] = [{}, opts];
  const { locale, width, route } = opts;
  await withBrowser({ locale }, async (b) => {
    if (width) await b.page.setViewportSize({ width, height: 800 });
    await signIn(b.page, base, user);
    if (route) {
      await b.page.goto(base + route);
      await ready(b.page);
    }
    await body(b.page, b);
  });
}

// Waits until the page under the current route has finished drawing.
export async function ready(page) {
  await page.waitForFunction(() => document.querySelector('main .page h1'));
}

// Waits until the page under the current route has drawn its heading with
// text (a string: contained, or a RegExp) in it. After a hash-only
// navigation ready() can pass on the previous page's h1, still there until
// the new page replaces it.
export async function readyFor(page, text) {
  const [source, flags, plain] = text instanceof RegExp ? [text.source, text.flags, false] : [text, '', true];
  await page.waitForFunction(
    ({ source, flags, plain }) => {
      const h = document.querySelector('main .page h1')?.textContent || '';
      return plain ? h.includes(source) : new RegExp(source, flags).test(h);
    },
    { source, flags, plain },
  );
}

// The one-line fields and lists of the page that cut their text off at the
// top or bottom (a fixed height shorter than what the field asks for: a
// date's or a date and time's parts, a number's arrows), as
// "tag#id[type] (needs N px, has M px)": what is inside taller than the
// field's box (scrollHeight), or the field drawn shorter than its own
// height with the height left to the browser (no height, min-height or
// max-height). A list of several rows and what is hidden are left out.
export async function clippedFields(page) {
  return page.evaluate(() => {
    const found = [];
    for (const e of document.querySelectorAll('main input, main select')) {
      if (['hidden', 'checkbox', 'radio'].includes(e.type) || e.clientHeight === 0) continue;
      if (e.tagName === 'SELECT' && (e.multiple || e.size > 1)) continue;
      const has = e.getBoundingClientRect().height;
      const keep = e.getAttribute('style');
      Object.assign(e.style, { height: 'auto', minHeight: '0', maxHeight: 'none' });
      const needs = e.getBoundingClientRect().height;
      if (keep === null) e.removeAttribute('style');
      else e.setAttribute('style', keep);
      if (e.scrollHeight <= e.clientHeight + 1 && needs <= has + 0.5) continue;
      found.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}[${e.type}] (needs ${Math.round(Math.max(needs, e.scrollHeight))} px, has ${Math.round(has)} px)`);
    }
    return found;
  });
}

// Signs out and waits for the sign-in page.
export async function signOut(page) {
  await page.click('#logout');
  await page.waitForSelector('#login-title');
}

// Drops text on the element of locator near its right end, as when text is
// dragged from another program (a mail) into the page: the browser's own
// drag events (CDP Input.dispatchDragEvent, what playwright's dragAndDrop
// sends for a drag it sees start in the page), so the field gets the text
// by the browser's editing, an "insertFromDrop" input the person can undo.
// A drop event made in the page's script would insert nothing: a browser
// runs no default action for an untrusted event.
export async function dropText(page, locator, text) {
  const box = await locator.boundingBox();
  const at = { x: box.x + box.width - 4, y: box.y + Math.min(box.height / 2, 12) };
  const data = { items: [{ mimeType: 'text/plain', data: text }], dragOperationsMask: 1 };
  const cdp = await page.context().newCDPSession(page);
  try {
    for (const type of ['dragEnter', 'dragOver', 'drop']) await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
  } finally {
    await cdp.detach();
  }
}

// Opens the alert list and waits for its table.
export async function showAlerts(page, base) {
  await page.goto(base + '/#/alerts');
  await page.locator('#alert-table').waitFor();
}

// The elements of the page that reach past the screen's sides (left of 0 or
// right of the page's visible width), each as "tag#id.class (left-right in
// width px)", and the page itself when it scrolls sideways. Elements hidden
// on purpose are left out: not drawn (no box), clipped to nothing
// (.visually-hidden, a folded table's header) and the skip link, which is
// off the screen until it has the focus.
export async function sidewaysOverflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const hidden = (e) => e.closest('.skip') || [e, ...ancestors(e)].some((a) => getComputedStyle(a).clip !== 'auto' && getComputedStyle(a).position === 'absolute');
    function ancestors(e) {
      const list = [];
      for (let a = e.parentElement; a; a = a.parentElement) list.push(a);
      return list;
    }
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
    const found = [];
    if (document.documentElement.scrollWidth > width) found.push(`the page (${document.documentElement.scrollWidth} px in ${width} px)`);
    for (const e of document.body.querySelectorAll('*')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || (r.left >= -0.5 && r.right <= width + 0.5) || hidden(e)) continue;
      found.push(`${name(e)} (${Math.round(r.left)}-${Math.round(r.right)} in ${width} px)`);
    }
    return found;
  });
}

// The boxes that cut their own text off: an element that hides what does
// not fit (overflow hidden or clip) holding more than its width, as
// "tag#id.class (content in width px)". Hidden on purpose (clipped to
// nothing: .visually-hidden, a folded table's header) is left out; a text
// field's value scrolls inside it and is not counted.
export async function cutOff(page) {
  return page.evaluate(() => {
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
    const found = [];
    for (const e of document.body.querySelectorAll('*')) {
      const s = getComputedStyle(e);
      if (!['hidden', 'clip'].includes(s.overflowX) || e.clientWidth === 0 || e.scrollWidth <= e.clientWidth + 1) continue;
      if (['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName) || e.closest('.visually-hidden') || s.clip !== 'auto') continue;
      found.push(`${name(e)} (${e.scrollWidth} px in ${e.clientWidth} px)`);
    }
    return found;
  });
}

// The text fields whose text does not all show: an input whose value is
// wider than the field, a textarea whose text is taller than it (both
// scroll inside, so the end is out of sight until scrolled to), as
// "tag#id[name] (text in size px): text". A field left empty shows
// nothing to miss.
export async function hiddenText(page) {
  return page.evaluate(() => {
    const found = [];
    const TEXT = ['textarea', 'text', 'email', 'search', 'url', 'tel', 'password', 'number'];
    for (const e of document.querySelectorAll('main input, main textarea')) {
      if (!TEXT.includes(e.type) || !e.value || e.clientWidth === 0 || e.closest('.visually-hidden')) continue;
      const [text, size] = e.tagName === 'TEXTAREA' ? [e.scrollHeight, e.clientHeight] : [e.scrollWidth, e.clientWidth];
      if (text <= size + 1) continue;
      found.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}[${e.name}] (${text} px in ${size} px): ${e.value}`);
    }
    return found;
  });
}

// The controls too small to hit with a finger: a button, field, list,
// box to tick or disclosure, or a link set apart from text (not inline),
// shown and less than 24 px wide or high (WCAG 2.5.8), as
// "tag#id.class[type] (width x height px)". A link inside a sentence is
// left out (the rule's exception), as is the skip link, which is off the
// screen until it has the focus.
export async function smallTargets(page) {
  return page.evaluate(() => {
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '') + (e.type ? `[${e.type}]` : '');
    const found = [];
    for (const e of document.querySelectorAll('button, input, select, textarea, summary, a[href]')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || e.type === 'hidden' || e.closest('.skip, .visually-hidden')) continue;
      if (e.tagName === 'A' && getComputedStyle(e).display === 'inline') continue;
      if (r.width < 24 || r.height < 24) found.push(`${name(e)} (${Math.round(r.width)} x ${Math.round(r.height)} px)`);
    }
    return found;
  });
}

// Opens each address (a hash such as '#/alerts/3') in the signed-in page at
// a phone's width (375 px: the viewport is resized, not a new browser) and
// returns what does not fit, as "address: what" (sidewaysOverflow, cutOff,
// hiddenText, clippedFields) and the controls too small for a finger
// (smallTargets);
// after(page, hash), when given, runs on each page before it is measured
// (opening a form's hidden part). The page is left at that width.
export async function phoneWalk(page, base, hashes, { width = 375, after } = {}) {
  await page.setViewportSize({ width, height: 800 });
  const problems = [];
  for (const hash of hashes) {
    await page.goto(base + '/' + hash);
    await ready(page);
    if (after) await after(page, hash);
    for (const what of [...(await sidewaysOverflow(page)), ...(await cutOff(page)), ...(await hiddenText(page)), ...(await clippedFields(page)), ...(await smallTargets(page))]) problems.push(`${hash} at ${width} px: ${what}`);
  }
  return problems;
}
