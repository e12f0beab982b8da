//! Exact duplicate-observation detection in little memory.
//!
//! An observation is identified by its series (interned: each distinct series
//! key is stored once and numbered) and its period. Periods in the usual fixed
//! forms (`2020`, `2020-07`, `2020-07-15`, `2020-Q1`, `2020-M07`, `2020-W01`,
//! `2020-D001`) pack losslessly into 32 bits, kept per series: a short list
//! (scanned; it stays in cache while the series streams by), turned into a
//! hash set once the series is long. That is 4–9 bytes per observation (2
//! million observations take ~10 MB). Anything else (date-times, ranges, an
//! observation key holding more than the period) is kept whole in a second
//! set. No hash stands in for a key, so two different observations are never
//! mistaken for duplicates.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher, RandomState};

/// Separators that never occur in UTF-8 text, making the byte encoding of a
/// key injective.
const ID_END: u8 = 0xFF;
const PAIR_END: u8 = 0xFE;

/// The observations seen in the current dataset.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    series: HashMap<Box<[u8]>, u32, Mix>,
    /// Period codes per series number.
    periods: Vec<Periods>,
    other: HashSet<(u32, Box<[u8]>), Mix>,
    buf: Vec<u8>,
}

impl Seen {
    /// Forgets everything (a new dataset).
    pub fn clear(&mut self) {
        // Dropping the tables returns their memory before the next dataset.
        self.series = HashMap::default();
        self.periods = Vec::new();
        self.other = HashSet::default();
    }

    /// The number of the series whose key is `pairs` (id, value), numbering it
    /// when new.
    pub fn series<'a>(&mut self, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> u32 {
        self.buf.clear();
        for (id, v) in pairs {
            encode(&mut self.buf, id, v);
        }
        if let Some(&n) = self.series.get(self.buf.as_slice()) {
            return n;
        }
        // More than 4 billion series cannot fit in memory anyway.
        let n = u32::try_from(self.series.len()).unwrap_or(u32::MAX);
        self.series.insert(self.buf.as_slice().into(), n);
        // Series are usually as long as the one before: start with its length
        // rather than growing the list observation by observation.
        let typical = match self.periods.last() {
            Some(Periods::Few(list)) => list.len(),
            _ => 0,
        };
        self.periods
            .push(Periods::Few(Vec::with_capacity(typical.min(FEW + 1))));
        n
    }

    /// Records the observation of series `series` whose key is `time` (the
    /// time dimension's id and value, when present) plus `rest`; false when
    /// it was seen before.
    pub fn insert<'a>(
        &mut self,
        series: u32,
        time: Option<(&str, &str)>,
        mut rest: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> bool {
        let first = rest.next();
        if first.is_none()
            && let Some(code) = time.and_then(|(_, p)| period_code(p))
        {
            // Series numbers come from `series`; an unknown one gets a list too.
            let i = series as usize;
            if i >= self.periods.len() {
                self.periods.resize_with(i + 1, || Periods::Few(Vec::new()));
            }
            return self.periods[i].insert(code);
        }
        let mut key = Vec::new();
        if let Some((id, v)) = time {
            encode(&mut key, id, v);
        }
        key.push(PAIR_END);
        for (id, v) in first.into_iter().chain(rest) {
            encode(&mut key, id, v);
        }
        self.other.insert((series, key.into_boxed_slice()))
    }
}

/// Up to this many periods a series keeps them in a list.
const FEW: usize = 32;

/// The period codes of one series.
#[derive(Debug)]
enum Periods {
    /// In ascending order.
    Few(Vec<u32>),
    Many(HashSet<u32, Mix>),
}

impl Periods {
    fn insert(&mut self, code: u32) -> bool {
        match self {
            Periods::Few(list) => {
                // Kept sorted: periods usually come in order, so most are
                // appended after one comparison.
                match list.last() {
                    Some(&last) if last >= code => match list.binary_search(&code) {
                        Ok(_) => return false,
                        Err(at) => list.insert(at, code),
                    },
                    _ => list.push(code),
                }
                if list.len() > FEW {
                    *self = Periods::Many(list.iter().copied().collect());
                }
                true
            }
            Periods::Many(set) => set.insert(code),
        }
    }
}

fn encode(buf: &mut Vec<u8>, id: &str, value: &str) {
    buf.extend_from_slice(id.as_bytes());
    buf.push(ID_END);
    buf.extend_from_slice(value.as_bytes());
    buf.push(PAIR_END);
}

fn num(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

/// A lossless 32-bit code of a period written in one of the fixed-width forms
/// (form in the top 4 bits, year in the next 14, the rest below); `None` for
/// anything else. Only distinctness matters, not validity: `2020-13` gets a
/// code too.
pub(crate) fn period_code(p: &str) -> Option<u32> {
    let b = p.as_bytes();
    if b.len() < 4 {
        return None;
    }
    let year = num(&b[..4])?;
    let pack = |form: u32, sub: u32| Some((form << 28) | (year << 14) | sub);
    match b.len() {
        4 => pack(1, 0),
        _ if b[4] != b'-' => None,
        7 if b[5].is_ascii_digit() => pack(2, num(&b[5..7])?),
        7 => {
            let form = match b[5] {
                b'A' => 3,
                b'S' => 4,
                b'T' => 5,
                b'Q' => 6,
                _ => return None,
            };
            pack(form, num(&b[6..7])?)
        }
        8 => {
            let form = match b[5] {
                b'M' => 7,
                b'W' => 8,
                _ => return None,
            };
            pack(form, num(&b[6..8])?)
        }
        9 if b[5] == b'D' => pack(9, num(&b[6..9])?),
        10 if b[7] == b'-' => pack(10, num(&b[5..7])? * 100 + num(&b[8..10])?),
        _ => None,
    }
}

/// A fast, seeded hasher for keys that are small integers or short byte
/// strings (the murmur3 finaliser over a running mix).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mix(u64);

impl Default for Mix {
    fn default() -> Self {
        // One random seed per process keeps crafted input from forcing collisions.
        static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        Mix(*SEED.get_or_init(|| RandomState::new().hash_one(0x5eed_u64) | 1))
    }
}

impl BuildHasher for Mix {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher(self.0)
    }
}

/// The hasher [`Mix`] builds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MixHasher(u64);

/// The murmur3 64-bit finaliser: every input bit affects every output bit.
pub(crate) fn fmix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

impl Hasher for MixHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        self.write_u64(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = fmix(self.0 ^ x).wrapping_add(0x9e37_79b9_7f4a_7c15);
    }

    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    fn finish(&self) -> u64 {
        fmix(self.0)
    }
}

/// For maps keyed by a [`Mix`] hash already: the key is its own hash.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Prehashed;

impl BuildHasher for Prehashed {
    type Hasher = PrehashedHasher;
    fn build_hasher(&self) -> PrehashedHasher {
        PrehashedHasher(0)
    }
}

/// The hasher [`Prehashed`] builds: passes a `u64` through (anything else is
/// mixed in, though only `u64` keys are meant).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = fmix(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 ^= x;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_codes_are_distinct_and_lossless() {
        let forms = [
            "2020",
            "2021",
            "2020-07",
            "2020-A1",
            "2020-S1",
            "2020-T1",
            "2020-Q1",
            "2020-M01",
            "2020-M07",
            "2020-W01",
            "2020-W07",
            "2020-D001",
            "2020-D007",
            "2020-01-07",
            "2020-07-01",
            "0000",
            "9999-12-31",
        ];
        let codes: HashSet<u32> = forms.iter().map(|p| period_code(p).unwrap()).collect();
        assert_eq!(codes.len(), forms.len());
        for other in [
            "",
            "202",
            "20201",
            "2020-7",
            "2020-X1",
            "2020-M7",
            " 2020",
            "2020 ",
            "2020-07-15T10:00:00",
            "2020-01-01/P1Y",
            "2020-Q1+01:00",
            "２０２０",
            "2020/07",
        ] {
            assert_eq!(period_code(other), None, "{other}");
        }
    }

    #[test]
    fn duplicates_are_exact() {
        let mut s = Seen::default();
        let a = s.series([("SEX", "SEX_T"), ("ECO", "X")].into_iter());
        let b = s.series([("SEX", "SEX_M"), ("ECO", "X")].into_iter());
        // Pairs are not confused by where one value ends and the next begins.
        let c = s.series([("SEX", "SEX_TECO"), ("", "X")].into_iter());
        assert_eq!(a, s.series([("SEX", "SEX_T"), ("ECO", "X")].into_iter()));
        assert!(a != b && b != c && a != c);
        let t = |p| Some(("TIME_PERIOD", p));
        assert!(s.insert(a, t("2020"), std::iter::empty()));
        assert!(!s.insert(a, t("2020"), std::iter::empty()));
        assert!(s.insert(b, t("2020"), std::iter::empty()));
        assert!(s.insert(a, t("2020-01-01T00:00:00"), std::iter::empty()));
        assert!(!s.insert(a, t("2020-01-01T00:00:00"), std::iter::empty()));
        assert!(s.insert(a, t("2020-01-01T00:00:01"), std::iter::empty()));
        assert!(s.insert(a, t("2020"), [("X", "1")].into_iter()));
        assert!(!s.insert(a, t("2020"), [("X", "1")].into_iter()));
        assert!(s.insert(a, None, std::iter::empty()));
        assert!(!s.insert(a, None, std::iter::empty()));
        // Periods out of order, in a short series (kept sorted).
        let d = s.series([("SEX", "SEX_F")].into_iter());
        for (y, new) in [
            ("2003", true),
            ("2001", true),
            ("2002", true),
            ("2001", false),
            ("2000", true),
            ("2003", false),
            ("2004", true),
            ("2000", false),
            ("2002", false),
            ("2004", false),
        ] {
            assert_eq!(s.insert(d, t(y), std::iter::empty()), new, "{y}");
        }
        // A long series (kept in a hash set past 32 periods) still catches repeats.
        let years: Vec<String> = (1900..2000).map(|y| y.to_string()).collect();
        for y in &years {
            assert!(s.insert(b, Some(("TIME_PERIOD", y)), std::iter::empty()));
        }
        for y in &years {
            assert!(!s.insert(b, Some(("TIME_PERIOD", y)), std::iter::empty()));
        }
        s.clear();
        assert!(s.insert(0, t("2020"), std::iter::empty()));
        assert!(!s.insert(0, t("2020"), std::iter::empty()));
    }

    #[test]
    fn mix_spreads_small_keys() {
        let m = Mix::default();
        let hs: HashSet<u64> = (0..1000u64).map(|i| m.hash_one(i) >> 57).collect();
        // The top 7 bits (the table's tag) take many values for sequential keys.
        assert!(hs.len() > 100, "{}", hs.len());
    }
}
