-- SPDX-License-Identifier: Apache-2.0
-- Aggregated alerts: one row per (tenant, signature, device) and window.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    sensor_id INTEGER NOT NULL,
    signature_id INTEGER NOT NULL,
    signature TEXT NOT NULL,
    detector TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
    device TEXT NOT NULL DEFAULT '',
    src_ip TEXT NOT NULL DEFAULT '',
    dest_ip TEXT NOT NULL DEFAULT '',
    count INTEGER NOT NULL DEFAULT 1,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'acknowledged', 'escalated', 'closed')),
    close_reason TEXT NOT NULL DEFAULT '',
    incident_id INTEGER,
    message_ja TEXT NOT NULL DEFAULT '',
    message_en TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX alerts_agg ON alerts(tenant_id, signature_id, device, last_seen);
CREATE INDEX alerts_tenant_seen ON alerts(tenant_id, last_seen DESC, id DESC);
CREATE INDEX alerts_seen ON alerts(last_seen DESC, id DESC);
CREATE INDEX alerts_tenant_status ON alerts(tenant_id, status, last_seen DESC, id DESC);
CREATE INDEX alerts_status ON alerts(status, last_seen DESC, id DESC);
