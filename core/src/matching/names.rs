//! Names as people type them: `normalize_name` folds the spellings of one
//! name to one form, and `to_pinyin` writes Chinese characters in plain
//! pinyin, so 张伟, 章伟 (a homophone typo) and "Zhang Wei" meet.

use pinyin::ToPinyin;

use crate::text::fold_full_width;

/// Separators that stand between the parts of a name (the middle dot of
/// transliterated foreign names, hyphens, dots, commas).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '·' | '•' | '・' | '-' | '_' | '.' | ',' | '，' | '、')
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Writes the normal form of `name` into `out` (cleared first): full-width
/// forms folded, lower case, separators as single spaces, no spaces between
/// Chinese characters ("张 伟" is "张伟"), trimmed.
pub fn normalize_name_into(name: &str, out: &mut String) {
    out.clear();
    let mut pending_space = false;
    let mut last: Option<char> = None;
    for c in name.chars().map(fold_full_width) {
        if is_separator(c) {
            pending_space = last.is_some();
            continue;
        }
        if pending_space && !(is_han(c) && last.is_some_and(is_han)) {
            out.push(' ');
        }
        pending_space = false;
        out.extend(c.to_lowercase());
        last = Some(c);
    }
}

/// [`normalize_name_into`] into a new string.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    normalize_name_into(name, &mut out);
    out
}

/// Writes `text` in plain pinyin into `out` (cleared first): each Chinese
/// character as its most common reading without tones, syllables separated
/// by spaces; other characters as [`normalize_name_into`] leaves them.
pub fn to_pinyin_into(text: &str, out: &mut String, scratch: &mut String) {
    normalize_name_into(text, scratch);
    out.clear();
    for (c, reading) in scratch.chars().zip(scratch.as_str().to_pinyin()) {
        match reading {
            Some(reading) => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push_str(reading.plain());
                out.push(' ');
            }
            None if c == ' ' => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            None => out.push(c),
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
}

/// Family names read otherwise than their characters' most common reading
/// (曾 is zēng as a name, céng as a word): the heteronyms among the common
/// family names, as name romanisation writes them.
const FAMILY_NAME_READINGS: [(char, &str); 16] = [
    ('曾', "zeng"),
    ('单', "shan"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('区', "ou"),
    ('查', "zha"),
    ('朴', "piao"),
    ('盖', "ge"),
    ('缪', "miao"),
    ('翟', "zhai"),
    ('覃', "qin"),
    ('乐', "yue"),
    ('召', "shao"),
    ('尉', "yu"),
    ('长', "chang"),
    ('重', "chong"),
];

/// The two-character family names (欧阳浩 is Ouyang Hao, not Ou Yanghao).
const COMPOUND_FAMILY_NAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙", "宇文",
    "司徒", "端木", "澹台", "轩辕", "独孤", "南宫", "西门", "申屠", "太史", "万俟", "闻人", "呼延",
];

/// The forms of address a clerk types after a family name when the customer
/// gave no given name (张先生 is "Mr Zhang").
const TITLES: &[&str] = &["先生", "女士", "小姐", "太太"];

/// Whether a normalised name is a form of address alone (先生, 女士): the
/// clerk typed no name at all.
pub fn is_bare_title(normalized: &str) -> bool {
    TITLES.contains(&normalized)
}

/// A personal name in pinyin: as [`to_pinyin_into`], with a leading family
/// name read as a family name. A name in Chinese characters only is written
/// as romanisation writes it, family name and given name each as one word
/// ("陈超佳" is "chen chaojia", as on a passport or a policy typed in Latin
/// letters: "Chaojia Chen"); a family name and a title is the family name
/// alone (张先生 is "zhang").
pub fn name_pinyin_into(name: &str, out: &mut String, scratch: &mut String) {
    to_pinyin_into(name, out, scratch);
    let Some(first) = scratch.chars().next() else {
        return;
    };
    if let Some((_, reading)) = FAMILY_NAME_READINGS.iter().find(|(c, _)| *c == first) {
        let common = out.split(' ').next().unwrap_or_default().len();
        out.replace_range(..common, reading);
    }
    if !scratch.chars().all(is_han) {
        return;
    }
    let characters = scratch.chars().count();
    if let Some(title) = TITLES.iter().find(|title| scratch.ends_with(*title))
        && characters > 2
    {
        // Each character of a title is one syllable; what is before it is
        // the family name, one word.
        for _ in 0..title.chars().count() {
            let last_space = out.rfind(' ').unwrap_or(0);
            out.truncate(last_space);
        }
        out.retain(|c| c != ' ');
        return;
    }
    if characters < 2 {
        return;
    }
    let compound = characters > 2
        && COMPOUND_FAMILY_NAMES
            .iter()
            .any(|family| scratch.starts_with(family));
    let family_syllables = if compound { 2 } else { 1 };
    // Only the space after the family name stays.
    let mut spaces = 0;
    out.retain(|c| {
        if c != ' ' {
            return true;
        }
        spaces += 1;
        spaces == family_syllables
    });
}

/// [`to_pinyin_into`] into a new string.
pub fn to_pinyin(text: &str) -> String {
    let (mut out, mut scratch) = (String::new(), String::new());
    to_pinyin_into(text, &mut out, &mut scratch);
    out
}

/// Whether two normalised names hold the same words in another order
/// ("wei zhang" and "zhang wei"): a given name and a family name swapped.
pub fn same_words(a: &str, b: &str) -> bool {
    // Most pairs differ in length: no words to sort.
    if a.len() != b.len() || !a.contains(' ') {
        return false;
    }
    let mut words_a: Vec<&str> = a.split(' ').filter(|w| !w.is_empty()).collect();
    let mut words_b: Vec<&str> = b.split(' ').filter(|w| !w.is_empty()).collect();
    if words_a.len() < 2 {
        return false;
    }
    words_a.sort_unstable();
    words_b.sort_unstable();
    words_a == words_b
}

/// Whether one of two names in pinyin is a single word that is a word of the
/// other: a family name alone (张先生, "zhang") and a full name that holds
/// it ("zhang wei", "Wei Zhang").
pub fn family_name_of(a: &str, b: &str) -> bool {
    let (single, full) = match (a.contains(' '), b.contains(' ')) {
        (false, true) => (a, b),
        (true, false) => (b, a),
        _ => return false,
    };
    !single.is_empty() && full.split(' ').any(|word| word == single)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_name_fold_to_one_form() {
        assert_eq!(normalize_name("  Zhang   WEI "), "zhang wei");
        assert_eq!(normalize_name("Ｚｈａｎｇ　Ｗｅｉ"), "zhang wei");
        assert_eq!(normalize_name("张 伟"), "张伟");
        assert_eq!(normalize_name("约翰·史密斯"), "约翰史密斯");
        assert_eq!(normalize_name("Jean-Luc O.Brien"), "jean luc o brien");
        assert_eq!(normalize_name(""), "");
    }

    #[test]
    fn chinese_names_meet_their_homophones_and_romanisations() {
        assert_eq!(to_pinyin("张伟"), "zhang wei");
        assert_eq!(to_pinyin("章伟"), "zhang wei");
        assert_eq!(to_pinyin("Zhang Wei"), "zhang wei");
        assert_eq!(to_pinyin("王Lei"), "wang lei");
        assert_eq!(to_pinyin("李 小龙"), "li xiao long");
        assert!(same_words(&to_pinyin("伟 张"), &to_pinyin("Zhang Wei")));
        assert!(!same_words("zhang", "zhang"));
        let (mut out, mut scratch) = (String::new(), String::new());
        let mut name_pinyin = |name: &str| {
            name_pinyin_into(name, &mut out, &mut scratch);
            out.clone()
        };
        assert_eq!(name_pinyin("曾国藩"), "zeng guofan");
        assert_eq!(name_pinyin("陈超佳"), "chen chaojia");
        assert!(same_words(&name_pinyin("陈超佳"), &name_pinyin("Chaojia Chen")));
        assert_eq!(name_pinyin("欧阳浩"), "ouyang hao");
        assert!(same_words(&name_pinyin("欧阳浩"), &name_pinyin("Hao Ouyang")));
        assert_eq!(name_pinyin("欧阳"), "ou yang");
        assert_eq!(name_pinyin("张伟"), "zhang wei");
        assert_eq!(name_pinyin("张先生"), "zhang");
        assert_eq!(name_pinyin("欧阳女士"), "ouyang");
        assert!(family_name_of(&name_pinyin("张先生"), "wei zhang"));
        assert!(!family_name_of("zhang", "zhang"));
        assert!(!family_name_of("wang", "zhang wei"));
        assert_eq!(name_pinyin("Zhang Wei"), "zhang wei");
        assert_eq!(name_pinyin("王Lei"), "wang lei");
        assert_eq!(to_pinyin("曾经"), "ceng jing");
    }
}
