-- SPDX-License-Identifier: Apache-2.0
-- Account life cycle (center-api.md, "Accounts"): must_change_password is 1
-- while the password is one somebody else chose (a new user added through
-- the API, a password reset by a manager); such a user's session may only
-- read /me, sign out and change the password. disabled_at is when a manager
-- stopped the account (NULL: active): it cannot sign in, its sessions are
-- gone and its API tokens are refused, but the row stays, so the audit log,
-- tickets and incidents still name it.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
