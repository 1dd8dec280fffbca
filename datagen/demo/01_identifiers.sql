-- Identifier quality per source: how many phones and emails survive normalisation
--
-- Every source system spells phone numbers its own way. normalize_phone and
-- normalize_email bring them to one canonical form; what they reject (typos,
-- junk such as 'unknown' or '00000000000') becomes NULL and is counted here.

CREATE VIEW phone_quality AS
SELECT source,
       count(*)                                   AS records,
       count(phone)                               AS phones_present,
       count(normalize_phone(phone))              AS phones_valid,
       count(DISTINCT normalize_phone(phone))     AS distinct_phones
FROM (
    SELECT 'crm_customers' AS source, phone FROM crm_customers
    UNION ALL SELECT 'leads', phone FROM leads
    UNION ALL SELECT 'dms_orders', phone FROM dms_orders
    UNION ALL SELECT 'surveys', phone FROM surveys
) AS phones
GROUP BY source;

SELECT source, records, phones_present, phones_valid,
       round(100.0 * phones_valid / phones_present, 1) AS valid_pct,
       distinct_phones
FROM phone_quality
ORDER BY records DESC;

SELECT count(email)                                 AS emails_present,
       count(normalize_email(email))                AS emails_valid,
       count(DISTINCT email)                        AS distinct_as_typed,
       count(DISTINCT normalize_email(email))       AS distinct_normalized
FROM crm_customers;
