//! Tag vectors: the tags of a lead or an advisor, read from an Arrow list of
//! strings (each tag weighs 1) or a map of tag to weight, as sparse vectors
//! over one numbering of the tags both sides use.
//!
//! Tags are compared after trimming and ASCII case folding (`' SUV'` is
//! `'suv'`): tags come from several systems typed by hand, and a case or a
//! space must not decide whom a lead goes to.

use arrow::array::{Array, ArrayRef, AsArray, GenericListArray, OffsetSizeTrait};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use hashbrown::HashMap;

/// One numbering of tag names, shared by the vectors compared.
#[derive(Default)]
pub struct TagNumbers {
    numbers: HashMap<String, u32>,
}

impl TagNumbers {
    fn number(&mut self, tag: &str) -> u32 {
        let tag = tag.trim();
        let next = self.numbers.len() as u32;
        if tag.bytes().any(|b| b.is_ascii_uppercase()) {
            *self.numbers.entry(tag.to_ascii_lowercase()).or_insert(next)
        } else if let Some(&n) = self.numbers.get(tag) {
            n
        } else {
            self.numbers.insert(tag.to_string(), next);
            next
        }
    }

    /// How many distinct tags were numbered.
    pub fn count(&self) -> usize {
        self.numbers.len()
    }
}

/// Rows of sparse tag vectors: row `r` holds `tags[offsets[r]..offsets[r+1]]`
/// with their `weights`, sorted by tag number, each tag once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TagVectors {
    offsets: Vec<usize>,
    tags: Vec<u32>,
    weights: Vec<f64>,
    /// NULL rows (a NULL list or map); they have no tags.
    nulls: Vec<bool>,
}

/// Whether an Arrow type holds tags: a list of strings, or a map from
/// strings to numbers.
pub fn is_tag_type(data_type: &DataType) -> bool {
    match data_type {
        DataType::List(item) | DataType::LargeList(item) => {
            item.data_type().is_string() || item.data_type().is_null()
        }
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(fields) if fields.len() == 2 => {
                fields[0].data_type().is_string() && fields[1].data_type().is_numeric()
            }
            _ => false,
        },
        DataType::Null => true,
        _ => false,
    }
}

/// What a tag argument must be, as errors say it.
pub const TAG_TYPES: &str = "a list of strings or a map of string to number";

impl TagVectors {
    /// Reads a tag column. Lists weigh each tag 1 and count a repeated tag
    /// once; maps add the weights of a repeated tag and skip NULL weights. A
    /// negative or non-finite weight is an error.
    pub fn from_arrow(array: &ArrayRef, numbers: &mut TagNumbers) -> Result<TagVectors, String> {
        let mut vectors = TagVectors {
            offsets: Vec::with_capacity(array.len() + 1),
            ..Default::default()
        };
        vectors.offsets.push(0);
        match array.data_type() {
            DataType::List(_) => vectors.read_list(array.as_list::<i32>(), numbers)?,
            DataType::LargeList(_) => vectors.read_list(array.as_list::<i64>(), numbers)?,
            DataType::Map(_, _) => vectors.read_map(array, numbers)?,
            DataType::Null => {
                for _ in 0..array.len() {
                    vectors.nulls.push(true);
                    vectors.offsets.push(0);
                }
            }
            other => return Err(format!("expected {TAG_TYPES}, got {other}")),
        }
        Ok(vectors)
    }

    fn read_list<O: OffsetSizeTrait>(
        &mut self,
        list: &GenericListArray<O>,
        numbers: &mut TagNumbers,
    ) -> Result<(), String> {
        let values = cast(list.values(), &DataType::Utf8).map_err(|e| e.to_string())?;
        let values = values.as_string::<i32>();
        let offsets = list.value_offsets();
        for row in 0..list.len() {
            self.nulls.push(list.is_null(row));
            if !list.is_null(row) {
                for i in offsets[row].as_usize()..offsets[row + 1].as_usize() {
                    if values.is_valid(i) {
                        self.tags.push(numbers.number(values.value(i)));
                        self.weights.push(1.0);
                    }
                }
            }
            self.close_row(false);
        }
        Ok(())
    }

    fn read_map(&mut self, array: &ArrayRef, numbers: &mut TagNumbers) -> Result<(), String> {
        let map = array.as_map();
        let keys = cast(map.keys(), &DataType::Utf8).map_err(|e| e.to_string())?;
        let keys = keys.as_string::<i32>();
        let weights = cast(map.values(), &DataType::Float64).map_err(|e| e.to_string())?;
        let weights = weights.as_primitive::<Float64Type>();
        let offsets = map.value_offsets();
        for row in 0..map.len() {
            self.nulls.push(map.is_null(row));
            if !map.is_null(row) {
                for i in offsets[row] as usize..offsets[row + 1] as usize {
                    if weights.is_null(i) || keys.is_null(i) {
                        continue;
                    }
                    let weight = weights.value(i);
                    if !(weight.is_finite() && weight >= 0.0) {
                        return Err(format!(
                            "the weight of tag '{}' is {weight}; weights must be finite and not negative",
                            keys.value(i)
                        ));
                    }
                    self.tags.push(numbers.number(keys.value(i)));
                    self.weights.push(weight);
                }
            }
            self.close_row(true);
        }
        Ok(())
    }

    /// Sorts the row just read by tag and merges repeats: added when
    /// `add_repeats` (map weights), else kept once (list tags).
    fn close_row(&mut self, add_repeats: bool) {
        let start = *self.offsets.last().unwrap();
        let mut row: Vec<(u32, f64)> = self.tags[start..]
            .iter()
            .copied()
            .zip(self.weights[start..].iter().copied())
            .collect();
        row.sort_unstable_by_key(|&(t, _)| t);
        self.tags.truncate(start);
        self.weights.truncate(start);
        for (tag, weight) in row {
            if self.tags.len() > start && *self.tags.last().unwrap() == tag {
                if add_repeats {
                    *self.weights.last_mut().unwrap() += weight;
                }
            } else {
                self.tags.push(tag);
                self.weights.push(weight);
            }
        }
        self.offsets.push(self.tags.len());
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether row `r` was NULL.
    pub fn is_null(&self, r: usize) -> bool {
        self.nulls[r]
    }

    /// Row `r`'s tags and weights.
    pub fn row(&self, r: usize) -> (&[u32], &[f64]) {
        let range = self.offsets[r]..self.offsets[r + 1];
        (&self.tags[range.clone()], &self.weights[range])
    }

    /// Multiplies every weight by its tag's factor.
    pub fn scale(&mut self, factor: &[f64]) {
        for (weight, &tag) in self.weights.iter_mut().zip(&self.tags) {
            *weight *= factor[tag as usize];
        }
    }

    /// Adds to `counts[tag]` the number of rows holding each tag.
    pub fn count_rows_per_tag(&self, counts: &mut Vec<usize>) {
        for &tag in &self.tags {
            if counts.len() <= tag as usize {
                counts.resize(tag as usize + 1, 0);
            }
            counts[tag as usize] += 1;
        }
    }
}

/// Inverse document frequencies over `documents` rows, scikit-learn's
/// smoothed form: `ln((1 + documents) / (1 + rows with the tag)) + 1`, so a
/// tag every row has still weighs 1 and a rare one more.
pub fn inverse_document_frequencies(rows_per_tag: &[usize], documents: usize) -> Vec<f64> {
    rows_per_tag
        .iter()
        .map(|&df| ((1.0 + documents as f64) / (1.0 + df as f64)).ln() + 1.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Builder, ListBuilder, MapBuilder, StringBuilder};
    use std::sync::Arc;

    #[test]
    fn lists_and_maps_read_into_one_numbering() {
        let mut list = ListBuilder::new(StringBuilder::new());
        list.append_value([Some("SUV"), Some(" suv "), Some("EV"), None]);
        list.append_null();
        list.append_value::<[Option<&str>; 0], _>([]);
        let list: ArrayRef = Arc::new(list.finish());
        let mut map = MapBuilder::new(None, StringBuilder::new(), Float64Builder::new());
        map.keys().append_value("ev");
        map.values().append_value(2.0);
        map.keys().append_value("EV");
        map.values().append_value(0.5);
        map.keys().append_value("sedan");
        map.values().append_null();
        map.append(true).unwrap();
        let map: ArrayRef = Arc::new(map.finish());

        let mut numbers = TagNumbers::default();
        let leads = TagVectors::from_arrow(&list, &mut numbers).unwrap();
        let advisors = TagVectors::from_arrow(&map, &mut numbers).unwrap();
        assert_eq!(leads.len(), 3);
        assert_eq!(leads.row(0), (&[0u32, 1][..], &[1.0, 1.0][..]));
        assert!(leads.is_null(1) && leads.row(1).0.is_empty());
        assert!(!leads.is_null(2) && leads.row(2).0.is_empty());
        assert_eq!(advisors.row(0), (&[1u32][..], &[2.5][..]));
    }

    #[test]
    fn a_negative_weight_is_an_error() {
        let mut map = MapBuilder::new(None, StringBuilder::new(), Float64Builder::new());
        map.keys().append_value("ev");
        map.values().append_value(-1.0);
        map.append(true).unwrap();
        let map: ArrayRef = Arc::new(map.finish());
        let error = TagVectors::from_arrow(&map, &mut TagNumbers::default()).unwrap_err();
        assert!(error.contains("'ev' is -1"), "{error}");
    }

    #[test]
    fn rare_tags_weigh_more() {
        let idf = inverse_document_frequencies(&[9, 1], 9);
        assert!((idf[0] - 1.0).abs() < 1e-12);
        assert!((idf[1] - (1.0 + (10.0f64 / 2.0).ln())).abs() < 1e-12);
    }
}
