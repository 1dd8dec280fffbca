-- Shared identifiers: the phones and devices typed into the most records
--
-- A salesperson's phone typed into hundreds of walk-in leads, or a store's demo
-- tablet, would merge hundreds of strangers into one "person". They must be
-- recognised and kept out of merging. Phones are masked for display.

SELECT id_type,
       CASE WHEN id_type = 'phone' THEN mask_phone(id_value) ELSE id_value END AS identifier,
       count(DISTINCT record_id) AS records
FROM identifier_links
WHERE id_type IN ('phone', 'device_id')
GROUP BY id_type, id_value
ORDER BY records DESC, identifier
LIMIT 8;
