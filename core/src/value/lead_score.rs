//! A lead's activity score, 0..100: weighted events with time decay, capped
//! per event type and saturating, so no amount of one activity (a bot's
//! 10,000 views) reaches the top.

use std::collections::BTreeMap;

use serde::Deserialize;

const DAY_US: f64 = 86_400_000_000.0;

/// How one event type counts.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventWeight {
    /// Points per event, before decay.
    pub weight: f64,
    /// The most points the type can give, after decay.
    pub cap: f64,
}

/// The scoring rules, as users write them in JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadScoreRules {
    /// Event type → weight; types not named score nothing.
    pub events: BTreeMap<String, EventWeight>,
    /// Extra points per minute of dwell time, capped per event.
    pub dwell_points_per_minute: f64,
    pub dwell_cap_s: f64,
    /// An event's points halve every this many days.
    pub half_life_days: f64,
    /// Capped points `s` become `100 * (1 - exp(-s / saturation))`.
    pub saturation: f64,
}

impl Default for LeadScoreRules {
    fn default() -> Self {
        let events = [
            ("view_content", 1.0, 20.0),
            ("share", 3.0, 15.0),
            ("leave_info", 10.0, 20.0),
            ("store_visit", 15.0, 30.0),
            ("test_drive", 25.0, 40.0),
            ("survey", 5.0, 10.0),
        ]
        .into_iter()
        .map(|(name, weight, cap)| (name.to_string(), EventWeight { weight, cap }))
        .collect();
        Self {
            events,
            dwell_points_per_minute: 0.5,
            dwell_cap_s: 300.0,
            half_life_days: 30.0,
            saturation: 50.0,
        }
    }
}

const KEYS: [&str; 5] = [
    "events",
    "dwell_points_per_minute",
    "dwell_cap_s",
    "half_life_days",
    "saturation",
];

impl LeadScoreRules {
    /// Parses weights JSON; `events` entries are added to (or replace) the
    /// defaults.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let invalid = |e: serde_json::Error| format!("invalid weights JSON: {e}");
        let value: serde_json::Value = serde_json::from_str(json).map_err(invalid)?;
        let Some(object) = value.as_object() else {
            return Err("invalid weights JSON: expected an object".to_string());
        };
        let mut rules = Self::default();
        for (key, value) in object {
            let number = || -> Result<f64, String> {
                match value.as_f64() {
                    Some(n) if n.is_finite() && n >= 0.0 => Ok(n),
                    _ => Err(format!(
                        "invalid weights JSON: `{key}` must be a non-negative number, got {value}"
                    )),
                }
            };
            match key.as_str() {
                "events" => {
                    let events: BTreeMap<String, EventWeight> = serde_json::from_value(value.clone())
                        .map_err(|e| format!("invalid weights JSON: events: {e}"))?;
                    for (name, w) in &events {
                        if !(w.weight >= 0.0 && w.cap >= 0.0 && w.weight.is_finite() && w.cap.is_finite()) {
                            return Err(format!(
                                "invalid weights JSON: events.{name}: weight and cap must be non-negative numbers"
                            ));
                        }
                    }
                    rules.events.extend(events);
                }
                "dwell_points_per_minute" => rules.dwell_points_per_minute = number()?,
                "dwell_cap_s" => rules.dwell_cap_s = number()?,
                "half_life_days" => rules.half_life_days = number()?,
                "saturation" => rules.saturation = number()?,
                _ => {
                    return Err(format!(
                        "invalid weights JSON: unknown key `{key}`, expected {}",
                        KEYS.map(|k| format!("`{k}`")).join(", ")
                    ));
                }
            }
        }
        if rules.half_life_days <= 0.0 || rules.saturation <= 0.0 {
            return Err("invalid weights JSON: half_life_days and saturation must be above 0".to_string());
        }
        Ok(rules)
    }

    /// The event types that score, in a fixed order: a person's state keeps
    /// one sum per type.
    pub fn scored_types(&self) -> Vec<&str> {
        self.events.keys().map(String::as_str).collect()
    }
}

/// The rules at one `as_of`, ready for a per-row fold.
#[derive(Debug, Clone)]
pub struct LeadScorer {
    weights: Vec<EventWeight>,
    lookup: hashbrown::HashMap<Box<str>, usize>,
    as_of: i64,
    decay_per_day: f64,
    dwell_points_per_second: f64,
    dwell_cap_s: f64,
    saturation: f64,
}

impl LeadScorer {
    pub fn new(rules: &LeadScoreRules, as_of: i64) -> Self {
        Self {
            weights: rules.events.values().copied().collect(),
            lookup: rules
                .events
                .keys()
                .enumerate()
                .map(|(i, k)| (k.as_str().into(), i))
                .collect(),
            as_of,
            decay_per_day: std::f64::consts::LN_2 / rules.half_life_days,
            dwell_points_per_second: rules.dwell_points_per_minute / 60.0,
            dwell_cap_s: rules.dwell_cap_s,
            saturation: rules.saturation,
        }
    }

    /// Sums kept per person: one per scored type.
    pub fn types(&self) -> usize {
        self.weights.len()
    }

    /// Which sum an event type adds to; `None` for types that do not score.
    #[inline]
    pub fn slot(&self, event_type: &str) -> Option<usize> {
        self.lookup.get(event_type).copied()
    }

    /// The decayed points of one event of type `slot`; `None` for an event
    /// after `as_of` (not seen yet).
    #[inline]
    pub fn points(&self, slot: usize, ts: i64, dwell_s: Option<f64>) -> Option<f64> {
        if ts > self.as_of {
            return None;
        }
        let age_days = (self.as_of - ts) as f64 / DAY_US;
        // NaN is no measurement, as NULL: no extra points (clamp would keep
        // it NaN and poison the sum). An infinite dwell reaches the cap.
        let dwell = dwell_s
            .filter(|d| !d.is_nan())
            .map_or(0.0, |d| d.clamp(0.0, self.dwell_cap_s))
            * self.dwell_points_per_second;
        Some((self.weights[slot].weight + dwell) * (-self.decay_per_day * age_days).exp())
    }

    /// The score of one person's per-type sums: capped, summed, saturated,
    /// rounded to 0.1.
    pub fn score(&self, sums: &[f64]) -> f64 {
        let capped: f64 = sums.iter().zip(&self.weights).map(|(s, w)| s.min(w.cap)).sum();
        let score = 100.0 * (1.0 - (-capped / self.saturation).exp());
        // Below 100 whatever the input: the top is for no single behaviour.
        ((score * 10.0).floor() / 10.0).min(99.9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(events: &[(&str, f64, Option<f64>)]) -> f64 {
        let as_of = 1_000 * DAY_US as i64;
        let scorer = LeadScorer::new(&LeadScoreRules::default(), as_of);
        let mut sums = vec![0.0; scorer.types()];
        for (event, days_ago, dwell) in events {
            if let Some(slot) = scorer.slot(event) {
                if let Some(p) = scorer.points(slot, as_of - (days_ago * DAY_US) as i64, *dwell) {
                    sums[slot] += p;
                }
            }
        }
        scorer.score(&sums)
    }

    #[test]
    fn weights_decay_and_saturation() {
        // One leave_info today: 10 points -> 100 * (1 - e^-0.2).
        assert_eq!(score(&[("leave_info", 0.0, None)]), 18.1);
        // Thirty days later it is worth half.
        assert_eq!(score(&[("leave_info", 30.0, None)]), 9.5);
        // Dwell adds up to 2.5 points (5 minutes at 0.5 a minute).
        assert_eq!(score(&[("view_content", 0.0, Some(10_000.0))]), 6.7);
        assert_eq!(score(&[("unknown", 0.0, None)]), 0.0);
        assert_eq!(
            score(&[("leave_info", -1.0, None)]),
            0.0,
            "future events do not count"
        );
        // A bot's 10,000 views stop at the view cap.
        let bot: Vec<(&str, f64, Option<f64>)> =
            (0..10_000).map(|_| ("view_content", 0.0, Some(600.0))).collect();
        assert_eq!(score(&bot), 32.9);
        // Everything at once stays below 100.
        let all: Vec<(&str, f64, Option<f64>)> = [
            "view_content",
            "share",
            "leave_info",
            "store_visit",
            "test_drive",
            "survey",
        ]
        .iter()
        .flat_map(|e| std::iter::repeat_n((*e, 0.0, None), 100))
        .collect();
        assert!(score(&all) < 100.0);
    }

    #[test]
    fn weights_json() {
        let rules = LeadScoreRules::from_json(
            r#"{"events": {"booking": {"weight": 20, "cap": 40}}, "half_life_days": 7}"#,
        )
        .unwrap();
        assert_eq!(rules.events["booking"].cap, 40.0);
        assert_eq!(rules.events["share"].weight, 3.0);
        assert_eq!(rules.half_life_days, 7.0);
        for (json, expected) in [
            (r#"{"halflife": 3}"#, "unknown key `halflife`"),
            (
                r#"{"saturation": -1}"#,
                "`saturation` must be a non-negative number",
            ),
            (r#"{"half_life_days": 0}"#, "must be above 0"),
            (r#"{"events": {"x": {"weight": 1}}}"#, "missing field `cap`"),
            ("[]", "expected an object"),
        ] {
            let error = LeadScoreRules::from_json(json).unwrap_err();
            assert!(error.contains(expected), "{json}: {error}");
        }
    }
}
