//! The rules of identity resolution, as users write them in JSON.

use std::collections::BTreeMap;

use regex_automata::Input;
use regex_automata::meta::{Cache, Regex};
use serde::Deserialize;

/// How one identifier type takes part in merging.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeRule {
    /// Lower is stronger: links through strong identifiers are applied first,
    /// and an identifier of a strong type anchors its person's `one_id`.
    #[serde(default = "default_priority")]
    pub priority: u32,
    /// A person holds at most this many identifiers of the type; a merge that
    /// would exceed it is refused.
    #[serde(default)]
    pub max_per_person: Option<u32>,
    /// An identifier of the type found on more distinct records of one
    /// source than this is `shared`; when not given, the rules' top-level
    /// `max_records_per_identifier`.
    #[serde(default)]
    pub max_records_per_identifier: Option<u32>,
}

fn default_priority() -> u32 {
    DEFAULT_PRIORITY
}

/// The priority of types the rules do not name.
pub const DEFAULT_PRIORITY: u32 = 100;
/// Identifiers linked to more distinct identifiers than this are `shared`.
pub const DEFAULT_MAX_IDENTIFIER_DEGREE: u32 = 50;
/// Identifiers linked to more distinct identifiers of one type than this are
/// `shared`: a person's phone meets one or two devices, a salesperson's
/// phone meets every customer's openid.
pub const DEFAULT_MAX_LINKS_PER_TYPE: u32 = 5;
/// Identifiers found on more distinct records of one (non-event) source than
/// this are `shared`. A customer's phone sits on a CRM record, a few leads
/// and a few orders; a salesperson's phone typed into walk-in leads sits on
/// dozens of leads, most of which carry nothing else to tell it apart.
pub const DEFAULT_MAX_RECORDS_PER_IDENTIFIER: u32 = 30;
/// The record limit for an identifier found in one source only.
pub const DEFAULT_MAX_RECORDS_UNCONFIRMED: u32 = 5;
/// A limit of this or more is no limit (counts saturate at one byte).
pub const NO_LIMIT: u32 = u8::MAX as u32;

/// Sources whose records are events rather than customer-master records: a
/// device meets an account once per login, so counting their records says
/// nothing about how many persons hold an identifier.
fn default_event_sources() -> Vec<String> {
    ["app", "app_events", "app_logins", "events"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Junk values that identify nobody.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockList {
    /// Exact values (compared after trimming, case-insensitively).
    #[serde(default)]
    pub values: Vec<String>,
    /// Regular expressions matched against the whole value.
    #[serde(default)]
    pub patterns: Vec<String>,
}

/// The whole rule set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default = "default_types")]
    pub types: BTreeMap<String, TypeRule>,
    #[serde(default = "default_degree")]
    pub max_identifier_degree: u32,
    #[serde(default = "default_links_per_type")]
    pub max_links_per_type: u32,
    /// The default of [`TypeRule::max_records_per_identifier`].
    #[serde(default = "default_records_per_identifier")]
    pub max_records_per_identifier: u32,
    /// The record limit for an identifier that only one counted source
    /// holds: nothing else confirms it. At most `max_records_per_identifier`.
    #[serde(default = "default_records_unconfirmed")]
    pub max_records_unconfirmed: u32,
    /// Sources (the query's `source` column) whose records are not counted
    /// for `max_records_per_identifier`.
    #[serde(default = "default_event_sources")]
    pub event_sources: Vec<String>,
    /// An identifier whose records carry more identifiers of one type than
    /// a person may hold (`max_per_person`) is `shared`: its records
    /// disagree on who it is.
    #[serde(default = "default_shared_on_conflict")]
    pub shared_on_conflict: bool,
    /// An identifier whose records carry the names of several persons is
    /// `shared` (read only when the query returns a `name` column; see
    /// [`crate::identity::evidence::shared_by_names`]).
    #[serde(default = "default_shared_on_name_disagreement")]
    pub shared_on_name_disagreement: bool,
    #[serde(default = "default_block")]
    pub block: BlockList,
}

fn default_degree() -> u32 {
    DEFAULT_MAX_IDENTIFIER_DEGREE
}

fn default_links_per_type() -> u32 {
    DEFAULT_MAX_LINKS_PER_TYPE
}

fn default_records_per_identifier() -> u32 {
    DEFAULT_MAX_RECORDS_PER_IDENTIFIER
}

fn default_records_unconfirmed() -> u32 {
    DEFAULT_MAX_RECORDS_UNCONFIRMED
}

fn default_shared_on_conflict() -> bool {
    true
}

fn default_shared_on_name_disagreement() -> bool {
    true
}

fn rule(priority: u32, max_per_person: Option<u32>) -> TypeRule {
    TypeRule {
        priority,
        max_per_person,
        max_records_per_identifier: None,
    }
}

/// The defaults, tuned for automotive CDP sources.
pub fn default_types() -> BTreeMap<String, TypeRule> {
    // A CRM id is on its customer's every order, a VIN on its car's every
    // order and service visit: record counts say nothing about them.
    let unlimited_records = |rule: TypeRule| TypeRule {
        max_records_per_identifier: Some(NO_LIMIT),
        ..rule
    };
    [
        ("crm_id", unlimited_records(rule(10, Some(1)))),
        ("vin", unlimited_records(rule(20, Some(5)))),
        ("phone", rule(30, Some(3))),
        ("email", rule(40, Some(3))),
        ("wechat_openid", rule(50, Some(2))),
        ("account_id", rule(60, Some(1))),
        ("device_id", rule(70, Some(5))),
    ]
    .into_iter()
    .map(|(name, rule)| (name.to_string(), rule))
    .collect()
}

fn default_block() -> BlockList {
    BlockList {
        values: [
            "",
            "unknown",
            "null",
            "none",
            "n/a",
            "na",
            "-",
            "0",
            "无",
            "未知",
            "test",
            "00000000-0000-0000-0000-000000000000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        // All zeros, with or without dashes: unset device and advertising ids.
        patterns: vec![r"^[0-]+$".to_string()],
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            types: default_types(),
            max_identifier_degree: DEFAULT_MAX_IDENTIFIER_DEGREE,
            max_links_per_type: DEFAULT_MAX_LINKS_PER_TYPE,
            max_records_per_identifier: DEFAULT_MAX_RECORDS_PER_IDENTIFIER,
            max_records_unconfirmed: DEFAULT_MAX_RECORDS_UNCONFIRMED,
            event_sources: default_event_sources(),
            shared_on_conflict: true,
            shared_on_name_disagreement: true,
            block: default_block(),
        }
    }
}

impl Rules {
    /// Parses rules JSON. Keys given replace the defaults of the same name;
    /// `types` entries are merged into the default types.
    pub fn from_json(json: &str) -> Result<Rules, String> {
        /// A type's fields as given; those not given keep the type's default.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct PartialType {
            priority: Option<u32>,
            max_per_person: Option<u32>,
            max_records_per_identifier: Option<u32>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Partial {
            #[serde(default)]
            types: BTreeMap<String, PartialType>,
            max_identifier_degree: Option<u32>,
            max_links_per_type: Option<u32>,
            max_records_per_identifier: Option<u32>,
            max_records_unconfirmed: Option<u32>,
            event_sources: Option<Vec<String>>,
            shared_on_conflict: Option<bool>,
            shared_on_name_disagreement: Option<bool>,
            block: Option<BlockList>,
        }
        let partial: Partial = serde_json::from_str(json).map_err(|e| format!("invalid rules JSON: {e}"))?;
        let mut rules = Rules::default();
        for (name, given) in partial.types {
            let rule = rules
                .types
                .entry(name)
                .or_insert_with(|| rule(DEFAULT_PRIORITY, None));
            rule.priority = given.priority.unwrap_or(rule.priority);
            rule.max_per_person = given.max_per_person.or(rule.max_per_person);
            rule.max_records_per_identifier = given
                .max_records_per_identifier
                .or(rule.max_records_per_identifier);
        }
        // Each limit given replaces its default; none may be 0.
        for (name, given, limit) in [
            (
                "max_identifier_degree",
                partial.max_identifier_degree,
                &mut rules.max_identifier_degree,
            ),
            (
                "max_links_per_type",
                partial.max_links_per_type,
                &mut rules.max_links_per_type,
            ),
            (
                "max_records_per_identifier",
                partial.max_records_per_identifier,
                &mut rules.max_records_per_identifier,
            ),
            (
                "max_records_unconfirmed",
                partial.max_records_unconfirmed,
                &mut rules.max_records_unconfirmed,
            ),
        ] {
            match given {
                Some(0) => return Err(format!("invalid rules JSON: {name} must be at least 1")),
                Some(value) => *limit = value,
                None => {}
            }
        }
        if let Some(sources) = partial.event_sources {
            rules.event_sources = sources;
        }
        if let Some(on_conflict) = partial.shared_on_conflict {
            rules.shared_on_conflict = on_conflict;
        }
        if let Some(on_names) = partial.shared_on_name_disagreement {
            rules.shared_on_name_disagreement = on_names;
        }
        if let Some(block) = partial.block {
            rules.block = block;
        }
        for (name, rule) in &rules.types {
            if rule.max_per_person == Some(0) {
                return Err(format!(
                    "invalid rules JSON: types.{name}.max_per_person must be at least 1"
                ));
            }
            if rule.max_records_per_identifier == Some(0) {
                return Err(format!(
                    "invalid rules JSON: types.{name}.max_records_per_identifier must be at least 1"
                ));
            }
        }
        rules.compile_block_list()?;
        Ok(rules)
    }

    pub fn priority(&self, id_type: &str) -> u32 {
        self.types.get(id_type).map_or(DEFAULT_PRIORITY, |r| r.priority)
    }

    pub fn max_per_person(&self, id_type: &str) -> Option<u32> {
        self.types.get(id_type).and_then(|r| r.max_per_person)
    }

    /// How many records of one source may hold an identifier of the type;
    /// `None` when there is no limit.
    pub fn max_records(&self, id_type: &str) -> Option<u32> {
        let limit = self
            .types
            .get(id_type)
            .and_then(|r| r.max_records_per_identifier)
            .unwrap_or(self.max_records_per_identifier);
        (limit < NO_LIMIT).then_some(limit)
    }

    /// Whether a source's records are counted for `max_records_per_identifier`.
    pub fn counts_records_of(&self, source: &str) -> bool {
        !self.event_sources.iter().any(|s| s == source)
    }

    /// The block list as a matcher.
    pub fn compile_block_list(&self) -> Result<BlockMatcher, String> {
        let patterns = self
            .block
            .patterns
            .iter()
            .map(|p| Regex::new(p).map_err(|e| format!("invalid rules JSON: block pattern '{p}': {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let caches = patterns.iter().map(Regex::create_cache).collect();
        let values: std::collections::HashSet<String> = self
            .block
            .values
            .iter()
            .map(|v| v.trim().to_lowercase())
            .collect();
        Ok(BlockMatcher {
            value_lengths: values
                .iter()
                .fold(0u128, |lengths, v| lengths | length_bit(v.len())),
            values,
            patterns,
            caches,
        })
    }
}

pub struct BlockMatcher {
    /// Trimmed and lowercased.
    values: std::collections::HashSet<String>,
    /// Bit `n` set when a listed value has `n` bytes; bit 127 stands for
    /// every length from 127 on.
    value_lengths: u128,
    patterns: Vec<Regex>,
    /// One search cache per pattern, owned: `regex::Regex` shares a pool of
    /// them, and its slow path (any thread but the first) showed in profiles.
    caches: Vec<Cache>,
}

/// The bit of [`BlockMatcher::value_lengths`] for a length.
fn length_bit(len: usize) -> u128 {
    1u128 << len.min(127)
}

/// ASCII values up to this length are lowercased on the stack.
const FOLD_BUFFER: usize = 64;

impl BlockMatcher {
    /// Whether a value is junk. Called once per distinct identifier, so it
    /// allocates only for non-ASCII values that could be on the list.
    pub fn is_blocked(&mut self, value: &str) -> bool {
        let trimmed = value.trim();
        self.is_listed(trimmed)
            || self
                .patterns
                .iter()
                .zip(&mut self.caches)
                .any(|(pattern, cache)| pattern.search_with(cache, &Input::new(trimmed)).is_some())
    }

    /// [`Self::is_blocked`] for a value already lowercased and trimmed (a
    /// normalised name): nothing to allocate, whatever its script.
    pub fn is_blocked_normalized(&mut self, value: &str) -> bool {
        (self.value_lengths & length_bit(value.len()) != 0 && self.values.contains(value))
            || self
                .patterns
                .iter()
                .zip(&mut self.caches)
                .any(|(pattern, cache)| pattern.search_with(cache, &Input::new(value)).is_some())
    }

    fn is_listed(&self, trimmed: &str) -> bool {
        if !trimmed.is_ascii() {
            // Lowercasing may change the length of non-ASCII text.
            return self.values.contains(&trimmed.to_lowercase());
        }
        // Most identifiers have a length no listed value has.
        if self.value_lengths & length_bit(trimmed.len()) == 0 {
            return false;
        }
        if trimmed.len() > FOLD_BUFFER {
            return self.values.contains(&trimmed.to_ascii_lowercase());
        }
        let mut buffer = [0u8; FOLD_BUFFER];
        let folded = &mut buffer[..trimmed.len()];
        folded.copy_from_slice(trimmed.as_bytes());
        folded.make_ascii_lowercase();
        // ASCII in, ASCII out.
        std::str::from_utf8(folded).is_ok_and(|folded| self.values.contains(folded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_overrides_defaults() {
        let rules = Rules::from_json(r#"{"types": {"phone": {"priority": 5, "max_per_person": 1}, "loyalty_card": {"priority": 15}}, "max_identifier_degree": 9}"#).unwrap();
        assert_eq!(rules.priority("phone"), 5);
        assert_eq!(rules.max_per_person("phone"), Some(1));
        assert_eq!(rules.priority("loyalty_card"), 15);
        assert_eq!(rules.max_per_person("loyalty_card"), None);
        assert_eq!(rules.priority("crm_id"), 10);
        assert_eq!(rules.priority("never_named"), DEFAULT_PRIORITY);
        assert_eq!(rules.max_identifier_degree, 9);
        assert_eq!(
            rules.max_records("phone"),
            Some(DEFAULT_MAX_RECORDS_PER_IDENTIFIER)
        );
        assert_eq!(rules.max_records("crm_id"), None);
        assert!(rules.shared_on_conflict);
        assert!(!rules.counts_records_of("app") && rules.counts_records_of("lead"));
    }

    #[test]
    fn record_limits_per_type_and_event_sources() {
        let rules = Rules::from_json(
            r#"{"max_records_per_identifier": 30, "types": {"email": {"max_records_per_identifier": 5}, "phone": {"max_records_per_identifier": 300}}, "event_sources": ["web"], "shared_on_conflict": false}"#,
        )
        .unwrap();
        assert_eq!(rules.max_records("email"), Some(5));
        assert_eq!(rules.max_records("phone"), None, "255 or more is no limit");
        assert_eq!(rules.max_records("device_id"), Some(30));
        assert_eq!(
            rules.priority("email"),
            40,
            "fields not given keep the type's default"
        );
        assert_eq!(rules.max_per_person("email"), Some(3));
        assert!(rules.counts_records_of("app") && !rules.counts_records_of("web"));
        assert!(!rules.shared_on_conflict);
    }

    #[test]
    fn bad_json_is_explained() {
        for (json, expected) in [
            ("{", "invalid rules JSON"),
            (r#"{"max_degree": 3}"#, "unknown field `max_degree`"),
            (r#"{"types": {"phone": {"priority": "high"}}}"#, "invalid type"),
            (
                r#"{"types": {"phone": {"max_per_person": 0}}}"#,
                "types.phone.max_per_person must be at least 1",
            ),
            (r#"{"block": {"patterns": ["("]}}"#, "block pattern '('"),
            (
                r#"{"max_identifier_degree": 0}"#,
                "max_identifier_degree must be at least 1",
            ),
            (
                r#"{"max_records_per_identifier": 0}"#,
                "max_records_per_identifier must be at least 1",
            ),
            (
                r#"{"max_records_unconfirmed": 0}"#,
                "max_records_unconfirmed must be at least 1",
            ),
            (
                r#"{"max_links_per_type": 0}"#,
                "max_links_per_type must be at least 1",
            ),
            (
                r#"{"types": {"email": {"max_records_per_identifier": 0}}}"#,
                "types.email.max_records_per_identifier must be at least 1",
            ),
            (r#"{"shared_on_conflict": "yes"}"#, "invalid type"),
        ] {
            let err = Rules::from_json(json).unwrap_err();
            assert!(err.contains(expected), "{json}: {err}");
        }
    }

    #[test]
    fn junk_is_blocked() {
        let mut block = Rules::default().compile_block_list().unwrap();
        for junk in [
            "",
            " ",
            "Unknown",
            "NULL",
            "0000000",
            "00000000-0000-0000-0000-000000000000",
            "无",
        ] {
            assert!(block.is_blocked(junk), "{junk:?}");
        }
        for fine in ["+8613800138000", "CRM000000001", "a@b.cn"] {
            assert!(!block.is_blocked(fine), "{fine:?}");
        }
    }
}
