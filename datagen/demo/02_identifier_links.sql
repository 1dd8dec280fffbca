-- Identifier links: every (record, identifier) pair the sources hold, normalised
--
-- This view is the input of identity resolution: identifiers seen in the same
-- record belong to the same person. Each source is read once: a record's
-- identifiers are listed side by side and unnested into one row each (the
-- lists are zipped); invalid phones and emails normalise to NULL and drop out.
-- `source` names the system a record comes from: resolve_identities counts an
-- identifier's records per source, and does not count app logins (events).

-- An app login ties a device to an account; one record per pair, not per event.
CREATE VIEW app_logins AS
SELECT DISTINCT device_id, account_id FROM app_events WHERE device_id IS NOT NULL AND account_id IS NOT NULL;

CREATE VIEW identifier_links AS
SELECT record_id, source, id_type, id_value FROM (
    SELECT 'crm:' || crm_id AS record_id, 'crm' AS source,
           unnest(['crm_id', 'phone', 'email']) AS id_type,
           unnest([crm_id, normalize_phone(phone), normalize_email(email)]) AS id_value
    FROM crm_customers
    UNION ALL
    SELECT 'lead:' || lead_id, 'lead',
           unnest(['phone', 'wechat_openid', 'device_id']),
           unnest([normalize_phone(phone), wechat_openid, device_id])
    FROM leads
    UNION ALL
    SELECT 'app:' || device_id || '/' || account_id, 'app',
           unnest(['device_id', 'account_id']),
           unnest([device_id, account_id])
    FROM app_logins
    UNION ALL
    SELECT 'order:' || order_id, 'order',
           unnest(['crm_id', 'phone', 'vin']),
           unnest([crm_id, normalize_phone(phone), vin])
    FROM dms_orders
) WHERE id_value IS NOT NULL;

-- Counted in two steps (links per identifier, then per type) rather than with
-- count(DISTINCT id_value): DataFusion spills a grouping with many groups to
-- disk under a memory limit, but not one type's set of millions of distinct
-- values, so this form also runs at 5M persons under `--memory-limit 2G`.
SELECT id_type,
       sum(links)  AS links,
       count(*)    AS distinct_identifiers
FROM (SELECT id_type, id_value, count(*) AS links FROM identifier_links GROUP BY id_type, id_value)
GROUP BY id_type
ORDER BY links DESC;
