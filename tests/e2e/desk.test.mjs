// SPDX-License-Identifier: Apache-2.0
// Consultation desk and incidents from the browser: an SME owner opens a
// ticket (category, subject, message); the vendor's analyst answers, turns
// it into an incident and sends someone on site; the owner sees the answer,
// the incident's stage and the visit. A consultation being written survives
// a reload, for that person only, outlives an ended session for that
// person and is gone when somebody else signs in; an incident
// note is kept the same way; the next-stage list offers the steps forward
// first, the usual one selected; a ticket names the incident it became by
// title and stage. Skipped, with the reason, while the
// centre has no desk API (GET /api/v1/tickets answers 404).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, needBinary, useCenter, alertEvent } from './lib/center.mjs';
import { asUser, signIn, signOut, shot, ready, dropText, clippedFields } from './lib/browser.mjs';

const missing = needBinary() || false;
let center;
let deskMissing = 'not checked';
const state = {};

useCenter(async (started) => {
  center = started;
  const c = await Client.signedIn(center.base, center.users.yamada);
  const r = await c.req('GET', '/api/v1/tickets');
  deskMissing = r.status === 404 ? 'the centre has no consultation desk API yet (GET /api/v1/tickets -> 404)' : false;
});

async function notAvailable(hash) {
  await asUser(center.base, center.users.yamada, async (p) => {
    await p.goto(center.base + '/' + hash);
    await p.locator('#not-available').waitFor();
    assert.match(await p.locator('#not-available').textContent(), /準備中/);
  });
}

test('an SME owner opens a consultation ticket', { skip: missing }, async (t) => {
  if (deskMissing) {
    await notAvailable('#/tickets/new'); // the page says so plainly instead of failing
    t.skip(deskMissing);
    return;
  }
  await asUser(center.base, center.users.yamada, async (p) => {
    await p.click('a[href="#/tickets/new"]'); // "相談する" on the dashboard
    const form = p.locator('#ticket-form');
    await form.waitFor();
    await form.locator('select[name=category]').selectOption('suspicious_mail');
    // The subject is one line that wraps on a small screen: Enter adds no
    // line, a line break (typed in by the browser, pasted) becomes a space.
    const subject = form.locator('[name=subject]');
    await subject.fill('取引先を名乗る\n怪しいメール');
    assert.equal(await subject.inputValue(), '取引先を名乗る 怪しいメール');
    await subject.fill('取引先を名乗る怪しいメール');
    await subject.press('End');
    await subject.press('Enter');
    assert.equal(await subject.inputValue(), '取引先を名乗る怪しいメール');
    // Pasted in the middle, the line break a space and the caret right
    // after the pasted text (it went to the end before session 25).
    await subject.fill('取引先を名乗るメール');
    const caret = await subject.evaluate((e) => {
      e.focus();
      e.setSelectionRange(7, 7);
      const data = new DataTransfer();
      data.setData('text/plain', '\n怪しい\r\n');
      e.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      return [e.selectionStart, e.selectionEnd];
    });
    assert.equal(await subject.inputValue(), '取引先を名乗る 怪しい メール');
    assert.deepEqual(caret, [12, 12], 'the caret stays after the pasted text');
    // Ctrl+Z undoes the paste: the value used to be rewritten, which
    // emptied the browser's undo history (until session 26).
    await subject.press('Control+z');
    assert.equal(await subject.inputValue(), '取引先を名乗るメール', 'Ctrl+Z undoes the paste');
    // A line break that came in otherwise (typed in by the browser: a drop,
    // an autofill) is a space too, and Ctrl+Z takes back what brought it.
    await subject.fill('取引先を名乗る\n怪しいメール');
    assert.equal(await subject.inputValue(), '取引先を名乗る 怪しいメール');
    await subject.press('Control+z');
    assert.equal(await subject.inputValue(), '取引先を名乗るメール', 'Ctrl+Z takes back the text with the break');
    // Text with line breaks dropped on the subject (dragged from a mail,
    // the browser's own drop): a space for each break and its blanks, and
    // one Ctrl+Z takes the drop back whole, not just the clean-up.
    await subject.fill('取引先を名乗る');
    const dropped = p.waitForFunction(() => /怪しい/.test(document.querySelector('[name=subject]').value));
    await dropText(p, subject, '怪しい \r\n メール');
    await dropped;
    assert.equal(await subject.inputValue(), '取引先を名乗る怪しい メール', 'the dropped line break is a space');
    assert.equal(await p.evaluate(() => document.activeElement.name), 'subject');
    await subject.press('Control+z');
    assert.equal(await subject.inputValue(), '取引先を名乗る', 'Ctrl+Z undoes the drop');
    // Blanks before the caret and a line break after it: the caret stays
    // after the space (it landed one character further until session 26).
    const after = await subject.evaluate((e) => {
      e.value = '取引先を  \n名乗る';
      e.setSelectionRange(6, 6);
      e.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }));
      return [e.value, e.selectionStart, e.selectionEnd];
    });
    assert.deepEqual(after, ['取引先を 名乗る', 5, 5], 'the caret after the space');
    // A line break brought in while the person is in another field (an
    // autofill) is a space too, and the focus stays where they are (it
    // moved to the subject until session 26).
    await form.locator('textarea[name=message]').focus();
    const away = await subject.evaluate((e) => {
      e.value = '取引先を\n名乗る';
      e.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertReplacementText' }));
      return [e.value, document.activeElement.getAttribute('name')];
    });
    assert.deepEqual(away, ['取引先を 名乗る', 'message'], 'the focus stays in the message');
    await subject.fill('取引先を名乗る怪しいメール');
    await form.locator('textarea[name=message]').fill('請求書の添付ファイルを開くように書かれたメールが届きました。<b>開いていません</b>');
    await form.locator('button[type=submit]').click();
    await p.locator('#thread').waitFor();
    assert.match(await p.locator('main h1').textContent(), /取引先を名乗る怪しいメール/);
    assert.match(await p.locator('#thread').textContent(), /請求書の添付ファイル.*<b>開いていません<\/b>/);
    assert.match(await p.locator('#ticket-facts').textContent(), /相談の種類.*メール.*受付済み/);
    state.ticket = Number((await p.evaluate(() => location.hash)).split('/').pop());
    assert.ok(state.ticket > 0);
  });
});

// An empty form is answered in the page's words (the browser's own bubble,
// in the browser's language, is not read out and may be English).
test('an empty consultation form says what is missing (ja)', { skip: missing }, async (t) => {
  if (deskMissing) {
    t.skip(deskMissing);
    return;
  }
  await asUser(center.base, center.users.yamada, { locale: 'en-US' }, async (p) => { // a Japanese account
    await p.goto(center.base + '/#/tickets/new');
    await p.locator('#ticket-form').waitFor();
    await p.click('#ticket-form button[type=submit]');
    await p.locator('#flash').filter({ hasText: '件名と相談内容を書いてください' }).waitFor({ timeout: 5000 });
    assert.equal(await p.evaluate(() => document.activeElement.name), 'subject');
  });
});

// What an owner types into a new consultation is kept on reload (this tab's
// sessionStorage, keyed by the person), gone after sign-out and after sending.
// The vendor files a question taken by phone: the company list started at
// the first company, so one sent unchanged went to that company's people
// (until session 27).
test('the vendor chooses the company of a new consultation; none is chosen for them (en)', { skip: missing }, async (t) => {
  if (deskMissing) {
    t.skip(deskMissing);
    return;
  }
  await asUser(center.base, center.users.analyst, { locale: 'en-GB' }, async (p) => {
    const before = (await center.api.ok('GET', '/api/v1/tickets?limit=200')).items.length;
    await p.goto(center.base + '/#/tickets/new');
    const form = p.locator('#ticket-form');
    await form.waitFor();
    const which = form.locator('select[name=tenant_id]');
    assert.equal(await which.inputValue(), '');
    assert.equal((await which.locator('option:checked').textContent()).trim(), 'Choose a company');
    await form.locator('[name=subject]').fill('Phone call: a locked shared folder');
    await form.locator('textarea[name=message]').fill('The owner called: every file ends in .locked.');
    await form.locator('button[type=submit]').click();
    await p.locator('#flash').filter({ hasText: 'Choose the company this question is from.' }).waitFor();
    assert.equal(await p.evaluate(() => document.activeElement?.name), 'tenant_id');
    assert.equal((await center.api.ok('GET', '/api/v1/tickets?limit=200')).items.length, before, 'nothing was sent');
    await which.selectOption(String(center.tenants.sakura.id));
    await form.locator('button[type=submit]').click();
    await p.locator('#thread').waitFor();
    const id = Number((await p.evaluate(() => location.hash)).split('/').pop());
    assert.equal((await center.api.ok('GET', '/api/v1/tickets/' + id)).tenant_id, center.tenants.sakura.id);
  });
});

test('a consultation being written survives a reload, for that person only (ja)', { skip: missing }, async (t) => {
  if (deskMissing) {
    t.skip(deskMissing);
    return;
  }
  await asUser(center.base, center.users.yamada, async (p) => {
    await p.goto(center.base + '/#/tickets/new');
    const form = p.locator('#ticket-form');
    await form.waitFor();
    assert.equal(await p.locator('#draft-restored').count(), 0, 'nothing to restore yet');
    await form.locator('select[name=category]').selectOption('fake_warning');
    await form.locator('[name=subject]').fill('画面に警告が出ました');
    await form.locator('textarea[name=message]').pressSequentially('「ウイルスに感染」と表示され、電話番号が出ています。');
    await p.reload();
    await form.waitFor();
    await p.locator('#draft-restored').filter({ hasText: '書きかけた内容を戻しました' }).waitFor();
    assert.equal(await form.locator('[name=subject]').inputValue(), '画面に警告が出ました');
    assert.equal(await form.locator('textarea[name=message]').inputValue(), '「ウイルスに感染」と表示され、電話番号が出ています。');
    assert.equal(await form.locator('select[name=category]').inputValue(), 'fake_warning');
    const keys = () => p.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('mamori.draft.')));
    const yamadaId = await p.evaluate(async () => (await (await fetch('/api/v1/me')).json()).user.id);
    assert.deepEqual(await keys(), [`mamori.draft.${yamadaId}.ticket-new`], 'one draft, under this person');
    // Signing out removes it; the next person on this browser starts empty.
    await signOut(p);
    assert.deepEqual(await keys(), []);
    await signIn(p, center.base, center.users.sakura);
    await p.goto(center.base + '/#/tickets/new');
    await form.waitFor();
    assert.equal(await form.locator('[name=subject]').inputValue(), '');
    assert.equal(await form.locator('textarea[name=message]').inputValue(), '');
    // The kind starts at "Other question": sent unchanged, the ticket is
    // not filed (and counted in the monthly report) as a suspicious e-mail,
    // the first kind, which it was until session 27.
    assert.equal(await form.locator('select[name=category]').inputValue(), 'other');
    // Sending clears the draft.
    await form.locator('[name=subject]').fill('A strange pop-up');
    await form.locator('textarea[name=message]').fill('It asks me to call a number.');
    assert.equal((await keys()).length, 1);
    await form.locator('button[type=submit]').click();
    await p.locator('#thread').waitFor();
    assert.match(await p.locator('#ticket-facts').innerText(), /Category\s+Other question\n/);
    assert.deepEqual(await keys(), [], 'sent: no draft left');
    await p.goto(center.base + '/#/tickets/new');
    await form.waitFor();
    assert.equal(await form.locator('[name=subject]').inputValue(), '');
  });
});

test('the analyst answers, opens an incident and sends someone on site', { skip: missing }, async (t) => {
  if (deskMissing || !state.ticket) {
    t.skip(deskMissing || 'no ticket from the previous test');
    return;
  }
  await asUser(center.base, center.users.analyst, { locale: 'en-US' }, async (p) => {
    await p.goto(center.base + '/#/tickets');
    await p.locator(`a[href="#/tickets/${state.ticket}"]`).click();
    await p.locator('#reply-form').waitFor();
    // An internal note being written comes back after a reload still marked
    // internal, so it is never sent to the customer by mistake.
    await p.check('#reply-internal');
    await p.fill('#reply-form textarea[name=body]', 'Note for colleagues: the customer sounded worried.');
    await p.reload();
    await p.locator('#draft-restored').waitFor();
    assert.equal(await p.locator('#reply-form textarea[name=body]').inputValue(), 'Note for colleagues: the customer sounded worried.');
    assert.equal(await p.isChecked('#reply-internal'), true, 'the restored internal note is still marked internal');
    await p.uncheck('#reply-internal');
    await p.fill('#reply-form textarea[name=body]', 'Please do not open the attachment. We will call you in ten minutes.');
    await p.click('#reply-form button[type=submit]');
    await p.locator('#flash').filter({ hasText: 'Reply sent' }).waitFor();
    await p.locator('#thread').filter({ hasText: 'We will call you' }).waitFor();
    await p.click('#ticket-incident');
    await p.locator('#transition-form').waitFor();
    state.incident = Number((await p.evaluate(() => location.hash)).split('/').pop());
    await p.selectOption('#incident-to', 'onsite');
    await p.fill('#visit-fields input[name=who]', 'Sato (field engineer)');
    await p.fill('#visit-fields input[name=when]', '2026-04-02T10:00');
    await p.fill('#visit-fields input[name=where]', 'Yamada Works, 1-2-3 Example-cho');
    // The visit's date and time show whole in the field, as do the others
    // (not cut at the top or bottom by the fields' fixed height, app.css).
    assert.deepEqual(await clippedFields(p), []);
    await p.fill('#transition-form textarea[name=note]', 'The PC may be infected; checking on site.');
    await p.click('#transition-form button[type=submit]');
    await p.locator('#flash').filter({ hasText: 'Moved to' }).waitFor();
    await p.locator('#dispatch').filter({ hasText: 'Sato (field engineer)' }).waitFor();
    // The visit's time is typed and shown in Japan time (the centre's
    // zone), not in the zone of this computer (UTC).
    assert.match(await p.locator('#dispatch').innerText(), /2 Apr 2026, 10:00/);
    assert.equal((await center.api.ok('GET', '/api/v1/incidents/' + state.incident)).dispatch.when, '2026-04-02T01:00:00Z');
    assert.match(await p.locator('#timeline').textContent(), /checking on site/);
    await p.click('#assign-me');
    await p.locator('#flash').filter({ hasText: 'You are now the assignee' }).waitFor();
    assert.equal(await p.locator('#assignee').textContent(), center.users.analyst.email);
    await shot(p, 'incident-en');
    // The statistics page counts it, and the vendor's monthly report opens.
    await p.goto(center.base + '/#/stats');
    await ready(p);
    const figures = p.locator('dl.stats-list').first();
    await figures.waitFor();
    assert.match(await figures.textContent(), /Incidents\s*1/);
    assert.match(await figures.textContent(), /Handled on site\s*1/);
    const monthly = await p.request.get(center.base + (await p.getAttribute('#vendor-report', 'href')));
    assert.equal(monthly.status(), 200);
    await shot(p, 'stats-en');
  });
});

// "Save note" with nothing written says so, rather than doing nothing.
test('an empty incident note is answered with a message (en)', { skip: missing }, async (t) => {
  if (deskMissing || !state.incident) {
    t.skip(deskMissing || 'no incident from the previous test');
    return;
  }
  await asUser(center.base, center.users.analyst, { locale: 'en-US' }, async (p) => {
    await p.goto(center.base + '/#/incidents/' + state.incident);
    await p.locator('#note-form').waitFor();
    await p.click('#note-form button[type=submit]');
    await p.locator('#flash').filter({ hasText: 'Please write the note first' }).waitFor({ timeout: 5000 });
    assert.equal(await p.evaluate(() => document.activeElement.name), 'body');
  });
});

// A note being written on an incident is kept like a reply: back after a
// reload, gone once it is saved.
test('an incident note being written survives a reload until it is saved (en)', { skip: missing }, async (t) => {
  if (deskMissing || !state.incident) {
    t.skip(deskMissing || 'no incident from the previous test');
    return;
  }
  await asUser(center.base, center.users.analyst, { locale: 'en-US' }, async (p) => {
    await p.goto(center.base + '/#/incidents/' + state.incident);
    await p.locator('#note-form').waitFor();
    assert.equal(await p.locator('#note-draft-restored').count(), 0, 'nothing to restore yet');
    await p.locator('#note-form textarea[name=body]').pressSequentially('Called the owner: the PC is unplugged.');
    await p.reload();
    await p.locator('#note-draft-restored').filter({ hasText: 'has not been saved yet' }).waitFor();
    assert.equal(await p.locator('#note-form textarea[name=body]').inputValue(), 'Called the owner: the PC is unplugged.');
    const keys = () => p.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('mamori.draft.')));
    const analystId = await p.evaluate(async () => (await (await fetch('/api/v1/me')).json()).user.id);
    assert.deepEqual(await keys(), [`mamori.draft.${analystId}.incident-note-${state.incident}`]);
    await p.click('#note-form button[type=submit]');
    await p.locator('#flash').filter({ hasText: 'Note saved' }).waitFor();
    assert.match(await p.locator('#timeline').textContent(), /the PC is unplugged/);
    assert.deepEqual(await keys(), [], 'saved: no draft left');
    assert.equal(await p.locator('#note-form textarea[name=body]').inputValue(), '');
  });
});

test('the owner sees the answer, the stage and the visit', { skip: missing }, async (t) => {
  if (deskMissing || !state.incident) {
    t.skip(deskMissing || 'no incident from the previous test');
    return;
  }
  await asUser(center.base, center.users.yamada, async (p) => {
    await p.goto(center.base + `/#/tickets/${state.ticket}`);
    await p.locator('#thread').filter({ hasText: 'We will call you' }).waitFor();
    assert.match(await p.locator('#thread').textContent(), /監視センター/);
    // The incident it became: its title as the link, and its stage (was
    // only "事故対応 N").
    const linked = p.locator('#ticket-facts dd').filter({ has: p.locator('#ticket-incident-link') });
    assert.equal(await p.locator('#ticket-incident-link').getAttribute('href'), `#/incidents/${state.incident}`);
    assert.equal(await p.locator('#ticket-incident-link').textContent(), '取引先を名乗る怪しいメール');
    assert.equal(await linked.locator('.badge').textContent(), '訪問しての対応');
    await shot(p, 'ticket-ja');
    await p.goto(center.base + `/#/incidents/${state.incident}`);
    await ready(p);
    const current = p.locator('ol.steps li[aria-current=step]');
    assert.equal(await current.textContent(), '訪問しての対応');
    assert.match(await p.locator('#dispatch').textContent(), /Sato \(field engineer\)/);
    await shot(p, 'incident-ja');
    // The printable report opens with the same session.
    const href = await p.getAttribute('#report-link', 'href');
    const report = await p.request.get(center.base + href);
    assert.equal(report.status(), 200);
    assert.match(report.headers()['content-type'], /text\/html/);
    assert.match(await report.text(), /Sato \(field engineer\)|取引先を名乗る怪しいメール/);
    // The owner's monthly report opens from the dashboard.
    await p.goto(center.base + '/#/');
    await ready(p);
    const monthly = await p.request.get(center.base + (await p.getAttribute('#sme-report', 'href')));
    assert.equal(monthly.status(), 200);
    assert.match(monthly.headers()['content-type'], /text\/html/);
    // Another SME's owner cannot open it.
    await signOut(p);
    await signIn(p, center.base, center.users.sakura);
    await p.goto(center.base + `/#/incidents/${state.incident}`);
    await p.waitForFunction(() => /Not found/.test(document.querySelector('main h1')?.textContent || ''));
  });
});

// The next-stage list offers the steps forward first, the natural next one
// selected, and the steps back after them in their own labelled group (at
// "On-site visit" it used to offer "Phone/remote support" first); only the
// stages the centre accepts from here (its "next") are offered.
async function stageChoices(p) {
  await p.locator('#incident-to').waitFor();
  return p.evaluate(() => {
    const sel = document.getElementById('incident-to');
    return { value: sel.value, groups: [...sel.querySelectorAll('optgroup')].map((g) => [g.label, [...g.querySelectorAll('option')].map((o) => [o.value, o.textContent])]) };
  });
}

test('the next-stage list offers forward steps first and labels going back (ja, en)', { skip: missing }, async (t) => {
  if (deskMissing || !state.incident) {
    t.skip(deskMissing || 'no incident from the previous tests');
    return;
  }
  await asUser(center.base, center.users.admin, async (p) => { // a Japanese account
    await p.goto(center.base + '/#/incidents/' + state.incident);
    assert.deepEqual(await stageChoices(p), {
      value: 'recovery',
      groups: [['先へ進める', [['recovery', '復旧']]], ['前の段階に戻す', [['remote', '「電話・遠隔での対応」に戻す']]]],
    });
    // A new incident starts at triage: nothing to go back to.
    await center.ingest(center.sensors.yamada, [alertEvent({ sid: 2100001, signature: 'MAMORI test: stages', ja: '段階の確認用の警告です。', en: 'An alert to check the stages.' })]);
    const alert = (await center.api.ok('GET', `/api/v1/alerts?tenant=${center.tenants.yamada.id}`)).items.find((a) => a.signature_id === 2100001);
    const fresh = await center.api.ok('POST', '/api/v1/incidents', { alert_id: alert.id });
    await p.goto(center.base + '/#/incidents/' + fresh.id);
    assert.deepEqual(await stageChoices(p), {
      value: 'remote',
      groups: [['先へ進める', [['remote', '電話・遠隔での対応'], ['onsite', '訪問しての対応'], ['closed', '完了']]]],
    });
    // Going back is said as going back.
    await p.goto(center.base + '/#/incidents/' + state.incident);
    await p.selectOption('#incident-to', 'remote');
    await p.click('#transition-form button[type=submit]');
    await p.locator('#flash').filter({ hasText: '「電話・遠隔での対応」に戻しました。' }).waitFor();
    assert.equal(await p.locator('ol.steps li[aria-current=step]').textContent(), '電話・遠隔での対応');
    // From phone/remote support most incidents are recovered without a visit:
    // recovery is preselected, the visit still offered (it was "onsite").
    assert.deepEqual(await stageChoices(p), { value: 'recovery', groups: [['先へ進める', [['onsite', '訪問しての対応'], ['recovery', '復旧']]]] });
    assert.equal(await p.locator('#visit-fields').isHidden(), true, 'no visit fields for recovery');
  });
  await center.api.ok('POST', `/api/v1/incidents/${state.incident}/transition`, { to: 'onsite', dispatch: { who: 'Sato', when: '2026-04-03T01:00:00Z', where: 'Yamada Works' } });
  await asUser(center.base, center.users.analyst, { locale: 'en-US' }, async (p) => {
    await p.goto(center.base + '/#/incidents/' + state.incident);
    assert.deepEqual(await stageChoices(p), {
      value: 'recovery',
      groups: [['Move forward', [['recovery', 'Recovery']]], ['Go back', [['remote', 'Back to Phone/remote support']]]],
    });
  });
});

// A session that ends without signing out (expired, signed out elsewhere,
// the account disabled) keeps the draft: its person finds it after signing
// in again; somebody else signing in at this browser removes it.
test('an ended session keeps the draft for its person, not for the next one (en)', { skip: missing }, async (t) => {
  if (deskMissing) {
    t.skip(deskMissing);
    return;
  }
  await asUser(center.base, center.users.sakura, { locale: 'en-GB' }, async (p) => {
    await p.goto(center.base + '/#/tickets/new');
    const form = p.locator('#ticket-form');
    await form.waitFor();
    await form.locator('[name=subject]').fill('Our shared folder is locked');
    await form.locator('textarea[name=message]').pressSequentially('Every file ends in .locked now.');
    const keys = () => p.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('mamori.draft.')));
    assert.equal((await keys()).length, 1);
    // The vendor's admin disables the account (its sessions end) and enables it again.
    const sakura = (await center.api.ok('GET', `/api/v1/users?tenant=${center.tenants.sakura.id}`)).items.find((u) => u.email === center.users.sakura.email);
    const endSession = async () => {
      await center.api.ok('PATCH', `/api/v1/users/${sakura.id}`, { disabled: true });
      await center.api.ok('PATCH', `/api/v1/users/${sakura.id}`, { disabled: false });
      await p.goto(center.base + '/#/tickets');
      await p.locator('#login-title').waitFor();
    };
    await endSession();
    // The same person signs in again: what they were writing is back.
    await signIn(p, center.base, center.users.sakura);
    await p.goto(center.base + '/#/tickets/new');
    await form.waitFor();
    assert.equal(await form.locator('[name=subject]').inputValue(), 'Our shared folder is locked');
    assert.equal(await p.locator('#draft-restored').count(), 1);
    // Ended again, and somebody else signs in at this browser: the draft is gone.
    await endSession();
    await signIn(p, center.base, center.users.yamada);
    assert.deepEqual(await keys(), [], 'another person finds no draft of the last one');
  });
});

// The report's texts (what happened, impact, actions taken, what we ask
// next) are written on the incident page by the vendor: they printed as
// "(not filled in yet)" because the page only showed them. "Fill from the
// timeline notes" adds the customer-visible notes to "Actions taken",
// nothing saved until "Save the report". Closing says which field is
// missing (the outcome, focused and marked), warns while the report's main
// texts are empty, and closes the incident's escalated alerts.
test('the vendor writes the report, fills actions from the notes and closes with an outcome (en)', { skip: missing }, async (t) => {
  if (deskMissing) {
    t.skip(deskMissing);
    return;
  }
  await center.ingest(center.sensors.yamada, [alertEvent({ sid: 2100002, signature: 'MAMORI test: report', ja: '報告書の確認用の警告です。', en: 'An alert to check the report.' })]);
  const alert = (await center.api.ok('GET', `/api/v1/alerts?tenant=${center.tenants.yamada.id}`)).items.find((a) => a.signature_id === 2100002);
  const inc = await center.api.ok('POST', '/api/v1/incidents', { alert_id: alert.id });
  state.reportIncident = inc.id;
  await center.api.ok('POST', `/api/v1/incidents/${inc.id}/notes`, { body: 'Called the owner; the PC was unplugged.' });
  await center.api.ok('POST', `/api/v1/incidents/${inc.id}/notes`, { body: 'VENDOR-ONLY check the logs', internal: true });
  await asUser(center.base, center.users.analyst, { locale: 'en-US' }, async (p) => {
    await p.goto(center.base + '/#/incidents/' + inc.id);
    await p.locator('#report-form').waitFor();
    assert.equal(await p.locator('#report-h').textContent(), 'Report');
    assert.deepEqual(await p.locator('#report-form label').allTextContents(), ['What happened', 'Impact', 'Actions taken', 'What we ask you to do next']);
    // Closing is offered with a warning while the report is empty.
    await p.selectOption('#incident-to', 'closed');
    assert.equal(await p.locator('label[for=incident-outcome]').textContent(), 'Outcome (required to close)');
    assert.match(await p.locator('#close-report-empty').textContent(), /Not written yet in the report: “What happened”, “Actions taken”/);
    // Without an outcome the page says which field, marks and focuses it.
    await p.click('#transition-form button[type=submit]');
    await p.locator('#flash').filter({ hasText: 'Write the outcome, for example “cleaned and restored” or “false alarm”, then press “Move to this stage”.' }).waitFor();
    assert.equal(await p.evaluate(() => document.activeElement.id), 'incident-outcome');
    assert.equal(await p.locator('#incident-outcome').getAttribute('aria-invalid'), 'true');
    assert.equal((await center.api.ok('GET', '/api/v1/incidents/' + inc.id)).status, 'triage', 'nothing sent');
    // The report: written, then actions filled from the notes (not the vendor-only one).
    await p.fill('#report-summary', 'A PC talked to a known bad server.');
    await p.fill('#report-actions', 'Checked the alert.');
    await p.click('#report-fill-actions');
    await p.locator('#flash').filter({ hasText: 'Added the timeline notes (1)' }).waitFor();
    const actions = await p.locator('#report-actions').inputValue();
    // Each note with its time in the report zone, written the same in both languages.
    assert.match(actions, /^Checked the alert\.\n\d{4}-\d\d-\d\d \d\d:\d\d Called the owner; the PC was unplugged\.$/);
    assert.doesNotMatch(actions, /VENDOR-ONLY/);
    assert.equal((await center.api.ok('GET', '/api/v1/incidents/' + inc.id)).actions, '', 'filling saves nothing');
    await p.click('#report-form button[type=submit]');
    await p.locator('#flash').filter({ hasText: 'The report was saved.' }).waitFor();
    const saved = await center.api.ok('GET', '/api/v1/incidents/' + inc.id);
    assert.equal(saved.summary, 'A PC talked to a known bad server.');
    assert.equal(saved.actions, actions);
    await p.click('#report-fill-actions');
    await p.locator('#flash').filter({ hasText: 'There are no notes to add' }).waitFor();
    // Now closed: no warning, the alert closed with it, no "not decided yet".
    await p.selectOption('#incident-to', 'closed');
    assert.equal(await p.locator('#close-report-empty').count(), 0);
    await p.fill('#incident-outcome', 'Cleaned and restored');
    await p.click('#transition-form button[type=submit]');
    await p.locator('#flash').filter({ hasText: 'Moved to' }).waitFor();
    assert.equal(await p.locator('#assignee').textContent(), 'Closed without an assigned person');
    // Closed from the first step: the steps between were skipped, not done.
    assert.deepEqual(await p.locator('ol.steps li').evaluateAll((els) => els.map((e) => [e.className, e.textContent])), [
      ['done', '✓ Assessing the situation (done)'], ['skipped', '– Phone/remote support (not needed)'],
      ['skipped', '– On-site visit (not needed)'], ['skipped', '– Recovery (not needed)'], ['current', 'Closed']]);
    const a = await center.api.ok('GET', '/api/v1/alerts/' + alert.id);
    assert.equal(a.status, 'closed');
    assert.equal(a.close_reason, `事故対応 ${inc.id} で完了: Cleaned and restored`); // the company reads Japanese
    await shot(p, 'incident-report-en');
  });
});

test('the owner reads the report texts; a visit done is labelled as a record (ja)', { skip: missing }, async (t) => {
  if (deskMissing || !state.reportIncident || !state.incident) {
    t.skip(deskMissing || 'no incidents from the previous tests');
    return;
  }
  await asUser(center.base, center.users.yamada, async (p) => {
    await p.goto(center.base + '/#/incidents/' + state.reportIncident);
    await p.locator('#report-texts').waitFor();
    assert.equal(await p.locator('#report-h').textContent(), '報告書の内容');
    assert.equal(await p.locator('#report-card textarea').count(), 0, 'read only');
    const texts = await p.locator('#report-texts').innerText();
    assert.match(texts, /何が起きたか\s*A PC talked to a known bad server\./);
    assert.match(texts, /影響\s*（まだ記入されていません）/);
    assert.match(texts, /これからお願いしたいこと/);
    await shot(p, 'incident-report-ja');
    // The visit: planned while on site, a record once the incident moved on.
    await p.goto(center.base + '/#/incidents/' + state.incident);
    await p.locator('#dispatch').waitFor();
    assert.equal(await p.locator('#disp-h').textContent(), '訪問の予定');
    await center.api.ok('POST', `/api/v1/incidents/${state.incident}/transition`, { to: 'recovery' });
    await p.reload();
    await p.locator('#dispatch').waitFor();
    assert.equal(await p.locator('#disp-h').textContent(), '訪問の記録');
    // Every step before recovery was gone through (on site twice): all done.
    assert.deepEqual(await p.locator('ol.steps li').evaluateAll((els) => els.map((e) => e.className)), ['done', 'done', 'done', 'current', '']);
  });
});
