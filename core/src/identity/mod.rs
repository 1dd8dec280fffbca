//! Identity (One-ID): identifier normalisation and identity resolution.

pub mod append;
pub mod email;
pub mod evidence;
pub mod graph;
pub mod interner;
pub mod name_dissent;
pub mod one_id_lookup;
pub mod phone;
pub mod record_names;
pub mod records;
pub mod resolve;
pub mod rules;
#[cfg(test)]
mod test_worlds;
pub mod union_find;
