-- One-ID: merge every source's identifiers into persons
--
-- resolve_identities links identifiers that share a record, keeps shared ones
-- (demo tablets, salespeople's phones, identifiers whose records name
-- several persons) out of merging, refuses merges that
-- would give a person two CRM ids, and blocks junk values. resolve_records
-- gives each source record its person, with the same query and rules.

CREATE TABLE one_id AS
SELECT * FROM resolve_identities('SELECT record_id, source, id_type, id_value, name FROM identifier_links');

CREATE TABLE record_person AS
SELECT * FROM resolve_records('SELECT record_id, source, id_type, id_value, name FROM identifier_links');

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

-- How many identifiers each rule set aside (shared, blocked) or refused.
SELECT reason, status, count(*) AS identifiers
FROM one_id
WHERE reason IS NOT NULL
GROUP BY reason, status
ORDER BY identifiers DESC, reason;

-- Each source's records: assigned to a person, in conflict (their identifiers
-- in several persons), or unlinked (only shared or blocked identifiers).
SELECT source,
       count(*) FILTER (WHERE status = 'assigned') AS assigned,
       count(*) FILTER (WHERE status = 'conflict') AS conflict,
       count(*) FILTER (WHERE status = 'unlinked') AS unlinked
FROM record_person
GROUP BY source
ORDER BY source;

-- What was kept out of merging, masked.
SELECT status, id_type,
       CASE WHEN id_type = 'phone' THEN mask_phone(id_value) ELSE id_value END AS identifier
FROM one_id
WHERE status IN ('shared', 'blocked')
ORDER BY status, id_type, identifier
LIMIT 10;
