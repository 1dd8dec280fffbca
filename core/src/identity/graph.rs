//! One person's identity graph: its identifiers, the records that joined
//! them, and what else those records held. Rendered as Graphviz DOT or JSON
//! for a support agent's viewer.

use std::fmt::Write;

use serde::Serialize;

use super::resolve::Status;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphIdentifier {
    pub id_type: String,
    pub id_value: String,
    pub status: &'static str,
    /// False for identifiers that shared a record with the person but are
    /// not theirs (a shared demo tablet, a refused CRM id).
    pub in_person: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphRecord {
    pub record_id: String,
    /// Positions in [`PersonGraph::identifiers`].
    pub identifiers: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonGraph {
    pub one_id: i64,
    pub identifiers: Vec<GraphIdentifier>,
    pub records: Vec<GraphRecord>,
}

impl GraphIdentifier {
    pub fn new(id_type: &str, id_value: &str, status: Status, in_person: bool) -> Self {
        GraphIdentifier {
            id_type: id_type.to_string(),
            id_value: id_value.to_string(),
            status: status.as_str(),
            in_person,
        }
    }
}

fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl PersonGraph {
    /// Graphviz DOT: identifiers as boxes (dashed when not the person's),
    /// records as ellipses, an edge for each identifier a record holds.
    pub fn to_dot(&self) -> String {
        let mut dot = String::new();
        let _ = writeln!(dot, "graph person_{} {{", self.one_id);
        let _ = writeln!(
            dot,
            "  label={}; node [fontname=\"Helvetica\"];",
            quoted(&format!("one_id {}", self.one_id))
        );
        for (i, identifier) in self.identifiers.iter().enumerate() {
            let style = match (identifier.in_person, identifier.status) {
                (false, _) => ", style=dashed, color=gray",
                (true, "refused") => ", color=red",
                _ => "",
            };
            let label = format!(
                "{}\n{}\n({})",
                identifier.id_type, identifier.id_value, identifier.status
            );
            let _ = writeln!(dot, "  i{i} [shape=box, label={}{style}];", quoted(&label));
        }
        for (r, record) in self.records.iter().enumerate() {
            let _ = writeln!(
                dot,
                "  r{r} [shape=ellipse, label={}];",
                quoted(&record.record_id)
            );
            for i in &record.identifiers {
                let _ = writeln!(dot, "  r{r} -- i{i};");
            }
        }
        dot.push_str("}\n");
        dot
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_dot_and_json() {
        let graph = PersonGraph {
            one_id: 7,
            identifiers: vec![
                GraphIdentifier::new("crm_id", "C1", Status::Merged, true),
                GraphIdentifier::new("device_id", "TABLET \"S001\"", Status::Shared, false),
            ],
            records: vec![GraphRecord {
                record_id: "lead:1".to_string(),
                identifiers: vec![0, 1],
            }],
        };
        let dot = graph.to_dot();
        assert!(dot.starts_with("graph person_7 {"), "{dot}");
        assert!(dot.contains("i1 [shape=box, label=\"device_id\\nTABLET \\\"S001\\\"\\n(shared)\", style=dashed, color=gray];"), "{dot}");
        assert!(dot.contains("r0 -- i1;"), "{dot}");
        assert_eq!(
            graph.to_json(),
            r#"{"one_id":7,"identifiers":[{"id_type":"crm_id","id_value":"C1","status":"merged","in_person":true},{"id_type":"device_id","id_value":"TABLET \"S001\"","status":"shared","in_person":false}],"records":[{"record_id":"lead:1","identifiers":[0,1]}]}"#
        );
    }
}
