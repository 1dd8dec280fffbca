-- Lifecycle stages: where every person stands at the end of the data
--
-- lifecycle_stage folds each person's events into a stage as of a moment;
-- the thresholds (churned: no service for 365 days, replacement: a car 3+
-- years old and an owner still active, ...) are rules with defaults.

CREATE TABLE stages AS
SELECT one_id, lifecycle_stage(event_type, ts, TIMESTAMP '2026-06-30 23:59:59+08:00') AS stage
FROM events
WHERE one_id IS NOT NULL
GROUP BY one_id;

SELECT stage, count(*) AS persons, round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
FROM stages
GROUP BY stage
ORDER BY persons DESC;
