use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ArtefactRef;

macro_rules! data_types {
    ($( $variant:ident ),* $(,)?) => {
        /// The SDMX data types of text formats (`textType`), named as in the schemas.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum DataType {
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                $variant,
            )*
        }

        impl DataType {
            /// The name used in SDMX-ML and SDMX-JSON.
            pub fn name(self) -> &'static str {
                match self { $(DataType::$variant => stringify!($variant),)* }
            }
        }

        impl FromStr for DataType {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $(stringify!($variant) => Ok(DataType::$variant),)*
                    other => Err(format!("unknown SDMX data type {other:?}")),
                }
            }
        }
    };
}

data_types! {
    String, Alpha, AlphaNumeric, Numeric, BigInteger, Integer, Long, Short, Decimal, Float,
    Double, Boolean, URI, Count, InclusiveValueRange, ExclusiveValueRange, Incremental,
    ObservationalTimePeriod, StandardTimePeriod, BasicTimePeriod, GregorianTimePeriod,
    GregorianYear, GregorianYearMonth, GregorianDay, ReportingTimePeriod, ReportingYear,
    ReportingSemester, ReportingTrimester, ReportingQuarter, ReportingMonth, ReportingWeek,
    ReportingDay, DateTime, TimeRange, Month, MonthDay, Day, Time, Duration, XHTML, KeyValues,
    IdentifiableReference, DataSetReference, AttachmentConstraintReference,
    GeospatialInformation,
}

impl DataType {
    /// True for the numeric types whose values a validator parses as numbers.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            DataType::Numeric
                | DataType::BigInteger
                | DataType::Integer
                | DataType::Long
                | DataType::Short
                | DataType::Decimal
                | DataType::Float
                | DataType::Double
                | DataType::Count
                | DataType::InclusiveValueRange
                | DataType::ExclusiveValueRange
                | DataType::Incremental
        )
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for DataType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for DataType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A text format: the data type of an uncoded value and its facets. Facet values
/// are kept as text, exactly as the structure gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextFormat {
    /// `textType`; absent means String.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<DataType>,
    /// `isSequence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_sequence: Option<bool>,
    /// `interval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// `startValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_value: Option<String>,
    /// `endValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_value: Option<String>,
    /// `timeInterval` (xs:duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_interval: Option<String>,
    /// `startTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// `endTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// `minLength`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// `maxLength`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// `minValue` (decimal text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<String>,
    /// `maxValue` (decimal text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<String>,
    /// `decimals`: the number of digits after the decimal point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
    /// `pattern` (an XML Schema regular expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `isMultiLingual`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_multilingual: Option<bool>,
}

impl TextFormat {
    /// A text format with only a data type.
    pub fn of(data_type: DataType) -> Self {
        TextFormat {
            data_type: Some(data_type),
            ..Default::default()
        }
    }
}

/// How a component or concept is represented: a codelist (enumeration), a text
/// format, or both (2.1 `EnumerationFormat` facets alongside the codelist).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Representation {
    /// The codelist (or concept scheme, for a 2.1 measure dimension) of allowed values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enumeration: Option<ArtefactRef>,
    /// Facets of uncoded values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_format: Option<TextFormat>,
    /// 2.1 `EnumerationFormat`: facets of the codes themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enumeration_format: Option<TextFormat>,
    /// 3.0 `minOccurs` (arrays).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_occurs: Option<u32>,
    /// 3.0 `maxOccurs` (arrays); `None` with `min_occurs` set means unbounded only if
    /// `max_unbounded` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_occurs: Option<u32>,
    /// 3.0 `maxOccurs="unbounded"`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub max_unbounded: bool,
}

impl Representation {
    /// A coded representation.
    pub fn coded(codelist: ArtefactRef) -> Self {
        Representation {
            enumeration: Some(codelist),
            ..Default::default()
        }
    }

    /// An uncoded representation.
    pub fn text(format: TextFormat) -> Self {
        Representation {
            text_format: Some(format),
            ..Default::default()
        }
    }
}
