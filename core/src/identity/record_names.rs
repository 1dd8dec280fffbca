//! The name each record carries, as the evidence of shared identifiers reads
//! it (`shared_on_name_disagreement`): the words of the name in pinyin, so
//! 陈超佳, "Chen Chaojia" and "Chaojia Chen" are one name and 陈先生 is the
//! family name alone. A word is kept as a 32-bit hash: names are only
//! compared among the few records that hold one identifier.

use twox_hash::XxHash3_64;

use crate::identity::rules::BlockMatcher;
use crate::matching::names::{is_bare_title, name_pinyin_into};

/// Words kept per name: a family name and a given name, and a middle name
/// of a name in Latin letters. Further words are not read.
pub const WORDS_PER_NAME: usize = 3;

/// Each record's name words (0 where none), by record number.
#[derive(Default)]
pub struct RecordNames {
    words: Vec<[u32; WORDS_PER_NAME]>,
    pinyin: String,
    scratch: String,
}

impl RecordNames {
    /// Bytes held, for memory accounting.
    pub fn memory_size(&self) -> usize {
        self.words.capacity() * std::mem::size_of::<[u32; WORDS_PER_NAME]>()
    }

    /// Notes `name` as the name of `record`, unless the record has one
    /// already (a record's rows repeat its name; the first one counts). A
    /// junk value (the block list: 未知, "test") or a title alone is no name.
    pub fn note(&mut self, record: u32, name: &str, block: &mut BlockMatcher) {
        let record = record as usize;
        if self.words.len() <= record {
            self.words.resize(record + 1, [0; WORDS_PER_NAME]);
        }
        if self.words[record][0] != 0 {
            return;
        }
        name_pinyin_into(name, &mut self.pinyin, &mut self.scratch);
        // `scratch` holds the normalised name: trimmed, lower case.
        if is_bare_title(&self.scratch) || block.is_blocked_normalized(&self.scratch) {
            return;
        }
        let words = &mut self.words[record];
        let mut held = 0;
        for word in self.pinyin.split(' ').filter(|w| !w.is_empty()) {
            // 0 stands for no word.
            let code = (XxHash3_64::oneshot(word.as_bytes()) as u32).max(1);
            if !words[..held].contains(&code) {
                words[held] = code;
                held += 1;
                if held == WORDS_PER_NAME {
                    break;
                }
            }
        }
    }

    /// Starts loading a record's name, which a loop will read soon.
    #[inline]
    pub fn prefetch(&self, record: u32) {
        if let Some(words) = self.words.get(record as usize) {
            crate::prefetch::prefetch(words);
        }
    }

    /// The distinct words of a record's name; empty when it has none.
    pub fn words(&self, record: u32) -> &[u32] {
        match self.words.get(record as usize) {
            None => &[],
            Some(words) => {
                let held = words.iter().take_while(|&&w| w != 0).count();
                &words[..held]
            }
        }
    }
}

/// A full name (two words or more) as one number, whatever the order of its
/// words: "chen chaojia" and "chaojia chen" are one name.
pub fn full_name_code(words: &[u32]) -> u64 {
    let mut sorted = [0u32; WORDS_PER_NAME];
    sorted[..words.len()].copy_from_slice(words);
    sorted[..words.len()].sort_unstable();
    sorted[..words.len()].iter().fold(0u64, |code, &w| {
        code.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ w as u64
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::rules::Rules;

    fn names_of(values: &[&str]) -> RecordNames {
        let mut block = Rules::default().compile_block_list().unwrap();
        let mut names = RecordNames::default();
        for (record, value) in values.iter().enumerate() {
            names.note(record as u32, value, &mut block);
        }
        names
    }

    #[test]
    fn one_name_in_any_script_or_order_is_one_full_name() {
        let names = names_of(&["陈超佳", "Chen Chaojia", "CHAOJIA  chen", "陈超", "陈先生"]);
        let code = full_name_code(names.words(0));
        assert_eq!(names.words(0).len(), 2);
        assert_eq!(full_name_code(names.words(1)), code);
        assert_eq!(full_name_code(names.words(2)), code);
        assert_ne!(full_name_code(names.words(3)), code, "陈超 is another given name");
        assert_eq!(
            names.words(4),
            &names.words(0)[..1],
            "陈先生: the family name alone"
        );
    }

    #[test]
    fn titles_junk_and_blanks_are_no_name() {
        let names = names_of(&["先生", "未知", "  ", "test"]);
        for record in 0..5 {
            assert!(names.words(record).is_empty(), "record {record}");
        }
    }

    #[test]
    fn a_record_keeps_its_first_name() {
        let mut block = Rules::default().compile_block_list().unwrap();
        let mut names = RecordNames::default();
        names.note(0, "张伟", &mut block);
        names.note(0, "李娜", &mut block);
        let zhang_wei = names_of(&["张伟"]);
        assert_eq!(names.words(0), zhang_wei.words(0));
    }
}
