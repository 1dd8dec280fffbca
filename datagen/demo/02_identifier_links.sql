-- Identifier links: every (record, identifier) pair the sources hold, normalised
--
-- This view is the input of identity resolution: identifiers seen in the same
-- record belong to the same person. Each source is read once: a record's
-- identifiers are listed side by side and unnested into one row each (the
-- lists are zipped); invalid phones and emails normalise to NULL and drop out.
-- `source` names the system a record comes from: resolve_identities counts an
-- identifier's records per source, and does not count app logins (events).
-- `name` is the name typed on the record, where the system keeps one: an
-- identifier whose records name several persons is set aside as shared.

-- An app login ties a device to an account; one record per pair, not per event.
CREATE VIEW app_logins AS
SELECT DISTINCT device_id, account_id FROM app_events WHERE device_id IS NOT NULL AND account_id IS NOT NULL;

-- The identifiers each source system holds of its own records.
CREATE VIEW source_links AS
SELECT record_id, source, id_type, id_value, name FROM (
    SELECT 'crm:' || crm_id AS record_id, 'crm' AS source, name,
           unnest(['crm_id', 'phone', 'email']) AS id_type,
           unnest([crm_id, normalize_phone(phone), normalize_email(email)]) AS id_value
    FROM crm_customers
    UNION ALL
    SELECT 'lead:' || lead_id, 'lead', CAST(NULL AS TEXT),
           unnest(['phone', 'wechat_openid', 'device_id']),
           unnest([normalize_phone(phone), wechat_openid, device_id])
    FROM leads
    UNION ALL
    SELECT 'app:' || device_id || '/' || account_id, 'app', CAST(NULL AS TEXT),
           unnest(['device_id', 'account_id']),
           unnest([device_id, account_id])
    FROM app_logins
    UNION ALL
    SELECT 'order:' || order_id, 'order', CAST(NULL AS TEXT),
           unnest(['crm_id', 'phone', 'vin']),
           unnest([crm_id, normalize_phone(phone), vin])
    FROM dms_orders
) WHERE id_value IS NOT NULL;

-- Insurance policies come back from the insurer partner typed their own way,
-- and for about a quarter of owners without any identifier the CRM holds
-- (another phone, no VIN). Fuzzy matching (docs/fuzzy-matching.md) pairs each
-- policy with its owner's CRM record by name, phone, birth date and address;
-- each pair then joins the links below as an identifier both records hold,
-- `matched_record` (the CRM record's key), so One-ID treats it as any other:
-- per-type limits, the shared-identifier guard and statuses apply. A policy's
-- own phone is left out: one in eight is a relative's, which would merge two
-- persons; the match weighs it with the rest. Materialised: the steps after
-- this one read the links several times.
CREATE TABLE fuzzy_matches AS
SELECT record_id_l, source_l, record_id_r, source_r, match_probability
FROM match_records(
    'SELECT ''crm'' AS source, ''crm:'' || crm_id AS record_id, name, phone, birth_date, address, city FROM crm_customers
     UNION ALL
     SELECT ''insurance'', ''policy:'' || policy_id, holder_name, phone, birth_date, address, city FROM insurance_policies',
    '{"link_type": "link_only", "blocking": [["phone"], ["birth_date"], ["name", "city"], ["address"]], "threshold": 0.9}');

CREATE VIEW identifier_links AS
SELECT record_id, source, id_type, id_value, name FROM source_links
UNION ALL
SELECT 'policy:' || policy_id, 'insurance', 'vin', vin, holder_name FROM insurance_policies WHERE vin IS NOT NULL
UNION ALL
SELECT record_id, source, 'matched_record', crm_record, CAST(NULL AS TEXT) FROM (
    SELECT CASE WHEN source_l = 'crm' THEN record_id_l ELSE record_id_r END AS crm_record,
           unnest([record_id_l, record_id_r]) AS record_id,
           unnest([source_l, source_r]) AS source
    FROM fuzzy_matches
);

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
