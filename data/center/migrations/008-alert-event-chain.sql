-- SPDX-License-Identifier: Apache-2.0
-- An alert's events as a chain instead of the events_alert index. Every
-- alert event of a batch landed in a different place of that index (one per
-- alert), so each batch rewrote most of its pages in the WAL: about as many
-- bytes as the events themselves. Now each alert event row names the
-- alert's previous event (alert_prev) and the alert row its newest one
-- (last_event_id); the alert page walks the chain (20 row look-ups).
-- Existing links are converted while the old index still exists.
ALTER TABLE events ADD COLUMN alert_prev INTEGER;
ALTER TABLE alerts ADD COLUMN last_event_id INTEGER;
UPDATE events SET alert_prev = (SELECT max(p.id) FROM events p WHERE p.alert_id = events.alert_id
    AND p.id < events.id) WHERE alert_id IS NOT NULL;
UPDATE alerts SET last_event_id = (SELECT max(e.id) FROM events e WHERE e.alert_id = alerts.id);
DROP INDEX events_alert;
