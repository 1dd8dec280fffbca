-- A persistent identity graph: built from the first days' links, appended day by day
--
-- CREATE IDENTITY GRAPH keeps the links and the mapping in the catalog;
-- each APPEND adds a day's links and writes a new version, with the persons
-- of one resolve_identities over everything and their one_ids kept
-- (docs/identity-graphs.md). The generated links carry no dates: a record's
-- "day" here is the first hex digit of a hash of its id, and the last two
-- of sixteen days are appended. identity_changes tells what each append
-- did; one_id_of looks an identifier up without resolving anything.

CREATE OR REPLACE IDENTITY GRAPH demo_customers AS
SELECT record_id, source, id_type, id_value, name FROM identifier_links
WHERE substr(md5(record_id), 1, 1) NOT IN ('e', 'f');

APPEND TO IDENTITY GRAPH demo_customers
SELECT record_id, source, id_type, id_value, name FROM identifier_links
WHERE substr(md5(record_id), 1, 1) = 'e';

-- What the first append changed.
SELECT change, count(*) AS persons, sum(new_identifiers) AS new_identifiers
FROM identity_changes('demo_customers')
GROUP BY change
ORDER BY change;

APPEND TO IDENTITY GRAPH demo_customers
SELECT record_id, source, id_type, id_value, name FROM identifier_links
WHERE substr(md5(record_id), 1, 1) = 'f';

-- What the second append changed.
SELECT change, count(*) AS persons, sum(new_identifiers) AS new_identifiers
FROM identity_changes('demo_customers')
GROUP BY change
ORDER BY change;

-- The graph has the persons of step 04's one run over all the links.
SELECT count(DISTINCT g.one_id) = count(DISTINCT o.one_id)
       AND count(DISTINCT g.one_id) = count(DISTINCT (g.one_id, o.one_id)) AS same_persons,
       count(*) FILTER (WHERE g.status <> o.status) AS statuses_differing
FROM identity_map('demo_customers') g JOIN one_id o USING (id_type, id_value);

-- A lookup, as a service agent's screen would make it.
SELECT mask_phone(id_value) AS phone, one_id_of('demo_customers', 'phone', id_value) = one_id AS found
FROM one_id
WHERE id_type = 'phone' AND status = 'merged'
ORDER BY id_value
LIMIT 3;
