-- SPDX-License-Identifier: Apache-2.0
-- Consultation desk and incidents (src/center/desk.c, incident.c,
-- store-sqlite-{tickets,incidents,reports}.c; docs/design/incidents.md):
-- tickets with their message thread and linked alerts, incidents with their
-- timeline and on-site dispatch, and each tenant's SLA targets.
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    subject TEXT NOT NULL,
    category TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('web', 'phone')),
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'waiting', 'resolved', 'closed')),
    opened_by INTEGER NOT NULL,
    incident_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    resolved_at INTEGER NOT NULL DEFAULT 0,
    closed_at INTEGER NOT NULL DEFAULT 0,
    CHECK (tenant_id != 0)
);
CREATE INDEX tickets_tenant ON tickets(tenant_id, id DESC);
CREATE INDEX tickets_created ON tickets(created_at);

CREATE TABLE ticket_messages (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    author_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    internal INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    at INTEGER NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages(ticket_id, id);

CREATE TABLE ticket_alerts (
    tenant_id INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    PRIMARY KEY (ticket_id, alert_id)
) WITHOUT ROWID;

CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    title TEXT NOT NULL,
    severity INTEGER NOT NULL DEFAULT 2 CHECK (severity BETWEEN 1 AND 4),
    status TEXT NOT NULL DEFAULT 'triage'
        CHECK (status IN ('triage', 'remote', 'onsite', 'recovery', 'closed')),
    source TEXT NOT NULL CHECK (source IN ('alert', 'ticket', 'manual')),
    ticket_id INTEGER,
    assignee_id INTEGER,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    acknowledged_at INTEGER NOT NULL DEFAULT 0,
    resolved_at INTEGER NOT NULL DEFAULT 0,
    dispatched INTEGER NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    impact TEXT NOT NULL DEFAULT '',
    actions TEXT NOT NULL DEFAULT '',
    advice TEXT NOT NULL DEFAULT '',
    CHECK (tenant_id != 0)
);
CREATE INDEX incidents_tenant ON incidents(tenant_id, id DESC);
CREATE INDEX incidents_created ON incidents(created_at);

CREATE TABLE incident_timeline (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    internal INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1))
);
CREATE INDEX incident_timeline_incident ON incident_timeline(incident_id, id);

CREATE TABLE incident_dispatch (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
    tenant_id INTEGER NOT NULL,
    who TEXT NOT NULL,
    at INTEGER NOT NULL,
    place TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE tenant_sla (
    tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id),
    acknowledge_minutes INTEGER NOT NULL CHECK (acknowledge_minutes > 0),
    resolve_minutes INTEGER NOT NULL CHECK (resolve_minutes > 0),
    updated_at INTEGER NOT NULL
);
