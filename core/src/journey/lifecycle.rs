//! A person's lifecycle stage from their events, as of one moment.
//!
//! Every event is folded into a fixed-size [`LifecycleState`] (latest time of
//! each milestone and a count of recent service visits), so an aggregate
//! keeps a few integers per person whatever the number of events.

use std::collections::BTreeMap;

use serde::Deserialize;

const DAY_US: i64 = 86_400_000_000;

/// What an event means for the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// Left contact details (留资).
    Lead,
    /// Came to a store or took a test drive.
    Visit,
    /// Ordered a car.
    Order,
    /// Took delivery of a car.
    Delivery,
    /// An after-sales service visit.
    Service,
    /// Any other activity (logins, content views): only shows the person is
    /// active.
    Activity,
}

/// The stages, in the order they are documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Anonymous,
    Lead,
    Prospect,
    Customer,
    Owner,
    Loyal,
    AtRisk,
    Churned,
    Replacement,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Anonymous => "anonymous",
            Stage::Lead => "lead",
            Stage::Prospect => "prospect",
            Stage::Customer => "customer",
            Stage::Owner => "owner",
            Stage::Loyal => "loyal",
            Stage::AtRisk => "at_risk",
            Stage::Churned => "churned",
            Stage::Replacement => "replacement",
        }
    }
}

/// The thresholds and the event vocabulary, as users write them in JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleRules {
    /// Event type → milestone. Entries are merged into the defaults; event
    /// types not named are `activity`.
    pub events: BTreeMap<String, Milestone>,
    pub lead_days: u32,
    pub prospect_days: u32,
    pub loyal_service_visits: u32,
    pub loyal_window_days: u32,
    pub at_risk_days: u32,
    pub churned_days: u32,
    pub replacement_car_age_days: u32,
    pub replacement_active_days: u32,
}

impl Default for LifecycleRules {
    fn default() -> Self {
        let events = [
            ("leave_info", Milestone::Lead),
            ("store_visit", Milestone::Visit),
            ("test_drive", Milestone::Visit),
            ("order", Milestone::Order),
            ("delivery", Milestone::Delivery),
            ("service", Milestone::Service),
        ]
        .into_iter()
        .map(|(name, milestone)| (name.to_string(), milestone))
        .collect();
        Self {
            events,
            lead_days: 365,
            prospect_days: 180,
            loyal_service_visits: 2,
            loyal_window_days: 548,
            at_risk_days: 270,
            churned_days: 365,
            replacement_car_age_days: 1095,
            replacement_active_days: 90,
        }
    }
}

impl LifecycleRules {
    /// Parses rules JSON; named events are added to (or override) the default
    /// vocabulary.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let invalid = |e: serde_json::Error| format!("invalid rules JSON: {e}");
        let value: serde_json::Value = serde_json::from_str(json).map_err(invalid)?;
        let Some(object) = value.as_object() else {
            return Err("invalid rules JSON: expected an object".to_string());
        };
        let mut rules = Self::default();
        let mut thresholds = serde_json::to_value(Thresholds::from(&rules)).map_err(invalid)?;
        for (key, value) in object {
            if key == "events" {
                let events: BTreeMap<String, Milestone> = serde_json::from_value(value.clone())
                    .map_err(|e| format!("invalid rules JSON: events: {e}"))?;
                rules.events.extend(events);
            } else if THRESHOLD_KEYS.contains(&key.as_str()) {
                thresholds[key] = value.clone();
            } else {
                return Err(format!(
                    "invalid rules JSON: unknown key `{key}`, expected `events`, {}",
                    THRESHOLD_KEYS.map(|k| format!("`{k}`")).join(", ")
                ));
            }
        }
        let thresholds: Thresholds = serde_json::from_value(thresholds).map_err(invalid)?;
        thresholds.apply(&mut rules);
        Ok(rules)
    }

    /// The milestone of an event type (`activity` when not named).
    pub fn milestone(&self, event_type: &str) -> Milestone {
        self.events
            .get(event_type)
            .copied()
            .unwrap_or(Milestone::Activity)
    }
}

const THRESHOLD_KEYS: [&str; 8] = [
    "lead_days",
    "prospect_days",
    "loyal_service_visits",
    "loyal_window_days",
    "at_risk_days",
    "churned_days",
    "replacement_car_age_days",
    "replacement_active_days",
];

/// The numeric part of the rules, for merging user keys over the defaults
/// with serde's type checks.
#[derive(serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Thresholds {
    lead_days: u32,
    prospect_days: u32,
    loyal_service_visits: u32,
    loyal_window_days: u32,
    at_risk_days: u32,
    churned_days: u32,
    replacement_car_age_days: u32,
    replacement_active_days: u32,
}

impl From<&LifecycleRules> for Thresholds {
    fn from(r: &LifecycleRules) -> Self {
        Self {
            lead_days: r.lead_days,
            prospect_days: r.prospect_days,
            loyal_service_visits: r.loyal_service_visits,
            loyal_window_days: r.loyal_window_days,
            at_risk_days: r.at_risk_days,
            churned_days: r.churned_days,
            replacement_car_age_days: r.replacement_car_age_days,
            replacement_active_days: r.replacement_active_days,
        }
    }
}

impl Thresholds {
    fn apply(self, r: &mut LifecycleRules) {
        r.lead_days = self.lead_days;
        r.prospect_days = self.prospect_days;
        r.loyal_service_visits = self.loyal_service_visits;
        r.loyal_window_days = self.loyal_window_days;
        r.at_risk_days = self.at_risk_days;
        r.churned_days = self.churned_days;
        r.replacement_car_age_days = self.replacement_car_age_days;
        r.replacement_active_days = self.replacement_active_days;
    }
}

/// "Never" for a milestone time.
pub const NEVER: i64 = i64::MIN;

/// One person's events folded: the latest time (µs) of each milestone, and
/// how many service visits fall in the loyalty window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifecycleState {
    pub lead: i64,
    pub visit: i64,
    pub order: i64,
    pub delivery: i64,
    pub service: i64,
    pub activity: i64,
    pub recent_services: u32,
}

impl Default for LifecycleState {
    fn default() -> Self {
        Self {
            lead: NEVER,
            visit: NEVER,
            order: NEVER,
            delivery: NEVER,
            service: NEVER,
            activity: NEVER,
            recent_services: 0,
        }
    }
}

/// The rules' event vocabulary as a hash table, for a lookup per row.
#[derive(Debug, Clone)]
pub struct MilestoneLookup {
    events: hashbrown::HashMap<Box<str>, Milestone>,
}

impl MilestoneLookup {
    pub fn new(rules: &LifecycleRules) -> Self {
        Self {
            events: rules
                .events
                .iter()
                .map(|(k, v)| (k.as_str().into(), *v))
                .collect(),
        }
    }

    #[inline]
    pub fn milestone(&self, event_type: &str) -> Milestone {
        self.events
            .get(event_type)
            .copied()
            .unwrap_or(Milestone::Activity)
    }
}

/// The rules and the moment they are applied at, turned into microsecond
/// bounds once.
#[derive(Debug, Clone)]
pub struct LifecycleClock {
    as_of: i64,
    lead_since: i64,
    prospect_since: i64,
    loyal_since: i64,
    at_risk_before: i64,
    churned_before: i64,
    replacement_delivered_before: i64,
    replacement_active_since: i64,
    loyal_service_visits: u32,
}

impl LifecycleClock {
    /// `as_of` in microseconds since the epoch.
    pub fn new(rules: &LifecycleRules, as_of: i64) -> Self {
        let ago = |days: u32| as_of.saturating_sub(days as i64 * DAY_US);
        Self {
            as_of,
            lead_since: ago(rules.lead_days),
            prospect_since: ago(rules.prospect_days),
            loyal_since: ago(rules.loyal_window_days),
            at_risk_before: ago(rules.at_risk_days),
            churned_before: ago(rules.churned_days),
            replacement_delivered_before: ago(rules.replacement_car_age_days),
            replacement_active_since: ago(rules.replacement_active_days),
            loyal_service_visits: rules.loyal_service_visits,
        }
    }

    /// Folds one event in; events after `as_of` are not seen yet and are
    /// skipped (returns false).
    #[inline]
    pub fn add(&self, state: &mut LifecycleState, milestone: Milestone, ts: i64) -> bool {
        if ts > self.as_of {
            return false;
        }
        let slot = match milestone {
            Milestone::Lead => &mut state.lead,
            Milestone::Visit => &mut state.visit,
            Milestone::Order => &mut state.order,
            Milestone::Delivery => &mut state.delivery,
            Milestone::Service => {
                state.recent_services += (ts >= self.loyal_since) as u32;
                &mut state.service
            }
            Milestone::Activity => &mut state.activity,
        };
        *slot = (*slot).max(ts);
        state.activity = state.activity.max(ts);
        true
    }

    /// Combines two partial states of the same person.
    pub fn merge(state: &mut LifecycleState, other: &LifecycleState) {
        state.lead = state.lead.max(other.lead);
        state.visit = state.visit.max(other.visit);
        state.order = state.order.max(other.order);
        state.delivery = state.delivery.max(other.delivery);
        state.service = state.service.max(other.service);
        state.activity = state.activity.max(other.activity);
        state.recent_services += other.recent_services;
    }

    /// The stage; the first rule that applies wins, in this order:
    /// customer, replacement, churned, at_risk, loyal, owner, prospect, lead,
    /// anonymous.
    pub fn stage(&self, s: &LifecycleState) -> Stage {
        if s.order != NEVER && s.order > s.delivery {
            return Stage::Customer;
        }
        if s.delivery != NEVER {
            if s.delivery <= self.replacement_delivered_before && s.activity >= self.replacement_active_since
            {
                return Stage::Replacement;
            }
            let last_seen = s.service.max(s.delivery);
            if last_seen <= self.churned_before {
                return Stage::Churned;
            }
            if last_seen <= self.at_risk_before {
                return Stage::AtRisk;
            }
            if s.recent_services >= self.loyal_service_visits {
                return Stage::Loyal;
            }
            return Stage::Owner;
        }
        if s.visit != NEVER && s.visit >= self.prospect_since {
            return Stage::Prospect;
        }
        if s.lead != NEVER && s.lead >= self.lead_since {
            return Stage::Lead;
        }
        Stage::Anonymous
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AS_OF: i64 = 1_000 * DAY_US;

    fn stage_of(events: &[(&str, i64)]) -> Stage {
        let rules = LifecycleRules::default();
        let clock = LifecycleClock::new(&rules, AS_OF);
        let mut state = LifecycleState::default();
        for (event, days_ago) in events {
            clock.add(&mut state, rules.milestone(event), AS_OF - days_ago * DAY_US);
        }
        clock.stage(&state)
    }

    #[test]
    fn buying_journey_stages() {
        assert_eq!(stage_of(&[]), Stage::Anonymous);
        assert_eq!(stage_of(&[("view_content", 1)]), Stage::Anonymous);
        assert_eq!(stage_of(&[("leave_info", 365)]), Stage::Lead);
        assert_eq!(stage_of(&[("leave_info", 366)]), Stage::Anonymous);
        assert_eq!(
            stage_of(&[("leave_info", 200), ("test_drive", 180)]),
            Stage::Prospect
        );
        assert_eq!(stage_of(&[("leave_info", 200), ("test_drive", 181)]), Stage::Lead);
        assert_eq!(stage_of(&[("test_drive", 30), ("order", 10)]), Stage::Customer);
    }

    #[test]
    fn ownership_stages() {
        assert_eq!(stage_of(&[("order", 100), ("delivery", 60)]), Stage::Owner);
        assert_eq!(
            stage_of(&[("delivery", 700), ("service", 549), ("service", 100)]),
            Stage::Owner
        );
        assert_eq!(
            stage_of(&[("delivery", 700), ("service", 548), ("service", 100)]),
            Stage::Loyal
        );
        assert_eq!(stage_of(&[("delivery", 600), ("service", 270)]), Stage::AtRisk);
        assert_eq!(stage_of(&[("delivery", 600), ("service", 269)]), Stage::Owner);
        assert_eq!(stage_of(&[("delivery", 900), ("service", 365)]), Stage::Churned);
        // A car 3 years old whose owner was active 90 days ago.
        assert_eq!(
            stage_of(&[("delivery", 1095), ("service", 400), ("login", 90)]),
            Stage::Replacement
        );
        assert_eq!(
            stage_of(&[("delivery", 1095), ("service", 400), ("login", 91)]),
            Stage::Churned
        );
        // An owner ordering the next car is a customer again.
        assert_eq!(stage_of(&[("delivery", 1200), ("order", 5)]), Stage::Customer);
    }

    #[test]
    fn future_events_are_skipped() {
        assert_eq!(stage_of(&[("leave_info", -1)]), Stage::Anonymous);
    }

    #[test]
    fn merge_is_the_same_as_one_pass() {
        let rules = LifecycleRules::default();
        let clock = LifecycleClock::new(&rules, AS_OF);
        let events = [
            ("delivery", 600),
            ("service", 500),
            ("service", 100),
            ("login", 3),
        ];
        let mut whole = LifecycleState::default();
        let (mut left, mut right) = (LifecycleState::default(), LifecycleState::default());
        for (k, (event, days_ago)) in events.iter().enumerate() {
            let ts = AS_OF - days_ago * DAY_US;
            clock.add(&mut whole, rules.milestone(event), ts);
            clock.add(
                if k % 2 == 0 { &mut left } else { &mut right },
                rules.milestone(event),
                ts,
            );
        }
        LifecycleClock::merge(&mut left, &right);
        assert_eq!(left, whole);
    }

    #[test]
    fn rules_json() {
        let rules =
            LifecycleRules::from_json(r#"{"events": {"maintenance": "service"}, "churned_days": 400}"#)
                .unwrap();
        assert_eq!(rules.milestone("maintenance"), Milestone::Service);
        assert_eq!(rules.milestone("service"), Milestone::Service);
        assert_eq!(rules.churned_days, 400);
        assert_eq!(rules.lead_days, 365);
        for (json, expected) in [
            (r#"{"churn_days": 1}"#, "unknown key `churn_days`"),
            (r#"{"churned_days": -1}"#, "invalid value"),
            (r#"{"events": {"x": "purchase"}}"#, "unknown variant `purchase`"),
            ("{", "EOF"),
        ] {
            let error = LifecycleRules::from_json(json).unwrap_err();
            assert!(error.contains(expected), "{json}: {error}");
        }
    }
}
