-- SPDX-License-Identifier: Apache-2.0
-- Sensors, one-time enrolment codes, ingested events (idempotent by
-- (sensor_id, seq)) and per-minute event counts for the rate.
CREATE TABLE enrol_codes (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    code_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    sensor_id INTEGER
);

CREATE TABLE sensors (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    key_hash BLOB NOT NULL UNIQUE,
    enrolled_at INTEGER NOT NULL,
    last_seen INTEGER,
    events_total INTEGER NOT NULL DEFAULT 0,
    spool_backlog INTEGER NOT NULL DEFAULT 0,
    drops INTEGER NOT NULL DEFAULT 0,
    silent_alerted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sensors_tenant ON sensors(tenant_id, id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    sensor_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    alert_id INTEGER,
    body TEXT NOT NULL,
    UNIQUE (sensor_id, seq)
);
CREATE INDEX events_alert ON events(alert_id) WHERE alert_id IS NOT NULL;

CREATE TABLE sensor_minutes (
    tenant_id INTEGER NOT NULL,
    sensor_id INTEGER NOT NULL,
    minute INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (sensor_id, minute)
) WITHOUT ROWID;
