-- Identifier links: every (record, identifier) pair the sources hold, normalised
--
-- This view is the input of identity resolution: identifiers seen in the same
-- record belong to the same person. Invalid phones and emails drop out here.

-- An app login ties a device to an account; one link per pair, not per event.
CREATE VIEW app_logins AS
SELECT DISTINCT device_id, account_id FROM app_events WHERE device_id IS NOT NULL AND account_id IS NOT NULL;

CREATE VIEW identifier_links AS
SELECT 'crm:' || crm_id AS record_id, 'crm_id' AS id_type, crm_id AS id_value FROM crm_customers
UNION ALL SELECT 'crm:' || crm_id, 'phone', normalize_phone(phone) FROM crm_customers WHERE normalize_phone(phone) IS NOT NULL
UNION ALL SELECT 'crm:' || crm_id, 'email', normalize_email(email) FROM crm_customers WHERE normalize_email(email) IS NOT NULL
UNION ALL SELECT 'lead:' || lead_id, 'phone', normalize_phone(phone) FROM leads WHERE normalize_phone(phone) IS NOT NULL
UNION ALL SELECT 'lead:' || lead_id, 'wechat_openid', wechat_openid FROM leads WHERE wechat_openid IS NOT NULL
UNION ALL SELECT 'lead:' || lead_id, 'device_id', device_id FROM leads WHERE device_id IS NOT NULL
UNION ALL SELECT 'app:' || device_id || '/' || account_id, 'device_id', device_id FROM app_logins
UNION ALL SELECT 'app:' || device_id || '/' || account_id, 'account_id', account_id FROM app_logins
UNION ALL SELECT 'order:' || order_id, 'crm_id', crm_id FROM dms_orders WHERE crm_id IS NOT NULL
UNION ALL SELECT 'order:' || order_id, 'phone', normalize_phone(phone) FROM dms_orders WHERE normalize_phone(phone) IS NOT NULL
UNION ALL SELECT 'order:' || order_id, 'vin', vin FROM dms_orders;

SELECT id_type,
       count(*)                  AS links,
       count(DISTINCT id_value)  AS distinct_identifiers
FROM identifier_links
GROUP BY id_type
ORDER BY links DESC;
