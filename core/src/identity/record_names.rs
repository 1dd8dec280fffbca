//! The name each record carries, as the evidence of shared identifiers reads
//! it (`shared_on_name_disagreement`): the words of the name in pinyin, so
//! 陈超佳, "Chen Chaojia" and "Chaojia Chen" are one name and 陈先生 is the
//! family name alone; and when two names agree, allowing a typing error in
//! a long word ("Smith" and "Smiht").

use crate::identity::rules::BlockMatcher;
use crate::matching::names::{is_bare_title, name_pinyin_into};
use crate::matching::similarity::jaro_winkler;

/// Words kept per name: a family name and a given name, and a middle name
/// of a name in Latin letters. Further words are not read.
pub const WORDS_PER_NAME: usize = 3;

/// Each record's name as its distinct words in pinyin, separated by
/// spaces, in one arena.
#[derive(Default)]
pub struct RecordNames {
    /// Per record number: `offset << 8 | length` in `text`; 0 for none.
    spans: Vec<u64>,
    text: Vec<u8>,
    pinyin: String,
    scratch: String,
}

impl RecordNames {
    /// Bytes held, for memory accounting.
    pub fn memory_size(&self) -> usize {
        self.spans.capacity() * 8 + self.text.capacity()
    }

    /// Notes `name` as the name of `record`, unless the record has one
    /// already (a record's rows repeat its name; the first one counts). A
    /// junk value (the block list: 未知, "test") or a title alone is no name.
    pub fn note(&mut self, record: u32, name: &str, block: &mut BlockMatcher) {
        let record = record as usize;
        if self.spans.len() <= record {
            self.spans.resize(record + 1, 0);
        }
        if self.spans[record] != 0 {
            return;
        }
        name_pinyin_into(name, &mut self.pinyin, &mut self.scratch);
        // `scratch` holds the normalised name: trimmed, lower case.
        if is_bare_title(&self.scratch) || block.is_blocked_normalized(&self.scratch) {
            return;
        }
        let start = self.text.len();
        let mut words = 0;
        for word in self.pinyin.split(' ').filter(|w| !w.is_empty()) {
            let held = std::str::from_utf8(&self.text[start..]).unwrap_or_default();
            if words == WORDS_PER_NAME || held.split(' ').any(|w| w == word) {
                continue;
            }
            if words > 0 {
                self.text.push(b' ');
            }
            self.text.extend_from_slice(word.as_bytes());
            words += 1;
        }
        // Longer names are cut at a character boundary (a word is never
        // longer than this in practice).
        let length = (self.text.len() - start).min(255);
        if length == 0 {
            return;
        }
        self.spans[record] = (start as u64) << 8 | length as u64;
    }

    /// Starts loading a record's name span, which a loop will read soon.
    #[inline]
    pub fn prefetch(&self, record: u32) {
        if let Some(span) = self.spans.get(record as usize) {
            crate::prefetch::prefetch(span);
        }
    }

    /// A record's name: its distinct words separated by spaces; empty when
    /// it has none.
    pub fn name(&self, record: u32) -> &str {
        let span = self.spans.get(record as usize).copied().unwrap_or(0);
        let (start, length) = ((span >> 8) as usize, (span & 0xFF) as usize);
        let bytes = &self.text[start..start + length];
        std::str::from_utf8(bytes)
            .or_else(|e| std::str::from_utf8(&bytes[..e.valid_up_to()]))
            .unwrap_or_default()
    }
}

/// A name's words as the evidence reads them (pinyin, distinct, separated
/// by spaces), or `None` when it is no name (a title alone, a junk value).
pub fn name_words(name: &str, block: &mut BlockMatcher) -> Option<String> {
    let mut names = RecordNames::default();
    names.note(0, name, block);
    let words = names.name(0);
    (!words.is_empty()).then(|| words.to_string())
}

/// Words this long or longer may differ by a typing error and still agree.
/// Shorter ones must be equal: pinyin family names one letter apart are
/// other families (chen and cheng, 陈 and 程; zhan and zhang).
const FUZZY_WORD_LENGTH: usize = 5;
/// How alike two long words must be to agree ("smith" and "smiht" 0.95;
/// "zhang" and "zhong", two families, 0.89).
const WORD_SIMILARITY: f64 = 0.92;

/// Whether two words of names are one word, allowing a typing error in a
/// long one.
pub fn words_agree(a: &str, b: &str) -> bool {
    a == b
        || (a.len() >= FUZZY_WORD_LENGTH
            && b.len() >= FUZZY_WORD_LENGTH
            && jaro_winkler(a, b) >= WORD_SIMILARITY)
}

/// Whether two names have a word in common (a family name alone and a full
/// name holding it: 王先生 and 王磊).
pub fn share_a_word(a: &str, b: &str) -> bool {
    a.split(' ').any(|x| b.split(' ').any(|y| words_agree(x, y)))
}

/// Whether two full names are one name, in any order of their words: every
/// word of the shorter agrees with a word of the other.
pub fn same_full_name(a: &str, b: &str) -> bool {
    let (short, long) = if a.split(' ').count() <= b.split(' ').count() {
        (a, b)
    } else {
        (b, a)
    };
    short
        .split(' ')
        .all(|x| long.split(' ').any(|y| words_agree(x, y)))
}

/// Whether a name holds two words or more: a full name, not a family name
/// alone.
pub fn is_full_name(name: &str) -> bool {
    name.contains(' ')
}

/// Record `i` named `values[i]`, under the default block list: for tests.
#[cfg(test)]
pub(crate) fn names_of(values: &[&str]) -> RecordNames {
    let mut block = crate::identity::rules::Rules::default()
        .compile_block_list()
        .unwrap();
    let mut names = RecordNames::default();
    for (record, value) in values.iter().enumerate() {
        names.note(record as u32, value, &mut block);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::rules::Rules;

    #[test]
    fn one_name_in_any_script_or_order_is_one_full_name() {
        let names = names_of(&[
            "陈超佳",
            "Chen Chaojia",
            "CHAOJIA  chen",
            "陈超",
            "陈先生",
            "程超佳",
        ]);
        assert_eq!(names.name(0), "chen chaojia");
        assert!(same_full_name(names.name(0), names.name(1)));
        assert!(same_full_name(names.name(0), names.name(2)));
        assert!(
            !same_full_name(names.name(0), names.name(3)),
            "陈超 is another given name"
        );
        assert_eq!(names.name(4), "chen", "陈先生: the family name alone");
        assert!(share_a_word(names.name(4), names.name(0)));
        assert!(!is_full_name(names.name(4)));
        assert!(
            !same_full_name(names.name(0), names.name(5)),
            "程 is another family"
        );
    }

    #[test]
    fn a_typing_error_in_a_long_word_agrees() {
        assert!(same_full_name("john smith", "john smiht"));
        assert!(same_full_name("jessica ryan", "ryan jesica"));
        assert!(!words_agree("zhang", "zhong"));
        assert!(!words_agree("chen", "cheng"));
        assert!(!words_agree("wei", "wen"));
    }

    #[test]
    fn titles_junk_and_blanks_are_no_name() {
        let names = names_of(&["先生", "未知", "  ", "test"]);
        for record in 0..5 {
            assert_eq!(names.name(record), "", "record {record}");
        }
    }

    #[test]
    fn a_record_keeps_its_first_name_and_three_distinct_words() {
        let mut block = Rules::default().compile_block_list().unwrap();
        let mut names = RecordNames::default();
        names.note(0, "张伟", &mut block);
        names.note(0, "李娜", &mut block);
        names.note(1, "Anna Maria Anna de Souza", &mut block);
        assert_eq!(names.name(0), "zhang wei");
        assert_eq!(names.name(1), "anna maria de");
    }
}
