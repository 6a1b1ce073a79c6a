-- SPDX-License-Identifier: Apache-2.0
-- Fewer alert indexes that hold last_seen. Ingest moves an alert's last_seen
-- on every batch that adds to it, and every index holding last_seen must move
-- its entry too; with five such indexes this was half of the centre's ingest
-- CPU. The lists without a status filter are now answered from the per-status
-- indexes: one ordered range per status (LIMIT rows each), merged (see
-- alert_list_sql in src/center/store-sqlite-ingest.c), so they need no index
-- of their own. Kept: alerts_agg (the aggregation look-up), alerts_status
-- (vendor lists) and alerts_tenant_status (one tenant's lists, reports).
DROP INDEX alerts_seen;
DROP INDEX alerts_tenant_seen;
