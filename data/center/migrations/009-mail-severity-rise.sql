-- SPDX-License-Identifier: Apache-2.0
-- Emergency mail when an alert's severity rises later (docs/design/mail.md,
-- "Severity rises"). Ingest folds events into an open alert with
-- severity = min(severity, new); when that makes an alert that the mail scan
-- has already passed reach the tenant's mail_severity, ingest records the
-- rise here in its own transaction (mm__sqlite_mail_note_rise). The mail
-- thread turns each pending rise into one 'rise' mail (or a digest item) and
-- marks it done. One row per alert and level: a level is mailed at most once.
-- An alert the scan has not reached yet needs no row: the scan reads its
-- severity as it is by then.
CREATE TABLE mail_rises (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL,
    tenant_id INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    from_severity INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    created_at INTEGER NOT NULL,
    UNIQUE (alert_id, severity)
);
CREATE INDEX mail_rises_pending ON mail_rises(id) WHERE done = 0;

-- The outbox learns the kind 'rise' (SQLite cannot change a CHECK in place,
-- so the table is rebuilt with the same rows) and the severity a rise mail
-- was sent for: one 'alert' mail per alert, one 'rise' mail per alert and level.
CREATE TABLE mail_outbox_009 (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('alert', 'digest', 'rise')),
    alert_id INTEGER,
    severity INTEGER,
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
INSERT INTO mail_outbox_009 (id, tenant_id, kind, alert_id, message_id, recipients, subject,
                             message, status, attempts, next_attempt_at, last_error, created_at,
                             sent_at)
SELECT id, tenant_id, kind, alert_id, message_id, recipients, subject, message, status, attempts,
       next_attempt_at, last_error, created_at, sent_at FROM mail_outbox;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_009 RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at, id);
CREATE UNIQUE INDEX mail_outbox_alert ON mail_outbox(alert_id) WHERE kind = 'alert';
CREATE UNIQUE INDEX mail_outbox_rise ON mail_outbox(alert_id, severity) WHERE kind = 'rise';
