//! A function's declared argument table, as DataFusion's `Signature` or
//! SedonaDB's `ArgMatcher` declare theirs: the names, kinds and which are
//! optional. From it come the syntax the errors print, the count check, the
//! type coercion of scalar and aggregate functions and the literal
//! arguments of table functions, so no function hand-writes those.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, internal_err, plan_err};
use datafusion::logical_expr::Expr;

use super::constants::text_of;
use super::kind::ArgumentKind;

/// One declared argument.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parameter {
    name: &'static str,
    kind: ArgumentKind,
    optional: bool,
}

/// An argument every call gives.
pub(crate) const fn required(name: &'static str, kind: ArgumentKind) -> Parameter {
    Parameter {
        name,
        kind,
        optional: false,
    }
}

/// An argument a call may leave out; optional arguments come last.
pub(crate) const fn optional(name: &'static str, kind: ArgumentKind) -> Parameter {
    Parameter {
        name,
        kind,
        optional: true,
    }
}

/// The arguments of one function: a list, or one kind repeated (named
/// `cond1`, `cond2`, ...) from one to `max` times.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Parameters {
    List(&'static [Parameter]),
    Repeated {
        prefix: &'static str,
        kind: ArgumentKind,
        max: usize,
    },
}

impl Parameters {
    /// The call syntax the errors print: `(phone [, region])`.
    pub fn syntax(&self) -> String {
        match self {
            Parameters::List(list) => {
                let mut syntax = String::from("(");
                let mut open = 0;
                for (index, parameter) in list.iter().enumerate() {
                    if parameter.optional {
                        syntax.push_str(if index == 0 { "[" } else { " [, " });
                        open += 1;
                    } else if index > 0 {
                        syntax.push_str(", ");
                    }
                    syntax.push_str(parameter.name);
                }
                syntax.push_str(&"]".repeat(open));
                syntax.push(')');
                syntax
            }
            Parameters::Repeated { prefix, .. } => format!("({prefix}1 [, {prefix}2, ...])"),
        }
    }

    /// The name and kind of argument `index`.
    fn parameter(&self, index: usize) -> (String, ArgumentKind) {
        match self {
            Parameters::List(list) => (list[index].name.to_string(), list[index].kind),
            Parameters::Repeated { prefix, kind, .. } => (format!("{prefix}{}", index + 1), *kind),
        }
    }

    /// Fails unless a call with `count` arguments fits the table.
    pub fn check_count(&self, function: &str, count: usize) -> Result<()> {
        let (least, most) = match self {
            Parameters::List(list) => (list.iter().filter(|p| !p.optional).count(), list.len()),
            Parameters::Repeated { max, .. } => (1, *max),
        };
        if count < least || count > most {
            let range = match self {
                Parameters::Repeated { max, .. } => format!(" (1 to {max} arguments)"),
                Parameters::List(_) => String::new(),
            };
            return plan_err!(
                "{function}: expected {}{range}, got {count} arguments",
                self.syntax()
            );
        }
        Ok(())
    }

    /// The types a call's arguments are read as (`coerce_types` of a
    /// function with a user-defined signature).
    pub fn coerce(&self, function: &str, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.check_count(function, arg_types.len())?;
        arg_types
            .iter()
            .enumerate()
            .map(|(index, data_type)| {
                let (name, kind) = self.parameter(index);
                kind.coerce(function, &name, data_type)
            })
            .collect()
    }

    /// A table function's arguments, which must be string literals: the
    /// `R` required ones (not NULL), then the `O` optional ones (`None` when
    /// left out or NULL), in declared order.
    pub fn literals<const R: usize, const O: usize>(
        &self,
        function: &str,
        exprs: &[Expr],
    ) -> Result<([String; R], [Option<String>; O])> {
        self.check_count(function, exprs.len())?;
        let list = match self {
            Parameters::List(list) if list.len() == R + O && list[..R].iter().all(|p| !p.optional) => list,
            _ => {
                return internal_err!(
                    "{function}: its table does not declare {R} required and {O} optional arguments"
                );
            }
        };
        let mut texts = Vec::with_capacity(list.len());
        for (index, parameter) in list.iter().enumerate() {
            let text = match exprs.get(index) {
                None => None,
                Some(Expr::Literal(value, _)) if value.try_as_str().is_some() || value.is_null() => {
                    text_of(function, parameter.name, value)?.map(str::to_string)
                }
                Some(other) => {
                    return plan_err!(
                        "{function}: argument '{}' must be a string literal, got {other}",
                        parameter.name
                    );
                }
            };
            texts.push(text);
        }
        let mut texts = texts.into_iter();
        let mut required = Vec::with_capacity(R);
        for parameter in &list[..R] {
            match texts.next().flatten() {
                Some(text) => required.push(text),
                None => return plan_err!("{function}: argument '{}' must not be NULL", parameter.name),
            }
        }
        let optional: Vec<Option<String>> = texts.collect();
        Ok((
            required.try_into().expect("R values, counted above"),
            optional.try_into().expect("O values, counted above"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ArgumentKind::*;

    const GRADE: Parameters = Parameters::List(&[
        required("score", Number),
        optional("status", Utf8),
        optional("thresholds_json", Text),
    ]);

    #[test]
    fn the_syntax_nests_optional_arguments() {
        assert_eq!(GRADE.syntax(), "(score [, status [, thresholds_json]])");
        assert_eq!(Parameters::List(&[]).syntax(), "()");
        let repeated = Parameters::Repeated {
            prefix: "cond",
            kind: Condition,
            max: 32,
        };
        assert_eq!(repeated.syntax(), "(cond1 [, cond2, ...])");
    }

    #[test]
    fn counts_and_kinds_are_checked_in_order() {
        let types = GRADE
            .coerce("lead_grade", &[DataType::Int32, DataType::Utf8View])
            .unwrap();
        assert_eq!(types, [DataType::Float64, DataType::Utf8]);
        let error = GRADE.coerce("lead_grade", &[]).unwrap_err().to_string();
        assert!(
            error.contains("lead_grade: expected (score [, status [, thresholds_json]]), got 0 arguments")
        );
        let error = GRADE
            .coerce("lead_grade", &[DataType::Int32, DataType::Int32])
            .unwrap_err()
            .to_string();
        assert!(error.contains("lead_grade: argument 'status' must be a string, got Int32"));
    }

    #[test]
    fn literals_must_be_strings_and_required_ones_not_null() {
        use datafusion::common::ScalarValue;
        use datafusion::prelude::lit;
        const CALL: Parameters = Parameters::List(&[required("query", Text), optional("rules_json", Text)]);
        let (required, optional) = CALL.literals::<1, 1>("f", &[lit("SELECT 1")]).unwrap();
        assert_eq!((required, optional), (["SELECT 1".to_string()], [None]));
        let error = CALL.literals::<1, 1>("f", &[lit(1)]).unwrap_err().to_string();
        assert!(
            error.contains("f: argument 'query' must be a string literal, got Int32(1)"),
            "{error}"
        );
        let error = CALL
            .literals::<1, 1>("f", &[lit(ScalarValue::Utf8(None))])
            .unwrap_err()
            .to_string();
        assert!(error.contains("f: argument 'query' must not be NULL"), "{error}");
    }
}
