//! The validation rules: a stable code, a name (for `--disable`), a severity and
//! a one-line summary each. Codes never change meaning; new rules get new codes.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// How serious a finding is: errors make a message invalid, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The message breaks the standard or its structure: invalid.
    Error,
    /// Suspicious but allowed (the ILMS consistency checks).
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! rules {
    ($( $variant:ident => $code:literal, $name:literal, $sev:ident, $summary:literal; )*) => {
        /// A validation rule. See `docs/validation-rules.md` for the table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $(
                #[doc = concat!("`", $code, "` ", $name, ": ", $summary)]
                $variant,
            )*
        }

        impl Rule {
            /// Every rule, in code order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The stable code (`E103`).
            pub fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code,)* }
            }

            /// The stable name (`code-not-in-codelist`).
            pub fn name(self) -> &'static str {
                match self { $(Rule::$variant => $name,)* }
            }

            /// Error or warning.
            pub fn severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$sev,)* }
            }

            /// What the rule checks, in one line.
            pub fn summary(self) -> &'static str {
                match self { $(Rule::$variant => $summary,)* }
            }
        }
    };
}

rules! {
    HeaderField => "E001", "header-field", Error, "the message header lacks a required field (ID, Prepared, Sender)";
    StructureMismatch => "E002", "structure-mismatch", Error, "the message or dataset names a structure other than the one validated against";
    DimensionMissing => "E101", "dimension-missing", Error, "a dimension of the DSD has no value in the key";
    UnknownComponent => "E102", "unknown-component", Error, "a component, group or measure the DSD does not define";
    CodeNotInCodelist => "E103", "code-not-in-codelist", Error, "a dimension value is not a code of its codelist";
    ConstraintKey => "E201", "constraint-key", Error, "the key lies outside the allowed cube regions or key sets, or inside an excluded one";
    ConstraintTime => "E202", "constraint-time", Error, "the period lies outside the allowed time range";
    AttributeLevel => "E301", "attribute-level", Error, "an attribute is given at a higher level than the DSD attaches it to";
    AttributeMissing => "E302", "attribute-missing", Error, "a mandatory attribute has no value";
    AttributeCode => "E303", "attribute-code", Error, "a coded attribute value is not a code of its codelist";
    ValueType => "E401", "value-type", Error, "a value does not have the component's data type";
    ValueRange => "E402", "value-range", Error, "a number lies outside minValue/maxValue";
    ValueDecimals => "E403", "value-decimals", Error, "a number has more decimals than the format allows";
    ValuePattern => "E404", "value-pattern", Error, "a value does not match the format's pattern";
    ValueLength => "E405", "value-length", Error, "a value is shorter than minLength or longer than maxLength";
    MeasureMissing => "E406", "measure-missing", Error, "a mandatory measure has no value";
    TimeFormat => "E501", "time-format", Error, "TIME_PERIOD is not an SDMX time period";
    TimeFrequency => "E502", "time-frequency", Error, "TIME_PERIOD does not suit the series' FREQ";
    Duplicate => "E601", "duplicate-observation", Error, "the same series key and period occur twice in a dataset";
    IlmsSexTotal => "W701", "ilms-sex-total", Warning, "SEX_T differs from SEX_M + SEX_F (+ SEX_O) beyond the tolerance";
    IlmsClassificationTotal => "W702", "ilms-classification-total", Warning, "an IS_TOTAL code differs from the sum of its breakdown beyond the tolerance";
    IlmsNegative => "W703", "ilms-negative", Warning, "a count (indicator ending _NB) is negative";
    IlmsClassificationVersion => "W704", "ilms-classification-version", Warning, "codes of two versions of one classification (ECO_ISIC3_*, ECO_ISIC4_*) in one series";
    IlmsUnitMult => "W705", "ilms-unit-mult", Warning, "UNIT_MULT does not suit the indicator (NB: 3, RT: 0)";
    IlmsLimit => "W706", "ilms-limit", Warning, "the ILMS total checks stopped: too many open groups in one dataset";
}

impl Rule {
    /// The ILMS consistency warnings (all on by default; they only fire on
    /// structures with the ILMS dimensions).
    pub fn is_ilms(self) -> bool {
        self.code().starts_with("W7")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.name())
    }
}

impl FromStr for Rule {
    type Err = String;

    /// Parses a code (`E103`, case-insensitive) or a name (`code-not-in-codelist`);
    /// `ilms` is not a rule (see [`crate::validate::Options::disable`]).
    fn from_str(s: &str) -> Result<Self, String> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(s) || r.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown rule {s:?}: use a code such as E103 or a name such as code-not-in-codelist (see docs/validation-rules.md)"
                )
            })
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_parse() {
        let mut codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Rule::ALL.len());
        for r in Rule::ALL {
            assert_eq!(r.code().parse::<Rule>().unwrap(), *r);
            assert_eq!(r.name().parse::<Rule>().unwrap(), *r);
            assert_eq!(r.code().starts_with('W'), r.severity() == Severity::Warning);
        }
        assert!("E999".parse::<Rule>().is_err());
    }
}
