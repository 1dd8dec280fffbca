-- One-ID: merge every source's identifiers into persons
--
-- resolve_identities links identifiers that share a record, keeps shared ones
-- (demo tablets, salespeople's phones) out of merging, refuses merges that
-- would give a person two CRM ids, and blocks junk values.

CREATE TABLE one_id AS
SELECT * FROM resolve_identities('SELECT record_id, id_type, id_value FROM identifier_links');

SELECT count(*)                                    AS identifiers,
       count(DISTINCT one_id)                      AS persons,
       count(DISTINCT one_id) FILTER (WHERE cluster_size > 1) AS multi_identifier_persons,
       sum(CASE WHEN status = 'shared' THEN 1 ELSE 0 END)  AS shared,
       sum(CASE WHEN status = 'refused' THEN 1 ELSE 0 END) AS refused,
       sum(CASE WHEN status = 'blocked' THEN 1 ELSE 0 END) AS blocked
FROM one_id;

-- Persons by how many identifiers they hold.
SELECT CASE WHEN cluster_size >= 8 THEN '8+' ELSE CAST(cluster_size AS TEXT) END AS identifiers_per_person,
       count(DISTINCT one_id) AS persons
FROM one_id
GROUP BY 1
ORDER BY min(cluster_size);

-- What was kept out of merging, masked.
SELECT status, id_type,
       CASE WHEN id_type = 'phone' THEN mask_phone(id_value) ELSE id_value END AS identifier
FROM one_id
WHERE status IN ('shared', 'blocked')
ORDER BY status, id_type, identifier
LIMIT 10;
