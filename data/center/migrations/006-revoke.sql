-- SPDX-License-Identifier: Apache-2.0
-- Revocation of API tokens and sensor keys (mamori-center admin token revoke,
-- admin sensor revoke): a revoked credential is refused on every use from
-- then on; the row stays for the audit trail.
ALTER TABLE api_tokens ADD COLUMN revoked_at INTEGER;
ALTER TABLE sensors ADD COLUMN revoked_at INTEGER;
