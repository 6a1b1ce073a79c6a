-- SPDX-License-Identifier: Apache-2.0
-- Alert rows written once per interval (center-storage.md, "alert rows
-- written per interval"). The centre keeps the open alerts' newest count,
-- times, severity and newest event in memory and writes an alert's row with
-- what accumulated once a second and before anything reads alerts, instead of
-- at every batch. What a crash loses of that memory is found again in the
-- event chain: every alert event carries its alert (alert_id), its time (ts)
-- and now its severity and the time of its batch (the alert's updated_at),
-- and an alert row counts exactly its events up to its last_event_id. alert_flush.event_id is a watermark: every event at or below
-- it is counted in its alert's row, so recovery reads only the events above
-- it. owner is the random number of the centre process that may hold alert
-- changes not yet written (0: none); another process that writes alerts
-- first counts what the chain holds above the watermark.
ALTER TABLE events ADD COLUMN alert_severity INTEGER;
ALTER TABLE events ADD COLUMN alert_updated INTEGER;
CREATE TABLE alert_flush (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tenant_id INTEGER NOT NULL DEFAULT 0,
    event_id INTEGER NOT NULL,
    owner INTEGER NOT NULL DEFAULT 0
);
INSERT INTO alert_flush (id, tenant_id, event_id, owner)
    SELECT 1, 0, coalesce(max(id), 0), 0 FROM events;
