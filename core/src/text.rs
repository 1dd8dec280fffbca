//! Character folding shared by the identifier normalisers.

/// Maps a full-width ASCII variant (U+FF01..U+FF5E, as typed by Chinese input
/// methods) and the ideographic space to its ASCII form; other chars unchanged.
#[inline]
pub fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}
