-- Segments: two audiences, refreshed as the data moves forward
--
-- A segment is a query returning one_id, kept in the catalog (the demo's is
-- demo-data/segments) with a bitmap snapshot per refresh. The two audiences
-- below are defined at the end of March, then the clock moves to the end of
-- June and they are refreshed: sizes, overlap, and who entered or exited.

-- The clock carries its zone: DataFusion compares a zone-less TIMESTAMP with
-- the events' +08:00 times as wall-clock time in +08:00, which would move
-- the clock by eight hours.
CREATE OR REPLACE TABLE demo_clock AS
SELECT arrow_cast('2026-03-31 23:59:59+08:00', 'Timestamp(Microsecond, Some("+08:00"))') AS as_of;

-- Start from nothing, so each demo run shows the same changes.
DROP SEGMENT IF EXISTS suv_test_drive_invite;

DROP SEGMENT IF EXISTS churned_owners;

-- Leads who have not ordered, logged in to the app this quarter (natural
-- months), and viewed or shared SUV content at least 3 times in it: the
-- SUV test-drive invitation audience.
CREATE SEGMENT suv_test_drive_invite COMMENT 'SUV test-drive invitation' AS
SELECT p.one_id
FROM app_events a
JOIN identifier_person p ON p.id_type = 'device_id' AND p.id_value = a.device_id
CROSS JOIN demo_clock c
WHERE a.ts > date_trunc('quarter', c.as_of) AND a.ts <= c.as_of
  AND a.content_tag = 'suv' AND a.event_type IN ('view_content', 'share')
GROUP BY p.one_id
HAVING count(*) >= 3
INTERSECT
SELECT e.one_id FROM events e CROSS JOIN demo_clock c
WHERE e.event_type = 'login' AND e.ts > date_trunc('quarter', c.as_of) AND e.ts <= c.as_of
EXCEPT
SELECT e.one_id FROM events e CROSS JOIN demo_clock c WHERE e.event_type = 'order' AND e.ts <= c.as_of;

-- Owners whose last service (or delivery) is more than a year old: the
-- churned owners to win back.
CREATE SEGMENT churned_owners COMMENT 'win back: no service for a year' AS
SELECT e.one_id
FROM events e CROSS JOIN demo_clock c
WHERE e.one_id IS NOT NULL AND e.ts <= c.as_of AND e.event_type IN ('delivery', 'service')
GROUP BY e.one_id, c.as_of
HAVING max(e.ts) < c.as_of - INTERVAL '365 days';

CREATE OR REPLACE TABLE demo_clock AS
SELECT arrow_cast('2026-06-30 23:59:59+08:00', 'Timestamp(Microsecond, Some("+08:00"))') AS as_of;

REFRESH SEGMENTS;

SELECT name, size, comment FROM segments() ORDER BY name;

SELECT * FROM segment_overlap('suv_test_drive_invite', 'churned_owners');

SELECT 'churned_owners' AS segment, change, count(*) AS persons FROM segment_changes('churned_owners') GROUP BY change
UNION ALL
SELECT 'suv_test_drive_invite', change, count(*) FROM segment_changes('suv_test_drive_invite') GROUP BY change
ORDER BY segment, change;
