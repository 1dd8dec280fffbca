-- Funnel: where the buying journey stalls
--
-- window_funnel gives each person the deepest step reached in order within
-- a year of leaving their details; the report shows conversion per step and
-- flags the worst one, then the time between steps and how satisfaction
-- follows the speed of the store's follow-up.

CREATE TABLE funnel AS
SELECT one_id,
       window_funnel(INTERVAL '365 days', ts,
                     event_type = 'leave_info', event_type = 'store_visit', event_type = 'test_drive',
                     event_type = 'order', event_type = 'delivery') AS step
FROM events
WHERE one_id IS NOT NULL
GROUP BY one_id;

WITH steps(step, name) AS (
  VALUES (1, 'leave_info'), (2, 'store_visit'), (3, 'test_drive'), (4, 'order'), (5, 'delivery')
), reached AS (
  SELECT s.step, s.name, count(f.one_id) AS persons
  FROM steps s LEFT JOIN funnel f ON f.step >= s.step
  GROUP BY s.step, s.name
), converted AS (
  SELECT step, name, persons, lag(persons) OVER (ORDER BY step) AS previous FROM reached
)
SELECT step, name, persons,
       round(100.0 * persons / previous, 1) AS conversion_pct,
       previous - persons AS dropped,
       CASE WHEN 1.0 * persons / previous = min(1.0 * persons / previous) OVER () THEN '<- bottleneck' ELSE '' END AS flag
FROM converted
ORDER BY step;

-- Days from one step to the next, for persons who took both.
WITH firsts AS (
  SELECT one_id,
         min(ts) FILTER (WHERE event_type = 'leave_info')  AS lead_at,
         min(ts) FILTER (WHERE event_type = 'store_visit') AS visit_at,
         min(ts) FILTER (WHERE event_type = 'test_drive')  AS drive_at,
         min(ts) FILTER (WHERE event_type = 'order')       AS order_at,
         min(ts) FILTER (WHERE event_type = 'delivery')    AS delivery_at
  FROM events WHERE one_id IS NOT NULL GROUP BY one_id
), gaps AS (
  SELECT 'leave_info -> store_visit' AS transition, 1 AS k, date_part('epoch', visit_at - lead_at) / 86400.0 AS days FROM firsts WHERE visit_at >= lead_at
  UNION ALL SELECT 'store_visit -> test_drive', 2, date_part('epoch', drive_at - visit_at) / 86400.0 FROM firsts WHERE drive_at >= visit_at
  UNION ALL SELECT 'test_drive -> order', 3, date_part('epoch', order_at - drive_at) / 86400.0 FROM firsts WHERE order_at >= drive_at
  UNION ALL SELECT 'order -> delivery', 4, date_part('epoch', delivery_at - order_at) / 86400.0 FROM firsts WHERE delivery_at >= order_at
)
SELECT transition, count(*) AS persons,
       round(median(days), 1) AS median_days,
       round(approx_percentile_cont(0.9) WITHIN GROUP (ORDER BY days), 1) AS p90_days
FROM gaps GROUP BY transition ORDER BY min(k);

-- Experience data: survey satisfaction against the store's follow-up delay
-- (leaving details to the first store visit) of the persons who answered.
WITH follow_up AS (
  SELECT one_id,
         date_part('epoch', min(ts) FILTER (WHERE event_type = 'store_visit')
                            - min(ts) FILTER (WHERE event_type = 'leave_info')) / 86400.0 AS delay_days
  FROM events WHERE one_id IS NOT NULL GROUP BY one_id
), answered AS (
  SELECT f.delay_days, avg(s.satisfaction) AS satisfaction
  FROM surveys s
  JOIN identifier_person p ON p.id_type = 'phone' AND p.id_value = normalize_phone(s.phone)
  JOIN follow_up f ON f.one_id = p.one_id
  WHERE f.delay_days >= 0
  GROUP BY p.one_id, f.delay_days
)
SELECT count(*) AS surveyed_persons,
       round(corr(delay_days, satisfaction), 3) AS corr_delay_satisfaction,
       round(100.0 * avg(CASE WHEN delay_days > 1 THEN 1 ELSE 0 END), 1) AS pct_followed_up_after_1_day,
       round(avg(satisfaction) FILTER (WHERE delay_days <= 1), 2) AS satisfaction_within_1_day,
       round(avg(satisfaction) FILTER (WHERE delay_days > 1), 2) AS satisfaction_after_1_day
FROM answered;
