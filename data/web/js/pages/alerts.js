// SPDX-License-Identifier: Apache-2.0
// alerts: the alert list with filters (status, severity, SME for vendor
// users, free-text search) kept in the address (#/alerts?status=new...), so
// a filtered view can be bookmarked; bulk acknowledge/close with a reason;
// "show more" follows the API's cursor. An SME user's address naming another
// company says so (the list of another company is always empty).
import * as api from '../api.js';
import { h, field, fmtTime, severityBadge, statusBadge, alertTitle, stackOnPhone } from '../dom.js';
import { t } from '../i18n.js';

const FILTERS = ['status', 'severity', 'tenant', 'q'];

function filterForm(query, tenants, ctx) {
  const status = field(t('alerts.filter_status'), 'select', { name: 'status' },
    [['', t('alerts.any')], ['new', t('status.new')], ['acknowledged', t('status.acknowledged')], ['escalated', t('status.escalated')], ['closed', t('status.closed')]]);
  const severity = field(t('alerts.filter_severity'), 'select', { name: 'severity' },
    [['', t('alerts.any')], ['1', t('alerts.sev_min.1')], ['2', t('alerts.sev_min.2')], ['3', t('alerts.sev_min.3')]]);
  const q = field(t('alerts.filter_search'), 'input', { name: 'q', type: 'search', maxlength: 200, 'aria-describedby': 'q-help' });
  const parts = [status, severity];
  let tenant = null;
  if (tenants) {
    tenant = field(t('alerts.filter_tenant'), 'select', { name: 'tenant' },
      [['', t('alerts.all_tenants')], ...tenants.filter((x) => x.id !== 0).map((x) => [String(x.id), x.name])]);
    parts.push(tenant);
  }
  parts.push(q);
  for (const p of parts) p.input.value = query.get(p.input.name) || '';
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('alerts.filters') },
    parts.map((p) => p.wrap),
    // Rule names (signatures) are shown to the vendor only: an owner's hint leaves them out.
    h('p', { class: 'hint', id: 'q-help' }, t(api.isVendor() ? 'alerts.search_help_vendor' : 'alerts.search_help')),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, t('alerts.apply')),
      h('a', { href: '#/alerts', class: 'button secondary' }, t('alerts.reset'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    for (const p of parts) if (p.input.value.trim()) next.set(p.input.name, p.input.value.trim());
    const s = next.toString();
    ctx.go('#/alerts' + (s ? '?' + s : ''));
  });
  return form;
}

function row(a, names, selectable) {
  const check = selectable ? h('input', { type: 'checkbox', class: 'pick', value: String(a.id), 'aria-label': t('alerts.select_one', { id: a.id }) }) : null;
  return h('tr', { dataset: { id: a.id, status: a.status } },
    selectable ? h('td', {}, check) : null,
    h('td', {}, severityBadge(a.severity)),
    h('th', { scope: 'row' }, h('a', { href: '#/alerts/' + a.id }, alertTitle(a)),
      // The rule name is English-only: for the centre's analysts, not the SME;
      // labelled, so it does not read as a second headline.
      api.isVendor() && a.signature ? h('div', { class: 'muted small rule-line' }, t('alerts.rule'), ' ', h('span', { lang: 'en' }, a.signature)) : null),
    names ? h('td', {}, names.get(a.tenant_id) || '#' + a.tenant_id) : null,
    h('td', {}, a.device || a.src_ip || ''),
    h('td', { class: 'num' }, String(a.count ?? 1)),
    h('td', {}, fmtTime(a.last_seen)),
    h('td', {}, statusBadge(a.status)));
}

// An SME user's address naming another company (?tenant=, e.g. a link the IT
// company shared): the centre answers an empty list, as for any id not
// theirs; the page says why instead of looking like "no alerts".
function otherTenant(query) {
  const asked = query.get('tenant');
  return !api.isVendor() && asked !== null && asked !== '' && asked !== String(api.currentMe().user.tenant_id);
}

export async function render(main, ctx) {
  const vendor = api.isVendor();
  const selectable = api.canTriage();
  const params = {};
  for (const k of FILTERS) if (ctx.query.get(k)) params[k] = ctx.query.get(k);
  const [tenants, first] = await Promise.all([
    vendor ? api.listAll('/tenants', {}, 2000) : Promise.resolve(null),
    api.get('/alerts', { ...params, limit: 50 }),
  ]);
  const names = tenants ? new Map(tenants.items.map((x) => [x.id, x.name])) : null;
  let cursor = first.next;

  const tbody = h('tbody', {}, first.items.map((a) => row(a, names, selectable)));
  const selectAll = selectable ? h('input', { type: 'checkbox', id: 'select-all', 'aria-label': t('alerts.select_all') }) : null;
  const head = [selectable ? h('th', { scope: 'col' }, selectAll) : null, t('alerts.col_severity'), t('alerts.col_alert'), names ? t('common.tenant') : null, t('alerts.col_device'), t('alerts.col_count'), t('alerts.col_last_seen'), t('alerts.col_status')]
    .filter((x) => x !== null).map((x) => (x instanceof Node ? x : h('th', { scope: 'col' }, x)));
  const table = h('table', { class: 'grid', id: 'alert-table' },
    h('caption', { class: 'visually-hidden' }, t('alerts.title')),
    h('thead', {}, h('tr', {}, head)), tbody);
  stackOnPhone(table);
  const countLine = h('p', { class: 'muted', id: 'alert-count', 'aria-live': 'polite' });
  const updateCount = () => {
    countLine.textContent = t(cursor ? 'alerts.shown_more' : 'alerts.shown', { n: tbody.rows.length });
  };
  updateCount();

  const more = h('button', { type: 'button', class: 'secondary', hidden: !cursor }, t('alerts.more'));
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await api.get('/alerts', { ...params, limit: 50, cursor });
      const added = tbody.rows.length;
      for (const a of page.items) tbody.append(row(a, names, selectable));
      stackOnPhone(table);
      cursor = page.next;
      more.hidden = !cursor;
      updateCount();
      // The focus goes on to the first alert added: left on the button, it
      // was lost when the button went with the last page.
      const first = tbody.rows[added] && tbody.rows[added].querySelector('th a');
      if (first) first.focus();
    } catch (e) {
      ctx.flash(t('error.load_failed', { detail: api.errorText(e) }), 'error');
    } finally {
      more.disabled = false;
    }
  });

  main.append(h('h1', {}, t('alerts.title')), h('p', { class: 'lead' }, t('alerts.intro')), filterForm(ctx.query, tenants && tenants.items, ctx));
  if (otherTenant(ctx.query)) {
    main.append(h('div', { class: 'notice', id: 'tenant-notice' }, h('p', {}, t('alerts.other_tenant')), h('p', {}, h('a', { href: '#/alerts' }, t('alerts.own_alerts')))));
    return;
  }
  // Nothing listed: a plain sentence, and no bulk form with nothing to act on.
  if (!first.items.length) {
    main.append(h('p', { class: 'empty', id: 'alerts-empty' }, t(Object.keys(params).length ? 'alerts.none' : 'alerts.none_yet')));
    return;
  }
  if (selectable) {
    const counts = selectedCounts(tbody, selectAll);
    selectAll.addEventListener('change', () => {
      for (const c of tbody.querySelectorAll('input.pick')) c.checked = selectAll.checked;
      counts.update();
    });
    tbody.addEventListener('change', counts.update);
    const bulk = bulkBar(tbody, ctx, counts.live);
    main.append(bulk.form);
    main.append(h('div', { class: 'table-wrap' }, table), footBar(counts.foot, bulk.act), countLine, more);
    return;
  }
  main.append(h('div', { class: 'table-wrap' }, table), countLine, more);
}

// How many alerts are ticked: said in the bulk form (announced politely to
// screen readers) and again in the bar under the list (footBar), shown only
// while some are ticked. "Select all" follows the ticks: ticked when all
// are, half-ticked (indeterminate) when some are (it stayed ticked after one
// was unticked).
function selectedCounts(tbody, selectAll) {
  const live = h('p', { class: 'bulk-count', id: 'bulk-count', 'aria-live': 'polite' });
  const footCount = h('p', { class: 'bulk-count-foot', id: 'bulk-count-foot' });
  const foot = h('div', { class: 'bulk-foot', id: 'bulk-foot', role: 'group', 'aria-labelledby': 'bulk-count-foot', hidden: true }, footCount);
  const update = () => {
    const n = tbody.querySelectorAll('input.pick:checked').length;
    const all = tbody.querySelectorAll('input.pick').length;
    selectAll.checked = all > 0 && n === all;
    selectAll.indeterminate = n > 0 && n < all;
    live.textContent = n ? t('alerts.selected', { n }) : t('alerts.selected_none');
    live.classList.toggle('muted', !n);
    footCount.textContent = t('alerts.selected', { n });
    foot.hidden = !n;
  };
  update();
  return { live, foot, update };
}

// The bar under the list while alerts are ticked, held at the foot of the
// screen (position: sticky) as the form above goes out of sight when one
// scrolls down a long list: the count and the form's two buttons, which act
// the same (closing takes the form's reason; without one the page says so
// and moves to the field).
function footBar(foot, act) {
  const ack = h('button', { type: 'button', id: 'bulk-ack-foot' }, t('alerts.bulk_ack'));
  const close = h('button', { type: 'button', id: 'bulk-close-foot' }, t('alerts.bulk_close'));
  ack.addEventListener('click', () => act('acknowledge'));
  close.addEventListener('click', () => act('close'));
  foot.append(h('div', { class: 'actions' }, ack, close));
  return foot;
}

// The form above the table: act on every ticked alert at once. Returns the
// form and act(action), which the bar under the list calls too.
function bulkBar(tbody, ctx, count) {
  const reason = field(t('alerts.bulk_reason'), 'input', { name: 'reason', maxlength: 500, id: 'bulk-reason' });
  const ack = h('button', { type: 'button', id: 'bulk-ack' }, t('alerts.bulk_ack'));
  const close = h('button', { type: 'button', id: 'bulk-close' }, t('alerts.bulk_close'));
  const bar = h('form', { class: 'bulk', 'aria-label': t('alerts.bulk_label') },
    h('span', { class: 'bulk-title' }, t('alerts.bulk_label')), count, reason.wrap, h('div', { class: 'actions' }, ack, close));
  bar.addEventListener('submit', (ev) => ev.preventDefault());
  const act = async (action) => {
    const ids = [...tbody.querySelectorAll('input.pick:checked')].map((c) => Number(c.value));
    if (!ids.length) {
      ctx.flash(t('alerts.bulk_none'), 'error');
      return;
    }
    const body = { ids, action };
    if (action === 'close') {
      if (!reason.input.value.trim()) {
        ctx.flash(t('alert.reason_required'), 'error');
        reason.input.focus();
        return;
      }
      body.reason = reason.input.value.trim();
    }
    try {
      const r = await api.post('/alerts/bulk', body);
      const failed = (r && r.failed) || [];
      await ctx.route();
      ctx.flash(((r ? r.updated : ids.length) === 1 ? t('alerts.bulk_done_one') : t('alerts.bulk_done', { n: r ? r.updated : ids.length })) + (failed.length ? ' ' + t('alerts.bulk_failed', { n: failed.length }) : ''), failed.length ? 'error' : 'ok');
    } catch (e) {
      ctx.flash(t('error.action_failed', { detail: api.errorText(e) }), 'error');
    }
  };
  ack.addEventListener('click', () => act('acknowledge'));
  close.addEventListener('click', () => act('close'));
  return { form: bar, act };
}
