-- SPDX-License-Identifier: Apache-2.0
-- The alert indexes stop holding last_seen. Ingest moves an alert's
-- last_seen on every batch that adds to it, and each index holding it had to
-- move the alert's entry (a delete and an insert in the middle of the
-- index): with alerts_agg, alerts_status and alerts_tenant_status that was
-- two thirds of what an alert's update cost. They now hold
-- seen_hour = last_seen / 3600000000
-- (its hour, last_seen being in microseconds), which changes at most once an
-- hour per alert; ingest sets it together with last_seen when the hour
-- changes (store-sqlite-ingest.c, fold_run), and the trigger below sets it
-- for rows inserted by anything else (the benchmark's direct fill). Lists and
-- the aggregation look-ups are read in (seen_hour, last_seen, id) order, which
-- is the same order as (last_seen, id): SQLite walks the index hour by hour
-- and sorts only the rows of one hour (alert_list_sql, find_alert). Ingest is
-- the only writer of last_seen.
ALTER TABLE alerts ADD COLUMN seen_hour INTEGER NOT NULL DEFAULT 0;
UPDATE alerts SET seen_hour = last_seen / 3600000000;
CREATE TRIGGER alerts_seen_hour AFTER INSERT ON alerts
    WHEN NEW.seen_hour IS NOT NEW.last_seen / 3600000000
BEGIN
    UPDATE alerts SET seen_hour = NEW.last_seen / 3600000000 WHERE id = NEW.id;
END;
DROP INDEX alerts_agg;
DROP INDEX alerts_status;
DROP INDEX alerts_tenant_status;
CREATE INDEX alerts_agg ON alerts(tenant_id, signature_id, device, seen_hour);
CREATE INDEX alerts_status ON alerts(status, seen_hour DESC, id DESC);
CREATE INDEX alerts_tenant_status ON alerts(tenant_id, status, seen_hour DESC, id DESC);
