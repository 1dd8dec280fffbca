//! The Chinese dealer lead grades: H (buys within 7 days), A (15), B (30),
//! C (later), and N (new, not yet graded), O (ordered), F (lost, 战败).

use serde::Deserialize;

/// Lower bounds of the score grades (H >= h, A >= a, B >= b, else C).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreThresholds {
    #[serde(rename = "H")]
    pub h: f64,
    #[serde(rename = "A")]
    pub a: f64,
    #[serde(rename = "B")]
    pub b: f64,
}

impl Default for ScoreThresholds {
    fn default() -> Self {
        Self {
            h: 80.0,
            a: 60.0,
            b: 40.0,
        }
    }
}

/// Upper bounds of expected days to purchase (H <= h, A <= a, B <= b, else C).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayThresholds {
    #[serde(rename = "H")]
    pub h: f64,
    #[serde(rename = "A")]
    pub a: f64,
    #[serde(rename = "B")]
    pub b: f64,
}

impl Default for DayThresholds {
    fn default() -> Self {
        Self {
            h: 7.0,
            a: 15.0,
            b: 30.0,
        }
    }
}

fn parse<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, String> {
    serde_json::from_str(json).map_err(|e| format!("invalid thresholds JSON: {e}"))
}

impl ScoreThresholds {
    pub fn from_json(json: &str) -> Result<Self, String> {
        let t: Self = parse(json)?;
        if !(100.0 >= t.h && t.h >= t.a && t.a >= t.b && t.b >= 0.0) {
            return Err("invalid thresholds JSON: expected 100 >= H >= A >= B >= 0".to_string());
        }
        Ok(t)
    }

    pub fn grade(&self, score: f64) -> char {
        match score {
            s if s >= self.h => 'H',
            s if s >= self.a => 'A',
            s if s >= self.b => 'B',
            _ => 'C',
        }
    }
}

impl DayThresholds {
    pub fn from_json(json: &str) -> Result<Self, String> {
        let t: Self = parse(json)?;
        if !(0.0 <= t.h && t.h <= t.a && t.a <= t.b) {
            return Err("invalid thresholds JSON: expected 0 <= H <= A <= B".to_string());
        }
        Ok(t)
    }

    pub fn grade(&self, days: f64) -> char {
        match days {
            d if d <= self.h => 'H',
            d if d <= self.a => 'A',
            d if d <= self.b => 'B',
            _ => 'C',
        }
    }
}

/// What the caller knows of a lead beyond its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadStatus {
    /// Still open: graded by score or days (N when there is none).
    Open,
    New,
    Ordered,
    Lost,
}

impl LeadStatus {
    pub const NAMES: [&'static str; 4] = ["open", "new", "ordered", "lost"];

    /// Parses a status (case-insensitive); `None` for an unknown one.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "open" => Some(Self::Open),
            "new" => Some(Self::New),
            "ordered" => Some(Self::Ordered),
            "lost" => Some(Self::Lost),
            _ => None,
        }
    }

    /// The grade letter: N, O, F for those statuses, else `graded`.
    pub fn letter(self, graded: Option<char>) -> char {
        match self {
            Self::New => 'N',
            Self::Ordered => 'O',
            Self::Lost => 'F',
            Self::Open => graded.unwrap_or('N'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_boundaries() {
        let s = ScoreThresholds::default();
        assert_eq!(
            [100.0, 80.0, 79.9, 60.0, 59.9, 40.0, 39.9, 0.0].map(|x| s.grade(x)),
            ['H', 'H', 'A', 'A', 'B', 'B', 'C', 'C']
        );
        let d = DayThresholds::default();
        assert_eq!(
            [0.0, 7.0, 7.5, 15.0, 16.0, 30.0, 31.0].map(|x| d.grade(x)),
            ['H', 'H', 'A', 'A', 'B', 'B', 'C']
        );
        assert_eq!(LeadStatus::Ordered.letter(Some('H')), 'O');
        assert_eq!(LeadStatus::Open.letter(None), 'N');
        assert_eq!(LeadStatus::parse("LOST"), Some(LeadStatus::Lost));
        assert_eq!(LeadStatus::parse("won"), None);
    }

    #[test]
    fn thresholds_json() {
        assert_eq!(
            ScoreThresholds::from_json(r#"{"H": 90, "A": 70, "B": 50}"#)
                .unwrap()
                .h,
            90.0
        );
        assert!(
            ScoreThresholds::from_json(r#"{"H": 50, "A": 70, "B": 10}"#)
                .unwrap_err()
                .contains("H >= A")
        );
        assert!(
            ScoreThresholds::from_json(r#"{"H": 90, "A": 70}"#)
                .unwrap_err()
                .contains("missing field `B`")
        );
        assert!(
            DayThresholds::from_json(r#"{"H": 3, "A": 10, "B": 20, "C": 40}"#)
                .unwrap_err()
                .contains("unknown field `C`")
        );
    }
}
