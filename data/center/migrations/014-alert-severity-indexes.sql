-- SPDX-License-Identifier: Apache-2.0
-- Index-backed severity filters. A list filtered by severity ("this level or
-- higher", severity <= 1, 2 or 3) used to read the per-status indexes and
-- test each row's severity, so a status with few or no alerts of that level
-- was read to its end before the merge of the status arms could stop (every
-- acknowledged and closed alert for a list of the high ones). With these
-- indexes such a list is one UNION ALL arm per (severity, status) pair, each
-- an ordered range of exactly the rows it returns, merged under one ORDER BY
-- (alert_list_sql in src/center/store-sqlite-ingest.c): its work follows the
-- page, not the number of alerts of other levels or statuses.
-- alerts_tenant_severity serves one tenant's lists (an SME's own, or the
-- vendor's tenant filter). Both hold seen_hour, not last_seen (migration 010),
-- so ingest moves their entries only when an alert is created, changes its
-- hour, its status or its severity.
CREATE INDEX alerts_severity ON alerts(severity, status, seen_hour DESC, id DESC);
CREATE INDEX alerts_tenant_severity ON alerts(tenant_id, severity, status, seen_hour DESC, id DESC);
