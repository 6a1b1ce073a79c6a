-- SPDX-License-Identifier: Apache-2.0
-- Emergency mail (src/center/mail*.c, docs/design/mail.md): the SME's mail
-- contacts, the vendor's analysts on duty, the outbox (one row per message,
-- claimed before sending), the alert scan position, and the per-tenant
-- throttle window with the alerts waiting for its digest.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, email)
);

ALTER TABLE users ADD COLUMN on_duty INTEGER NOT NULL DEFAULT 0 CHECK (on_duty IN (0, 1));

CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('alert', 'digest')),
    alert_id INTEGER,
    message_id TEXT NOT NULL UNIQUE,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'transfer', 'sent', 'failed', 'uncertain')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at, id);
CREATE UNIQUE INDEX mail_outbox_alert ON mail_outbox(alert_id) WHERE kind = 'alert';

-- The highest alert id already considered for mail (alerts older than the
-- migration are not mailed).
CREATE TABLE mail_scan (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_alert_id INTEGER NOT NULL
);
INSERT INTO mail_scan (id, last_alert_id) VALUES (1, (SELECT COALESCE(MAX(id), 0) FROM alerts));

CREATE TABLE mail_throttle (
    tenant_id INTEGER PRIMARY KEY,
    window_start INTEGER NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE mail_digest_items (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    alert_id INTEGER NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE INDEX mail_digest_tenant ON mail_digest_items(tenant_id, id);
