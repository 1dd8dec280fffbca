-- Value: RFM per store rolled up to the group, and graded leads per store
--
-- rfm folds each person's purchases (orders and service visits) at each
-- store; NTILE(5) within the store gives 1..5 scores, their sum a store value
-- (0..100), and the stores' weights roll it up to one customer_value per
-- person. lead_score and lead_grade grade the open leads by their activity.

CREATE TABLE store_rfm AS
SELECT one_id, store_id,
       rfm(ts, amount_cny, TIMESTAMP '2026-06-30 23:59:59+08:00') AS r,
       coalesce(sum(amount_cny) FILTER (WHERE event_type = 'service'), 0) AS after_sales_cny,
       coalesce(sum(amount_cny), 0) AS spent_cny
FROM events
WHERE one_id IS NOT NULL AND store_id IS NOT NULL AND event_type IN ('order', 'service')
GROUP BY one_id, store_id;

CREATE TABLE customer_value AS
WITH scored AS (
  SELECT one_id, store_id, after_sales_cny, spent_cny,
         NTILE(5) OVER (PARTITION BY store_id ORDER BY r['recency_days'] DESC) AS r_score,
         NTILE(5) OVER (PARTITION BY store_id ORDER BY r['frequency']) AS f_score,
         NTILE(5) OVER (PARTITION BY store_id ORDER BY r['monetary']) AS m_score
  FROM store_rfm
)
SELECT s.one_id,
       round(sum(st.weight * (s.r_score + s.f_score + s.m_score - 3) * 100.0 / 12), 1) AS customer_value,
       count(*) AS stores,
       CAST(sum(s.after_sales_cny) AS DOUBLE) / nullif(CAST(sum(s.spent_cny) AS DOUBLE), 0) AS after_sales_share
FROM scored s JOIN stores st ON st.store_id = s.store_id
GROUP BY s.one_id;

-- The distribution of customer value, and the after-sales share of spending.
SELECT count(*) AS customers,
       round(approx_percentile_cont(0.1) WITHIN GROUP (ORDER BY customer_value), 1) AS p10,
       round(median(customer_value), 1) AS median,
       round(approx_percentile_cont(0.9) WITHIN GROUP (ORDER BY customer_value), 1) AS p90,
       max(customer_value) AS max,
       round(avg(stores), 2) AS avg_stores,
       round(100 * avg(after_sales_share), 1) AS after_sales_pct
FROM customer_value;

-- Group-level segments: RFM over all stores, scored over all customers.
SELECT segment, count(*) AS persons, round(avg(v.customer_value), 1) AS avg_customer_value,
       round(100 * avg(v.after_sales_share), 1) AS after_sales_pct
FROM (
  SELECT one_id, rfm_segment(NTILE(5) OVER (ORDER BY r['recency_days'] DESC),
                             NTILE(5) OVER (ORDER BY r['frequency']),
                             NTILE(5) OVER (ORDER BY r['monetary'])) AS segment
  FROM (SELECT one_id, rfm(ts, amount_cny, TIMESTAMP '2026-06-30 23:59:59+08:00') AS r
        FROM events WHERE one_id IS NOT NULL AND event_type IN ('order', 'service') GROUP BY one_id)
) g JOIN customer_value v USING (one_id)
GROUP BY segment
ORDER BY avg_customer_value DESC;

-- Open leads graded by their activity over the last months, per store (the
-- store of their latest lead); the ten stores with the most hot leads.
WITH open_leads AS (
  SELECT one_id FROM stages WHERE stage IN ('lead', 'prospect')
), scores AS (
  SELECT e.one_id,
         lead_score(e.event_type, e.ts, e.dwell_s, TIMESTAMP '2026-06-30 23:59:59+08:00') AS score,
         last_value(e.store_id ORDER BY e.store_id IS NOT NULL, e.ts) AS store_id
  FROM events e
  JOIN open_leads o USING (one_id)
  GROUP BY e.one_id
)
SELECT store_id,
       count(*) FILTER (WHERE grade = 'H') AS h,
       count(*) FILTER (WHERE grade = 'A') AS a,
       count(*) FILTER (WHERE grade = 'B') AS b,
       count(*) FILTER (WHERE grade = 'C') AS c,
       round(avg(score), 1) AS avg_score
FROM (SELECT store_id, score, lead_grade(score) AS grade FROM scores WHERE store_id IS NOT NULL)
GROUP BY store_id
ORDER BY h DESC, a DESC, store_id
LIMIT 10;
