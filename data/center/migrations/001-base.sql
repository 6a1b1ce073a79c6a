-- SPDX-License-Identifier: Apache-2.0
-- mamori-center base schema: tenants, users, sessions, API tokens, the
-- append-only audit log. Tenant 0 is the vendor itself.
CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'ja' CHECK (lang IN ('ja', 'en')),
    mail_severity INTEGER NOT NULL DEFAULT 2 CHECK (mail_severity BETWEEN 1 AND 4),
    created_at INTEGER NOT NULL
);
INSERT INTO tenants (id, name, lang, mail_severity, created_at) VALUES (0, 'vendor', 'ja', 1, 0);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'owner', 'staff')),
    password_hash TEXT,
    lang TEXT NOT NULL DEFAULT 'ja' CHECK (lang IN ('ja', 'en')),
    created_at INTEGER NOT NULL,
    CHECK ((tenant_id = 0) = (role IN ('admin', 'analyst')))
);
CREATE INDEX users_tenant ON users(tenant_id, id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash BLOB NOT NULL UNIQUE,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    tenant_id INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_tenant ON audit(tenant_id, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
