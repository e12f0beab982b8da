use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a version or version query could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version {text:?}: {reason}")]
pub struct VersionError {
    /// The text that was given.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The version of a maintainable artefact: either SDMX 2.1's legacy `X` / `X.Y`
/// form or SDMX 3.0's semantic `X.Y.Z[-EXT]` form.
///
/// Versions order numerically (`1.10` after `1.9`); a semantic version with an
/// extension (a draft, e.g. `1.0.0-draft`) orders before the same version without.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    parts: Vec<u64>,
    extension: Option<String>,
}

impl Version {
    /// The default version of SDMX 2.1 references and artefacts: `1.0`.
    pub fn one() -> Self {
        Version {
            parts: vec![1, 0],
            extension: None,
        }
    }

    /// The numeric parts (`[1, 0]` for `1.0`, `[1, 2, 3]` for `1.2.3`).
    pub fn parts(&self) -> &[u64] {
        &self.parts
    }

    /// The extension of a semantic version (`draft` in `1.0.0-draft`).
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    /// True for the 3.0 semantic form `X.Y.Z[-EXT]`.
    pub fn is_semantic(&self) -> bool {
        self.parts.len() == 3
    }

    /// Stable in the SDMX 3.0 sense: no extension.
    pub fn is_stable(&self) -> bool {
        self.extension.is_none()
    }

    fn part(&self, i: usize) -> u64 {
        self.parts.get(i).copied().unwrap_or(0)
    }
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| VersionError {
            text: s.to_owned(),
            reason,
        };
        let (numbers, extension) = match s.split_once('-') {
            Some((n, e)) => {
                if e.is_empty()
                    || !e
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                {
                    return Err(err("the extension after '-' must be letters and digits"));
                }
                (n, Some(e.to_owned()))
            }
            None => (s, None),
        };
        let mut parts = Vec::with_capacity(3);
        for p in numbers.split('.') {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("expected numbers separated by dots, e.g. 1.0 or 1.0.0"));
            }
            if p.len() > 1 && p.starts_with('0') {
                return Err(err("a version number part may not have leading zeros"));
            }
            parts.push(
                p.parse::<u64>()
                    .map_err(|_| err("a version number part is too large"))?,
            );
        }
        if parts.len() > 3 {
            return Err(err("at most three parts (MAJOR.MINOR.PATCH)"));
        }
        if extension.is_some() && parts.len() != 3 {
            return Err(err("only a semantic version X.Y.Z may carry an extension"));
        }
        Ok(Version { parts, extension })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{p}")?;
        }
        if let Some(e) = &self.extension {
            write!(f, "-{e}")?;
        }
        Ok(())
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in 0..3 {
            match self.part(i).cmp(&other.part(i)) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match (&self.extension, &other.extension) {
            (None, None) => self.parts.len().cmp(&other.parts.len()),
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A version as a query or a reference may give it: an exact version, `latest`
/// (REST 1.x) / `~` (REST 2.x: latest including drafts), `+` (latest stable), `*` /
/// `all` (every version), or a semantic wildcard such as `2.3+.1` (2.3.1 or any
/// later stable version with major 2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionReq {
    /// Exactly this version.
    Exact(Version),
    /// The highest version, drafts included (`latest`, `~`).
    Latest,
    /// The highest stable version (`+`).
    LatestStable,
    /// Every version (`*`, `all`).
    All,
    /// `X+.Y.Z`, `X.Y+.Z` or `X.Y.Z+`: the given version or a later stable one that
    /// keeps the parts before the `+` fixed.
    Wildcard {
        /// The lowest acceptable version.
        base: Version,
        /// Index of the part carrying `+` (0 major, 1 minor, 2 patch).
        plus_at: usize,
    },
}

impl VersionReq {
    /// Whether `v` satisfies this requirement on its own (for `Latest`/`LatestStable`
    /// see [`VersionReq::select`], which picks one among many).
    pub fn matches(&self, v: &Version) -> bool {
        match self {
            VersionReq::Exact(e) => e == v,
            VersionReq::Latest | VersionReq::All => true,
            VersionReq::LatestStable => v.is_stable(),
            VersionReq::Wildcard { base, plus_at } => {
                v.is_stable() && v >= base && (0..*plus_at).all(|i| v.part(i) == base.part(i))
            }
        }
    }

    /// Picks the matching versions from `candidates`: all of them for `All`, the
    /// single highest match otherwise.
    pub fn select<'a>(
        &self,
        candidates: impl IntoIterator<Item = &'a Version>,
    ) -> Vec<&'a Version> {
        let mut matching: Vec<&Version> =
            candidates.into_iter().filter(|v| self.matches(v)).collect();
        matching.sort();
        if matches!(self, VersionReq::All) {
            matching
        } else {
            matching.pop().into_iter().collect()
        }
    }

    /// The exact version, when this is one.
    pub fn exact(&self) -> Option<&Version> {
        match self {
            VersionReq::Exact(v) => Some(v),
            _ => None,
        }
    }
}

impl From<Version> for VersionReq {
    fn from(v: Version) -> Self {
        VersionReq::Exact(v)
    }
}

impl FromStr for VersionReq {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "latest" | "~" => return Ok(VersionReq::Latest),
            "+" => return Ok(VersionReq::LatestStable),
            "*" | "all" => return Ok(VersionReq::All),
            _ => {}
        }
        if s.contains('+') {
            let pieces: Vec<&str> = s.split('.').collect();
            let plus: Vec<usize> = pieces
                .iter()
                .enumerate()
                .filter(|(_, p)| p.ends_with('+'))
                .map(|(i, _)| i)
                .collect();
            if pieces.len() != 3 || plus.len() != 1 {
                return Err(VersionError {
                    text: s.to_owned(),
                    reason: "a wildcard version is X.Y.Z with one '+' after a part, e.g. 2.3+.1",
                });
            }
            let base: Version = s.replace('+', "").parse()?;
            return Ok(VersionReq::Wildcard {
                base,
                plus_at: plus[0],
            });
        }
        Ok(VersionReq::Exact(s.parse()?))
    }
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionReq::Exact(v) => v.fmt(f),
            VersionReq::Latest => f.write_str("~"),
            VersionReq::LatestStable => f.write_str("+"),
            VersionReq::All => f.write_str("*"),
            VersionReq::Wildcard { base, plus_at } => {
                for i in 0..3 {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    write!(f, "{}", base.part(i))?;
                    if i == *plus_at {
                        f.write_str("+")?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl Serialize for VersionReq {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VersionReq {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_legacy_and_semantic() {
        for s in ["1", "1.0", "2.10", "1.0.0", "3.2.1-draft"] {
            assert_eq!(v(s).to_string(), s);
        }
        assert!(v("1.0.0").is_semantic());
        assert!(!v("1.0").is_semantic());
        assert!(!v("1.0.0-draft").is_stable());
    }

    #[test]
    fn rejects_bad_versions() {
        for s in [
            "",
            "1.",
            "a.b",
            "1.0.0.0",
            "01.0",
            "1.0-draft",
            "1.0.0-",
            "1..0",
        ] {
            assert!(s.parse::<Version>().is_err(), "{s} should be rejected");
        }
    }

    #[test]
    fn orders_numerically_with_drafts_first() {
        assert!(v("1.10") > v("1.9"));
        assert!(v("2.0") > v("1.99"));
        assert!(v("1.0.0-draft") < v("1.0.0"));
        assert!(v("1.0.1") > v("1.0.0"));
    }

    #[test]
    fn resolves_latest_stable_and_wildcards() {
        let all = [
            v("1.0.0"),
            v("1.2.0"),
            v("1.3.0-draft"),
            v("2.0.0"),
            v("2.3.1"),
            v("2.4.0"),
            v("3.0.0-rc"),
        ];
        let pick = |q: &str| -> Vec<String> {
            q.parse::<VersionReq>()
                .unwrap()
                .select(all.iter())
                .iter()
                .map(|x| x.to_string())
                .collect()
        };
        assert_eq!(pick("~"), ["3.0.0-rc"]);
        assert_eq!(pick("latest"), ["3.0.0-rc"]);
        assert_eq!(pick("+"), ["2.4.0"]);
        assert_eq!(pick("1.2.0"), ["1.2.0"]);
        assert_eq!(pick("1.0+.0"), ["1.2.0"]);
        assert_eq!(pick("2.3+.1"), ["2.4.0"]);
        assert_eq!(pick("2.3.1+"), ["2.3.1"]);
        assert_eq!(pick("1+.0.0"), ["2.4.0"]);
        assert_eq!(pick("*").len(), 7);
        assert!(pick("9.9.9").is_empty());
        assert_eq!(
            "2.3+.1".parse::<VersionReq>().unwrap().to_string(),
            "2.3+.1"
        );
    }
}
