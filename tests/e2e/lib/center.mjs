// SPDX-License-Identifier: Apache-2.0
// Test harness: starts the real mamori-center on 127.0.0.1 with a random free
// port and a temporary data folder, creates the vendor's first admin with
// `mamori-center admin`, then sets up SMEs, users and an enrolled sensor
// through the real API, and ingests EVE events with the sensor's key exactly
// as a sensor would (POST /api/v1/events, one JSON line per event with seq).
import { spawn, execFileSync } from 'node:child_process';
import { before, after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BUILD_DIR = process.env.MAMORI_BUILD_DIR || path.resolve(import.meta.dirname, '../../../build');
export const CENTER_BIN = process.env.MAMORI_CENTER_BIN || path.join(BUILD_DIR, 'src/center/mamori-center');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A tiny API client with its own cookie jar and CSRF token (a signed-in user).
export class Client {
  constructor(base) {
    this.base = base;
    this.cookie = '';
    this.csrf = '';
  }

  async req(method, p, body, headers) {
    const h = { Accept: 'application/json', ...(headers || {}) };
    if (this.cookie) h.Cookie = this.cookie;
    if (method !== 'GET' && this.csrf) h['X-CSRF-Token'] = this.csrf;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      if (!h['Content-Type']) h['Content-Type'] = typeof body === 'string' ? 'application/x-ndjson' : 'application/json';
    }
    const res = await fetch(this.base + p, { method, headers: h, body: payload });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0];
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    return { status: res.status, data, headers: res.headers };
  }

  async ok(method, p, body, headers) {
    const r = await this.req(method, p, body, headers);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${p} -> ${r.status} ${JSON.stringify(r.data)}`);
    return r.data;
  }

  async login(email, password) {
    await this.ok('POST', '/api/v1/login', { email, password });
    const me = await this.ok('GET', '/api/v1/me');
    this.csrf = me.csrf_token;
    return me;
  }

  // A new client of the centre at base, signed in as user ({ email, password }).
  static async signedIn(base, user) {
    const c = new Client(base);
    await c.login(user.email, user.password);
    return c;
  }
}

export class Center {
  // config: more lines for the centre's configuration file (after [auth]).
  constructor({ config = '' } = {}) {
    this.extraConfig = config;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-e2e-'));
    this.proc = null;
    this.log = '';
    this.seq = 0;
  }

  // Runs `mamori-center admin ...` on this centre's data folder; input is stdin.
  admin(args, input) {
    return execFileSync(CENTER_BIN, ['--data', path.join(this.dir, 'data'), '--config', this.config, 'admin', ...args], { encoding: 'utf8', input: input || '', stdio: ['pipe', 'pipe', 'pipe'] });
  }

  async start() {
    this.config = path.join(this.dir, 'center.ini');
    // Minimum password-hash cost keeps the tests fast; never for production.
    fs.writeFileSync(this.config, '[auth]\npassword_cost = min\n' + this.extraConfig);
    const portFile = path.join(this.dir, 'port');
    // Port 0: the kernel picks a free port; the centre writes it to the file.
    this.proc = spawn(CENTER_BIN, ['--data', path.join(this.dir, 'data'), '--config', this.config, '--listen', '127.0.0.1:0', '--port-file', portFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => (this.log += d));
    this.proc.stderr.on('data', (d) => (this.log += d));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 400 && this.proc.exitCode === null; i++) {
      const text = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
      if (text) {
        this.port = Number(text);
        this.base = `http://127.0.0.1:${this.port}`;
        const r = await fetch(this.base + '/api/v1/me').catch(() => null);
        if (r && r.status === 401) return this;
      }
      await sleep(25);
    }
    throw new Error('mamori-center did not start:\n' + this.log);
  }

  // Stops the centre with SIGTERM (a clean shutdown) and removes its folder.
  // A non-zero exit (e.g. a sanitizer report in the ASan build) is an error.
  async stop() {
    let code = 0;
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15000);
      code = await this.exited;
      clearTimeout(timer);
    } else if (this.proc) {
      code = this.proc.exitCode;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (code !== 0) throw new Error(`mamori-center exited with ${code}:\n${this.log.slice(-4000)}`);
  }

  // The demo world every browser test uses: a vendor admin and analyst, two
  // SMEs each with an owner (one ja, one en), and a sensor per SME.
  async seed() {
    const admin = { email: 'admin@vendor.example', password: 'admin-password-123' };
    this.admin(['create-admin', '--email', admin.email, '--lang', 'ja', '--password-stdin'], admin.password + '\n');
    const api = await Client.signedIn(this.base, admin);
    this.api = api;
    const yamada = await api.ok('POST', '/api/v1/tenants', { name: '山田製作所', lang: 'ja' });
    const sakura = await api.ok('POST', '/api/v1/tenants', { name: 'Sakura Trading', lang: 'en' });
    const users = {
      admin: { ...admin, tenant: 0 },
      analyst: { email: 'analyst@vendor.example', password: 'analyst-password-123', role: 'analyst', tenant: 0, lang: 'en' },
      yamada: { email: 'owner@yamada.example', password: 'yamada-password-123', role: 'owner', tenant: yamada.id, lang: 'ja' },
      sakura: { email: 'owner@sakura.example', password: 'sakura-password-123', role: 'owner', tenant: sakura.id, lang: 'en' },
    };
    for (const u of [users.analyst, users.yamada, users.sakura]) {
      // The demo people keep these passwords (a new user must otherwise change it first).
      await api.ok('POST', '/api/v1/users', { email: u.email, password: u.password, role: u.role, tenant_id: u.tenant, lang: u.lang, must_change_password: false });
    }
    this.users = users;
    this.tenants = { yamada, sakura };
    this.sensors = { yamada: await this.enrol(yamada.id, 'yamada-office'), sakura: await this.enrol(sakura.id, 'sakura-hq') };
    return this;
  }

  // An incident of the SME (tenant id) closed after it took ack minutes to
  // acknowledge and resolve minutes to resolve: opened and moved through its
  // stages through the API, then its times set back with sqlite3 on the
  // centre's database file (seconds apart otherwise), as
  // tests/center/desk/test-desk-flow.py does. Returns the incident's id.
  async closedIncident(tenantId, { ack, resolve }) {
    const { id } = await this.api.ok('POST', '/api/v1/incidents', { tenant_id: tenantId, title: 'Closed after a while' });
    for (const to of ['remote', 'recovery']) await this.api.ok('POST', `/api/v1/incidents/${id}/transition`, { to });
    await this.api.ok('POST', `/api/v1/incidents/${id}/transition`, { to: 'closed', outcome: 'Handled by phone.' });
    const usec = (min) => `${min} * 60 * 1000000`;
    execFileSync('sqlite3', ['-cmd', '.timeout 30000', path.join(this.dir, 'data', 'center.db'),
      `UPDATE incidents SET created_at = resolved_at - ${usec(resolve)}, acknowledged_at = resolved_at - ${usec(resolve - ack)} WHERE id = ${Number(id)};`]);
    return id;
  }

  async enrol(tenantId, name) {
    // The one-time code comes from the admin command, as the vendor would get it.
    const code = this.admin(['enrol', '--tenant', String(tenantId)]).trim().split('\n').pop().trim();
    const r = await new Client(this.base).ok('POST', '/api/v1/enrol', { code, name });
    return { id: r.sensor_id, key: r.key, seq: 0 };
  }

  // Posts events (objects) as the sensor would: EVE lines with increasing seq.
  async ingest(sensor, events) {
    const lines = events.map((e) => JSON.stringify({ ...e, seq: ++sensor.seq })).join('\n') + '\n';
    const r = await new Client(this.base).req('POST', '/api/v1/events', lines, { Authorization: 'Bearer ' + sensor.key });
    if (r.status !== 200 || (r.data.rejected && r.data.rejected.length)) throw new Error('ingest: ' + r.status + ' ' + JSON.stringify(r.data));
    return r.data;
  }
}

// An EVE alert line like the sensor writes (Suricata field names + mamori).
let evCount = 0;
export function alertEvent({ sid, signature, severity = 2, detector = 'intel', category = 'Potentially Bad Traffic', src = '192.168.1.20', mac = '02:00:00:00:10:01', dest = '203.0.113.66', dport = 443, ja, en, minute = 0 }) {
  evCount++;
  const ts = new Date(Date.UTC(2026, 3, 1, 9, minute, evCount % 60)).toISOString().replace('Z', '000+0000').replace(/\.(\d{3})000/, '.$1000');
  return {
    timestamp: ts,
    flow_id: 1000 + evCount,
    event_type: 'alert',
    src_ip: src,
    src_port: 50000 + evCount,
    dest_ip: dest,
    dest_port: dport,
    proto: 'TCP',
    ether: { src_mac: mac },
    alert: { action: 'allowed', gid: 1, signature_id: sid, rev: 1, signature, category, severity },
    mamori: { detector, message: { ja: ja || signature, en: en || signature } },
  };
}

export function needBinary() {
  if (!fs.existsSync(CENTER_BIN)) return `mamori-center not built at ${CENTER_BIN}`;
  if (!fs.existsSync('/usr/bin/chromium')) return 'Debian chromium is not installed (/usr/bin/chromium)';
  return null;
}

// [mail] lines for a centre whose mail is on but reaches nobody: the SMTP
// server is 127.0.0.1 port 1, where nothing listens, so every send fails at
// once (connection refused) and is retried later; timeout bounds one attempt
// should something answer there after all, so stop() never waits long.
export const MAIL_NOWHERE = '[mail]\nhost = 127.0.0.1\nport = 1\ntimeout = 5\n';

// The centre a test file's tests share: started (with config: more lines
// for its configuration file, as Center takes) and seeded, unless seed is
// false, before the first test, then setup(center); stopped after the last.
// Nothing starts when needBinary() names something missing.
export function useCenter(setup, { seed = true, config = '' } = {}) {
  let center = null;
  before(async () => {
    if (needBinary()) return;
    center = await new Center({ config }).start();
    if (seed) await center.seed();
    await setup(center);
  });
  after(async () => {
    if (center) await center.stop();
  });
}
