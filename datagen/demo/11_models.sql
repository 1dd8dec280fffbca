-- Models: predict the test-drive satisfaction of those who did not answer
--
-- Only some of the persons who test-drove answered the survey (experience
-- data, X). What happened to everyone (operations data, O) is in the
-- events: how long the store took to follow the lead up, how long the test
-- drive came after the visit, whether they ordered. A logistic model learns
-- from the respondents which of these make a customer unsatisfied
-- (satisfaction 5 or less), names the drivers, and predicts the rest
-- (docs/models.md). Those predicted unsatisfied who were never surveyed get
-- a second invitation: a segment.

CREATE OR REPLACE TABLE test_drive_operations AS
SELECT one_id,
       date_part('epoch', min(ts) FILTER (WHERE event_type = 'store_visit')
                        - min(ts) FILTER (WHERE event_type = 'leave_info')) / 86400.0 AS followup_delay_days,
       date_part('epoch', min(ts) FILTER (WHERE event_type = 'test_drive')
                        - min(ts) FILTER (WHERE event_type = 'store_visit')) / 86400.0 AS test_drive_wait_days,
       bool_or(event_type = 'order') AS ordered
FROM events
WHERE one_id IS NOT NULL
GROUP BY one_id
HAVING bool_or(event_type = 'test_drive') AND bool_or(event_type = 'store_visit') AND bool_or(event_type = 'leave_info');

CREATE OR REPLACE TABLE survey_answers AS
SELECT p.one_id, min(s.satisfaction) <= 5 AS unsatisfied
FROM surveys s
JOIN identifier_person p ON p.id_type = 'phone' AND p.id_value = normalize_phone(s.phone)
GROUP BY p.one_id;

CREATE OR REPLACE MODEL test_drive_satisfaction OPTIONS (type = 'logistic', label = 'unsatisfied') AS
SELECT o.followup_delay_days, o.test_drive_wait_days, o.ordered, a.unsatisfied
FROM test_drive_operations o JOIN survey_answers a USING (one_id);

-- How well it predicts the respondents it did not train on.
SELECT metric, round(value, 3) AS value FROM model_evaluate('test_drive_satisfaction');

-- What drives dissatisfaction: the follow-up delay comes out on top.
SELECT feature, round(weight, 3) AS weight, direction, round(std_error, 3) AS std_error, p_value
FROM model_drivers('test_drive_satisfaction');

-- The second invitation: predicted unsatisfied, never surveyed.
DROP SEGMENT IF EXISTS unsatisfied_not_surveyed;

CREATE SEGMENT unsatisfied_not_surveyed COMMENT 'predicted unsatisfied after the test drive, not surveyed: second survey invitation' AS
SELECT one_id
FROM model_predict('test_drive_satisfaction',
                   'SELECT * FROM test_drive_operations WHERE one_id NOT IN (SELECT one_id FROM survey_answers)')
WHERE prediction > 0.5;

SELECT count(*) AS not_surveyed,
       count(*) FILTER (WHERE prediction > 0.5) AS predicted_unsatisfied,
       round(avg(prediction), 3) AS avg_probability_unsatisfied
FROM model_predict('test_drive_satisfaction',
                   'SELECT * FROM test_drive_operations WHERE one_id NOT IN (SELECT one_id FROM survey_answers)');
