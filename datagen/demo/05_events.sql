-- Events: every source's events in one view, per person (one_id)
--
-- events(one_id, event_type, ts, store_id, amount_cny, dwell_s) is what the
-- journey and value functions read. A source row finds its person through the identifiers of
-- its record; shared and blocked identifiers name no one, so a row that has
-- only those (a walk-in typed with the salesperson's phone on the demo
-- tablet) keeps a NULL one_id rather than being dropped.

-- The person of each record is the One-ID step's record map (record_person,
-- from resolve_records): unlinked records have a NULL one_id.

-- The person of an identifier, for sources that carry one identifier.
CREATE VIEW identifier_person AS
SELECT id_type, id_value, one_id FROM one_id WHERE status IN ('merged', 'singleton');

CREATE VIEW events AS
SELECT r.one_id, 'leave_info' AS event_type, l.created_at AS ts, l.store_id, CAST(NULL AS DECIMAL(12, 2)) AS amount_cny,
       CAST(NULL AS INT) AS dwell_s
FROM leads l LEFT JOIN record_person r ON r.record_id = 'lead:' || l.lead_id
UNION ALL
SELECT r.one_id, 'store_visit', l.created_at, l.store_id, NULL, NULL
FROM leads l LEFT JOIN record_person r ON r.record_id = 'lead:' || l.lead_id
WHERE l.channel = 'store_walkin'
UNION ALL
SELECT p.one_id, e.event_type, e.ts, NULL, NULL, e.dwell_s
FROM app_events e LEFT JOIN identifier_person p ON p.id_type = 'device_id' AND p.id_value = e.device_id
UNION ALL
SELECT r.one_id, 'order', o.order_ts, o.store_id, o.amount_cny, NULL
FROM dms_orders o LEFT JOIN record_person r ON r.record_id = 'order:' || o.order_id
UNION ALL
SELECT r.one_id, 'delivery', o.delivery_ts, o.store_id, NULL, NULL
FROM dms_orders o LEFT JOIN record_person r ON r.record_id = 'order:' || o.order_id
WHERE o.delivery_ts IS NOT NULL
UNION ALL
SELECT p.one_id, 'service', v.ts, v.store_id, v.amount_cny, NULL
FROM service_visits v LEFT JOIN identifier_person p ON p.id_type = 'vin' AND p.id_value = v.vin
UNION ALL
SELECT p.one_id, 'survey', s.ts, NULL, NULL, NULL
FROM surveys s LEFT JOIN identifier_person p ON p.id_type = 'phone' AND p.id_value = normalize_phone(s.phone);

-- Per person first, then per type (not count(DISTINCT one_id)): the inner
-- grouping spills under a memory limit (see 02_identifier_links.sql).
SELECT event_type,
       sum(events)                            AS events,
       sum(events) FILTER (WHERE one_id IS NULL) AS without_person,
       count(one_id)                          AS persons
FROM (SELECT event_type, one_id, count(*) AS events FROM events GROUP BY event_type, one_id)
GROUP BY event_type
ORDER BY events DESC;
