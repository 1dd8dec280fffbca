//! A persisted mapping laid out for lookups (`one_id_of`): each
//! identifier's `one_id` under a 128-bit hash of its type and value, in a
//! file of buckets by the hash's top bits, each bucket sorted. One lookup
//! reads the bucket table and one bucket (two small ranges of the file, not
//! the mapping), and a million lookups read the file once and binary-search
//! a bucket of about a thousand entries each. No string is kept.
//!
//! ```text
//! "CDPFOID2"                 8 bytes
//! bucket bits b              u32, little-endian
//! entries n                  u64
//! bucket starts              (2^b + 1) u64: bucket i is entries start[i]..start[i+1]
//! bucket checksums           2^b u64: XXH3-64 of each bucket's entries
//! table checksum             u64: XXH3-64 of every byte before it
//! entries                    n × (key u128, one_id i64), sorted by key
//! ```
//!
//! The checksums are there because a lookup reads ranges, never the whole
//! file, so the file's own checksum (kept with the version) cannot be
//! checked: each range read is checked instead. Files of the first format
//! ("CDPFOID1", without checksums) are still read.

use std::ops::Range;

use twox_hash::{XxHash3_64, XxHash3_128};

const MAGIC: &[u8; 8] = b"CDPFOID2";
const MAGIC_WITHOUT_CHECKSUMS: &[u8; 8] = b"CDPFOID1";
/// Bytes before the bucket starts: the magic, the bucket bits, the count.
pub const PREAMBLE_BYTES: usize = 20;
const ENTRY_BYTES: usize = 24;
/// About this many entries a bucket: one bucket is read for one lookup.
const ENTRIES_PER_BUCKET: u64 = 1024;
const MAX_BUCKET_BITS: u32 = 24;

/// The key of an identifier: its type and value, hashed as one byte string
/// with a separator no type name holds.
pub fn key(id_type: &str, id_value: &str, buffer: &mut Vec<u8>) -> u128 {
    buffer.clear();
    buffer.extend_from_slice(id_type.as_bytes());
    buffer.push(0xFF);
    buffer.extend_from_slice(id_value.as_bytes());
    XxHash3_128::oneshot(buffer)
}

/// The lookup file of `(id_type, id_value, one_id)` rows.
pub fn encode<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, i64)>) -> Vec<u8> {
    let mut buffer = Vec::new();
    encode_keys(
        rows.into_iter()
            .map(|(id_type, id_value, one_id)| (key(id_type, id_value, &mut buffer), one_id))
            .collect(),
    )
}

/// The lookup file of `(key, one_id)` entries ([`key`]).
pub fn encode_keys(mut entries: Vec<(u128, i64)>) -> Vec<u8> {
    entries.sort_unstable_by_key(|&(key, _)| key);
    entries.dedup_by_key(|&mut (key, _)| key);
    let count = entries.len() as u64;
    let bits = (count
        .div_ceil(ENTRIES_PER_BUCKET)
        .max(1)
        .next_power_of_two()
        .trailing_zeros())
    .min(MAX_BUCKET_BITS);
    let buckets = 1usize << bits;
    let mut starts = Vec::with_capacity(buckets + 1);
    let mut start = 0usize;
    for bucket in 0..=buckets {
        while start < entries.len() && bucket_of(entries[start].0, bits) < bucket {
            start += 1;
        }
        starts.push(start);
    }
    // The table first, its checksums zero until the entries are written:
    // the file is built in place, never twice in memory.
    let checksums_at = PREAMBLE_BYTES + (buckets + 1) * 8;
    let entries_at = checksums_at + buckets * 8 + 8;
    let mut bytes = Vec::with_capacity(entries_at + entries.len() * ENTRY_BYTES);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&bits.to_le_bytes());
    bytes.extend_from_slice(&count.to_le_bytes());
    for start in &starts {
        bytes.extend_from_slice(&(*start as u64).to_le_bytes());
    }
    bytes.resize(entries_at, 0);
    for (key, one_id) in &entries {
        bytes.extend_from_slice(&key.to_le_bytes());
        bytes.extend_from_slice(&one_id.to_le_bytes());
    }
    for (bucket, range) in starts.windows(2).enumerate() {
        let entries = &bytes[entries_at + range[0] * ENTRY_BYTES..entries_at + range[1] * ENTRY_BYTES];
        let checksum = XxHash3_64::oneshot(entries).to_le_bytes();
        bytes[checksums_at + bucket * 8..checksums_at + bucket * 8 + 8].copy_from_slice(&checksum);
    }
    let table_checksum = XxHash3_64::oneshot(&bytes[..entries_at - 8]).to_le_bytes();
    bytes[entries_at - 8..entries_at].copy_from_slice(&table_checksum);
    bytes
}

fn bucket_of(key: u128, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (key >> (128 - bits)) as usize
    }
}

/// The table of a lookup file's buckets: where each bucket's entries are,
/// and their checksums.
#[derive(Debug, Clone)]
pub struct BucketTable {
    bits: u32,
    starts: Vec<u64>,
    /// Each bucket's checksum; empty in a file of the first format.
    checksums: Vec<u64>,
    /// Where the entries begin: the bytes of the preamble and the table.
    entries_at: u64,
}

/// Why a lookup file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedLookup(pub String);

impl std::fmt::Display for DamagedLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the lookup file is damaged: {}", self.0)
    }
}

impl BucketTable {
    /// The bytes of the bucket table (starts, and checksums when the file
    /// has them), from the file's first [`PREAMBLE_BYTES`].
    pub fn table_range(preamble: &[u8]) -> Result<Range<u64>, DamagedLookup> {
        let checksummed = match preamble.get(..8) {
            Some(magic) if preamble.len() >= PREAMBLE_BYTES && magic == MAGIC => true,
            Some(magic) if preamble.len() >= PREAMBLE_BYTES && magic == MAGIC_WITHOUT_CHECKSUMS => false,
            _ => return Err(DamagedLookup("it does not start as one".into())),
        };
        let bits = u32::from_le_bytes(preamble[8..12].try_into().unwrap_or_default());
        if bits > MAX_BUCKET_BITS {
            return Err(DamagedLookup(format!("{bits} bucket bits")));
        }
        let buckets = 1u64 << bits;
        let words = if checksummed { 2 * buckets + 2 } else { buckets + 1 };
        Ok(PREAMBLE_BYTES as u64..PREAMBLE_BYTES as u64 + words * 8)
    }

    /// The table, from the preamble and the bytes of [`Self::table_range`].
    pub fn read(preamble: &[u8], table: &[u8]) -> Result<Self, DamagedLookup> {
        let range = Self::table_range(preamble)?;
        let checksummed = &preamble[..8] == MAGIC;
        let bits = u32::from_le_bytes(preamble[8..12].try_into().unwrap_or_default());
        let count = u64::from_le_bytes(preamble[12..20].try_into().unwrap_or_default());
        if table.len() as u64 != range.end - range.start {
            return Err(DamagedLookup("its bucket table is cut short".into()));
        }
        let mut words: Vec<u64> = table
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
            .collect();
        let buckets = 1usize << bits;
        let checksums = if checksummed {
            let written = words.pop().unwrap_or_default();
            let covered = [&preamble[..PREAMBLE_BYTES], &table[..table.len() - 8]].concat();
            if XxHash3_64::oneshot(&covered) != written {
                return Err(DamagedLookup("its bucket table's checksum does not match".into()));
            }
            words.split_off(buckets + 1)
        } else {
            Vec::new()
        };
        let starts = words;
        if starts.windows(2).any(|w| w[0] > w[1]) || starts.last() != Some(&count) {
            return Err(DamagedLookup("its bucket table is out of order".into()));
        }
        Ok(BucketTable {
            bits,
            starts,
            checksums,
            entries_at: range.end,
        })
    }

    /// Checks a bucket's entries (the bytes of [`Self::bucket_range`])
    /// against the checksum written for them.
    pub fn check_bucket(&self, bucket: usize, entries: &[u8]) -> Result<(), DamagedLookup> {
        match self.checksums.get(bucket) {
            Some(&written) if XxHash3_64::oneshot(entries) != written => Err(DamagedLookup(format!(
                "bucket {bucket}'s checksum does not match"
            ))),
            _ => Ok(()),
        }
    }

    /// Checks every bucket of all the entries (the bytes of
    /// [`Self::entries_range`]).
    pub fn check_entries(&self, entries: &[u8]) -> Result<(), DamagedLookup> {
        if entries.len() as u64 != self.entries_range().end - self.entries_at {
            return Err(DamagedLookup("its entries are cut short".into()));
        }
        (0..self.buckets()).try_for_each(|bucket| {
            let range = self.bucket_range(bucket);
            self.check_bucket(
                bucket,
                &entries[(range.start - self.entries_at) as usize..(range.end - self.entries_at) as usize],
            )
        })
    }

    /// The bucket a key is in.
    pub fn bucket(&self, key: u128) -> usize {
        bucket_of(key, self.bits)
    }

    /// The bits of a key that name its bucket.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The bytes of a bucket's entries in the file.
    pub fn bucket_range(&self, bucket: usize) -> Range<u64> {
        let first = self.entries_at;
        first + self.starts[bucket] * ENTRY_BYTES as u64..first + self.starts[bucket + 1] * ENTRY_BYTES as u64
    }

    /// The bytes of every entry: the whole file after the table.
    pub fn entries_range(&self) -> Range<u64> {
        let first = self.entries_at;
        first..first + self.starts.last().copied().unwrap_or(0) * ENTRY_BYTES as u64
    }

    pub fn buckets(&self) -> usize {
        self.starts.len() - 1
    }
}

/// A key's `one_id` among a bucket's entries (the bytes of
/// [`BucketTable::bucket_range`] for the table's `bits`). Keys are hashes,
/// spread evenly: the search starts where the key's bits below the bucket's
/// put it and gallops from there, so it touches a cache line or two of the
/// bucket instead of ten.
pub fn find_in_bucket(entries: &[u8], bits: u32, key: u128) -> Option<i64> {
    let count = entries.len() / ENTRY_BYTES;
    let key_at = |i: usize| {
        u128::from_le_bytes(
            entries[i * ENTRY_BYTES..i * ENTRY_BYTES + 16]
                .try_into()
                .unwrap_or_default(),
        )
    };
    let below_bucket = ((key << bits) >> 64) as u64;
    let at = find_spread(count, below_bucket, key_at, key)? * ENTRY_BYTES + 16;
    Some(i64::from_le_bytes(
        entries[at..at + 8].try_into().unwrap_or_default(),
    ))
}

/// Where `key` is among `count` sorted keys (`key_at(i)`) that are hashes,
/// spread evenly over their range: `fraction` is where the key's value
/// puts it, as a fraction of 2^64. The search starts there and gallops, so
/// it touches a cache line or two instead of ten.
pub fn find_spread(count: usize, fraction: u64, key_at: impl Fn(usize) -> u128, key: u128) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let guess = ((fraction as u128 * count as u128) >> 64) as usize;
    // Bracket the key between `low` and `high` by doubling steps from the
    // guess, then search between them.
    let (mut low, mut high);
    if key_at(guess) < key {
        let mut step = 1;
        low = guess + 1;
        high = (guess + step).min(count);
        while high < count && key_at(high) < key {
            low = high + 1;
            step *= 2;
            high = (high + step).min(count);
        }
        high = (high + 1).min(count);
    } else {
        let mut step = 1;
        high = guess + 1;
        low = guess.saturating_sub(step);
        while low > 0 && key_at(low) > key {
            high = low;
            step *= 2;
            low = low.saturating_sub(step);
        }
    }
    while low < high {
        let middle = (low + high) / 2;
        match key_at(middle).cmp(&key) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return Some(middle),
        }
    }
    None
}

/// A whole lookup file, read into memory.
#[derive(Debug)]
pub struct LookupFile<B> {
    bytes: B,
    table: BucketTable,
}

impl<B: AsRef<[u8]>> LookupFile<B> {
    pub fn read(bytes: B) -> Result<Self, DamagedLookup> {
        let file = bytes.as_ref();
        let preamble = file
            .get(..PREAMBLE_BYTES)
            .ok_or_else(|| DamagedLookup("it is shorter than its preamble".into()))?;
        let range = BucketTable::table_range(preamble)?;
        let table_bytes = file
            .get(range.start as usize..range.end as usize)
            .ok_or_else(|| DamagedLookup("its bucket table is cut short".into()))?;
        let table = BucketTable::read(preamble, table_bytes)?;
        let entries = table.entries_range();
        let entries = file
            .get(entries.start as usize..entries.end as usize)
            .ok_or_else(|| DamagedLookup("its entries are cut short".into()))?;
        table.check_entries(entries)?;
        Ok(LookupFile { bytes, table })
    }

    /// The `one_id` of a key ([`key`]).
    pub fn get(&self, key: u128) -> Option<i64> {
        let bucket = self.table.bucket_range(self.table.bucket(key));
        let entries = &self.bytes.as_ref()[bucket.start as usize..bucket.end as usize];
        find_in_bucket(entries, self.table.bits(), key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Looks `(id_type, id_value)` up in a whole lookup file.
    fn look_up(file: &[u8], id_type: &str, id_value: &str) -> Option<i64> {
        LookupFile::read(file)
            .unwrap()
            .get(key(id_type, id_value, &mut Vec::new()))
    }

    #[test]
    fn identifiers_are_found_by_type_and_value() {
        let file = encode([
            ("phone", "+8613800138000", 7),
            ("crm_id", "C1", 7),
            ("email", "a", 9),
        ]);
        assert_eq!(look_up(&file, "phone", "+8613800138000"), Some(7));
        assert_eq!(look_up(&file, "email", "a"), Some(9));
        assert_eq!(look_up(&file, "phone", "C1"), None, "the type is part of the key");
        assert_eq!(look_up(&file, "phon", "e\u{FF}a"), None);
        assert_eq!(look_up(&encode([]), "phone", "a"), None, "an empty mapping");
    }

    #[test]
    fn a_large_mapping_is_split_into_buckets_of_about_a_thousand() {
        let values: Vec<String> = (0..100_000).map(|i| format!("+86138{i:08}")).collect();
        let file = encode(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| ("phone", v.as_str(), i as i64)),
        );
        let range = BucketTable::table_range(&file[..PREAMBLE_BYTES]).unwrap();
        let table = BucketTable::read(
            &file[..PREAMBLE_BYTES],
            &file[range.start as usize..range.end as usize],
        )
        .unwrap();
        assert_eq!(table.buckets(), 128);
        assert_eq!(table.entries_range().end, file.len() as u64);
        // Read (and checked) once for all the lookups.
        let lookup = LookupFile::read(&file[..]).unwrap();
        let mut buffer = Vec::new();
        for (i, value) in values.iter().enumerate().step_by(7) {
            assert_eq!(lookup.get(key("phone", value, &mut buffer)), Some(i as i64));
        }
        assert_eq!(lookup.get(key("phone", "+8613900000000", &mut buffer)), None);
    }

    #[test]
    fn a_damaged_file_is_told_not_misread() {
        let file = encode([("phone", "a", 1)]);
        assert!(BucketTable::table_range(b"not a lookup file at all").is_err());
        let range = BucketTable::table_range(&file[..PREAMBLE_BYTES]).unwrap();
        let cut = &file[range.start as usize..range.end as usize - 1];
        assert!(BucketTable::read(&file[..PREAMBLE_BYTES], cut).is_err());
        assert!(LookupFile::read(&file[..file.len() - 1]).is_err());
    }

    /// The table and the bucket holding `key` of a whole file, as a lookup
    /// reads them: ranges, then each checked.
    fn read_ranges(file: &[u8], key: u128) -> Result<Option<i64>, DamagedLookup> {
        let range = BucketTable::table_range(&file[..PREAMBLE_BYTES])?;
        let table = BucketTable::read(
            &file[..PREAMBLE_BYTES],
            &file[range.start as usize..range.end as usize],
        )?;
        let bucket = table.bucket(key);
        let entries = table.bucket_range(bucket);
        let entries = &file[entries.start as usize..entries.end as usize];
        table.check_bucket(bucket, entries)?;
        Ok(find_in_bucket(entries, table.bits(), key))
    }

    #[test]
    fn a_changed_byte_in_a_range_read_is_told() {
        let values: Vec<String> = (0..5_000).map(|i| format!("+86138{i:08}")).collect();
        let file = encode(values.iter().map(|v| ("phone", v.as_str(), 7)));
        let key = key("phone", &values[0], &mut Vec::new());
        assert_eq!(read_ranges(&file, key), Ok(Some(7)));
        // A one_id changed in the key's bucket: same size, other value.
        let range = BucketTable::table_range(&file[..PREAMBLE_BYTES]).unwrap();
        let table = BucketTable::read(
            &file[..PREAMBLE_BYTES],
            &file[range.start as usize..range.end as usize],
        )
        .unwrap();
        let mut changed = file.clone();
        changed[table.bucket_range(table.bucket(key)).start as usize + 16] ^= 1;
        let error = read_ranges(&changed, key).unwrap_err().to_string();
        assert!(error.contains("checksum does not match"), "{error}");
        assert!(
            LookupFile::read(&changed[..]).is_err(),
            "a whole read checks every bucket"
        );
        // A bucket start changed: the table is refused before any bucket.
        let mut changed = file.clone();
        changed[PREAMBLE_BYTES + 8] ^= 1;
        let error = read_ranges(&changed, key).unwrap_err().to_string();
        assert!(error.contains("bucket table's checksum"), "{error}");
    }

    #[test]
    fn a_file_of_the_first_format_is_still_read() {
        // "CDPFOID1": one bucket, starts 0 and 1, one entry, no checksums.
        let key = key("phone", "a", &mut Vec::new());
        let mut file = b"CDPFOID1".to_vec();
        file.extend_from_slice(&0u32.to_le_bytes());
        file.extend_from_slice(&1u64.to_le_bytes());
        file.extend_from_slice(&0u64.to_le_bytes());
        file.extend_from_slice(&1u64.to_le_bytes());
        file.extend_from_slice(&key.to_le_bytes());
        file.extend_from_slice(&9i64.to_le_bytes());
        assert_eq!(read_ranges(&file, key), Ok(Some(9)));
        assert_eq!(look_up(&file, "phone", "a"), Some(9));
    }
}
