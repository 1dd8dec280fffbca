-- Lead assignment: June's open leads to their stores' sales advisors
--
-- Each lead carries tags from its CDP profile: the model it asked about,
-- the channel it came through, and 'care:at_risk' when step 11's model
-- predicts an unsatisfied test drive. The dataset has no HR system, so each
-- store gets three advisors here, the same in every store: one sells the
-- SUVs best and works the digital channels, one the sedans and the car
-- platforms, one the EVs and the MPV, takes the walk-ins and has the best
-- satisfaction record (so 'care:at_risk'). Capacities: 40%, 40% and 30% of
-- the store's open leads. assign_leads places every lead for the largest
-- total affinity (docs/assignment.md); round-robin is the baseline.

CREATE OR REPLACE TABLE open_leads AS
SELECT l.lead_id,
       l.store_id,
       make_array(l.model_interest, l.channel,
                  CASE WHEN r.one_id IS NOT NULL AND in_segment('unsatisfied_not_surveyed', r.one_id) THEN 'care:at_risk' END) AS tags
FROM leads l
LEFT JOIN record_person r ON r.record_id = 'lead:' || l.lead_id
LEFT JOIN stages s ON s.one_id = r.one_id
WHERE l.created_at >= TIMESTAMP '2026-06-01 00:00:00+08:00'
  AND coalesce(s.stage, 'lead') IN ('anonymous', 'lead', 'prospect');

CREATE OR REPLACE TABLE advisors AS
SELECT s.store_id || '-' || a.name AS advisor_id,
       s.store_id,
       a.tags,
       CAST(ceil(coalesce(n.open_leads, 0) * a.share) AS BIGINT) AS capacity
FROM stores s
CROSS JOIN (VALUES
  ('suv', ['Aurora SUV', 'Aurora SUV EV', 'app', 'miniprogram', 'wecom'], 0.4),
  ('sedan', ['Meridian Sedan', 'Meridian Sedan EV', 'Pioneer Compact', 'autohome', 'dongchedi'], 0.4),
  ('ev_mpv', ['Aurora SUV EV', 'Meridian Sedan EV', 'Summit MPV', 'store_walkin', 'care:at_risk'], 0.3)
) AS a(name, tags, share)
LEFT JOIN (SELECT store_id, count(*) AS open_leads FROM open_leads GROUP BY store_id) n ON n.store_id = s.store_id;

CREATE OR REPLACE TABLE lead_assignment AS
SELECT * FROM assign_leads('SELECT lead_id, tags, store_id FROM open_leads',
                           'SELECT advisor_id, tags, capacity, store_id FROM advisors');

CREATE OR REPLACE TABLE lead_assignment_round_robin AS
SELECT * FROM assign_leads('SELECT lead_id, tags, store_id FROM open_leads',
                           'SELECT advisor_id, tags, capacity, store_id FROM advisors',
                           '{"method": "round_robin"}');

-- The score gained over round-robin, same leads, same capacities.
SELECT o.open_leads,
       o.placed,
       round(o.total, 1) AS total_affinity,
       round(r.total, 1) AS round_robin_affinity,
       round(100 * (o.total / r.total - 1), 1) AS gain_pct
FROM (SELECT count(*) AS open_leads, count(advisor_id) AS placed, sum(score) AS total FROM lead_assignment) o
CROSS JOIN (SELECT sum(score) AS total FROM lead_assignment_round_robin) r;

-- Across the stores, by advisor: how many leads each kind took, how well
-- they match, and where the leads predicted unsatisfied went.
SELECT split_part(a.advisor_id, '-', 2) AS advisor,
       count(*) AS leads,
       round(avg(a.score), 3) AS avg_affinity,
       count(*) FILTER (WHERE array_has(o.tags, 'care:at_risk')) AS at_risk_leads
FROM lead_assignment a
JOIN open_leads o USING (lead_id)
WHERE a.advisor_id IS NOT NULL
GROUP BY 1
ORDER BY 1;
