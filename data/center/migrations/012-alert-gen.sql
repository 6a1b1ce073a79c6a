-- SPDX-License-Identifier: Apache-2.0
-- A generation number of what the centre's open-alert memo depends on
-- (center-storage.md, "open-alert memo"): every change of an alert row or
-- of alert_flush, by any connection of any process (the API's status
-- changes, escalations, silent-sensor alerts, ingest itself, another
-- process, an sqlite3 shell), adds one to alert_gen.n in the same
-- transaction. Ingest notes n at the end of its own transactions; when
-- another connection has committed since (PRAGMA data_version) but n is what
-- it noted, nothing the memo holds changed (an admin command adding a
-- tenant, a login, the mail scan's outbox) and the memo is kept, its rows
-- still waiting. n only grows, so an equal n means the same alert rows.
CREATE TABLE alert_gen (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tenant_id INTEGER NOT NULL DEFAULT 0,
    n INTEGER NOT NULL
);
INSERT INTO alert_gen (id, tenant_id, n) VALUES (1, 0, 0);
CREATE TRIGGER alert_gen_insert AFTER INSERT ON alerts
BEGIN
    UPDATE alert_gen SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER alert_gen_update AFTER UPDATE ON alerts
BEGIN
    UPDATE alert_gen SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER alert_gen_delete AFTER DELETE ON alerts
BEGIN
    UPDATE alert_gen SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER alert_gen_flush_insert AFTER INSERT ON alert_flush
BEGIN
    UPDATE alert_gen SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER alert_gen_flush_update AFTER UPDATE ON alert_flush
BEGIN
    UPDATE alert_gen SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER alert_gen_flush_delete AFTER DELETE ON alert_flush
BEGIN
    UPDATE alert_gen SET n = n + 1 WHERE id = 1;
END;
