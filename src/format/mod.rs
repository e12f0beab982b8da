//! Data message formats: SDMX-ML (2.1 generic, structure-specific and their
//! time-series variants; 3.0 structure-specific), SDMX-CSV 1.0/2.0 and SDMX-JSON
//! 1.0/2.0. One reader and one writer per flavour, all streaming over
//! [`crate::data`] events; [`DataFormat::sniff`] recognises a message by content.

pub mod csv;
pub mod json;
mod structure_hint;
pub mod xml;

pub use structure_hint::sniff_structure;

use std::io::{BufRead, Write};

use crate::data::{DataError, DataReader, DataSink, ObsDimension, StructureUse};
use crate::model::DataStructure;

/// The data message formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataFormat {
    /// SDMX-ML 2.1 GenericData.
    Generic21,
    /// SDMX-ML 2.1 StructureSpecificData.
    StructureSpecific21,
    /// SDMX-ML 2.1 GenericTimeSeriesData (read only).
    GenericTimeSeries21,
    /// SDMX-ML 2.1 StructureSpecificTimeSeriesData (read only).
    StructureSpecificTimeSeries21,
    /// SDMX-ML 3.0 StructureSpecificData.
    StructureSpecific30,
    /// SDMX-CSV 1.0.
    Csv10,
    /// SDMX-CSV 2.0.
    Csv20,
    /// SDMX-JSON 1.0 data message.
    Json10,
    /// SDMX-JSON 2.0 data message.
    Json20,
}

impl DataFormat {
    /// Every format.
    pub const ALL: &'static [DataFormat] = &[
        DataFormat::Generic21,
        DataFormat::StructureSpecific21,
        DataFormat::GenericTimeSeries21,
        DataFormat::StructureSpecificTimeSeries21,
        DataFormat::StructureSpecific30,
        DataFormat::Csv10,
        DataFormat::Csv20,
        DataFormat::Json10,
        DataFormat::Json20,
    ];

    /// The CLI name (`sdmx-ml-2.1-generic`, `sdmx-csv-1.0`, …).
    pub fn name(self) -> &'static str {
        match self {
            DataFormat::Generic21 => "sdmx-ml-2.1-generic",
            DataFormat::StructureSpecific21 => "sdmx-ml-2.1-ss",
            DataFormat::GenericTimeSeries21 => "sdmx-ml-2.1-generic-ts",
            DataFormat::StructureSpecificTimeSeries21 => "sdmx-ml-2.1-ss-ts",
            DataFormat::StructureSpecific30 => "sdmx-ml-3.0",
            DataFormat::Csv10 => "sdmx-csv-1.0",
            DataFormat::Csv20 => "sdmx-csv-2.0",
            DataFormat::Json10 => "sdmx-json-1.0",
            DataFormat::Json20 => "sdmx-json-2.0",
        }
    }

    /// The SDMX REST media type.
    pub fn media_type(self) -> &'static str {
        match self {
            DataFormat::Generic21 => "application/vnd.sdmx.genericdata+xml;version=2.1",
            DataFormat::StructureSpecific21 => {
                "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
            }
            DataFormat::GenericTimeSeries21 => {
                "application/vnd.sdmx.generictimeseriesdata+xml;version=2.1"
            }
            DataFormat::StructureSpecificTimeSeries21 => {
                "application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1"
            }
            DataFormat::StructureSpecific30 => "application/vnd.sdmx.data+xml;version=3.0.0",
            DataFormat::Csv10 => "application/vnd.sdmx.data+csv;version=1.0.0",
            DataFormat::Csv20 => "application/vnd.sdmx.data+csv;version=2.0.0",
            DataFormat::Json10 => "application/vnd.sdmx.data+json;version=1.0.0",
            DataFormat::Json20 => "application/vnd.sdmx.data+json;version=2.0.0",
        }
    }

    /// Whether the gateway can write this format (the 2.1 time-series variants are
    /// read only: every reader of them also reads the plain forms).
    pub fn can_write(self) -> bool {
        !matches!(
            self,
            DataFormat::GenericTimeSeries21 | DataFormat::StructureSpecificTimeSeries21
        )
    }

    /// Whether reading or writing this format needs the DSD.
    pub fn needs_structure(self) -> bool {
        !matches!(
            self,
            DataFormat::Generic21 | DataFormat::GenericTimeSeries21
        )
    }

    /// Recognises a data message from its first bytes (a few KB are enough): the
    /// SDMX-ML root element and namespace, the SDMX-JSON shape, or the SDMX-CSV
    /// header's first column. `None` when it is none of them.
    pub fn sniff(head: &[u8]) -> Option<DataFormat> {
        let text = match std::str::from_utf8(head) {
            Ok(t) => t,
            // A prefix may end inside a multi-byte character.
            Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        };
        let text = text.trim_start_matches('\u{feff}').trim_start();
        if text.starts_with('<') {
            return sniff_xml(text);
        }
        if text.starts_with('{') {
            // 2.0 has `structures` (plural) in `data`; 1.0 has `structure`.
            return Some(
                if text.contains("\"structures\"") || text.contains("sdmx-json/2") {
                    DataFormat::Json20
                } else {
                    DataFormat::Json10
                },
            );
        }
        let first = text.split(['\n', '\r']).next()?;
        let first_field = first.trim_start_matches('"');
        if first_field.starts_with("DATAFLOW") {
            Some(DataFormat::Csv10)
        } else if first_field.starts_with("STRUCTURE") {
            Some(DataFormat::Csv20)
        } else {
            None
        }
    }
}

fn sniff_xml(text: &str) -> Option<DataFormat> {
    // The root element is the first start tag that is not a declaration,
    // processing instruction or comment.
    let mut rest = text;
    loop {
        let start = rest.find('<')?;
        rest = &rest[start..];
        if rest.starts_with("<?") {
            rest = &rest[rest.find("?>")? + 2..];
        } else if rest.starts_with("<!--") {
            rest = &rest[rest.find("-->")? + 3..];
        } else if rest.starts_with("<!") {
            // DOCTYPE: let the reader refuse it with a proper error.
            let root = &rest[rest.find('>')? + 1..];
            return sniff_xml(root);
        } else {
            break;
        }
    }
    let tag_end = rest.find('>').unwrap_or(rest.len());
    let tag = &rest[1..tag_end];
    let name = tag.split_whitespace().next()?;
    let local = name.rsplit(':').next()?;
    let v30 = tag.contains("schemas/v3_0/message");
    Some(match (local, v30) {
        ("StructureSpecificData", true) => DataFormat::StructureSpecific30,
        ("GenericData", false) => DataFormat::Generic21,
        ("StructureSpecificData", false) => DataFormat::StructureSpecific21,
        ("GenericTimeSeriesData", false) => DataFormat::GenericTimeSeries21,
        ("StructureSpecificTimeSeriesData", false) => DataFormat::StructureSpecificTimeSeries21,
        _ => return None,
    })
}

impl std::str::FromStr for DataFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        DataFormat::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = DataFormat::ALL.iter().map(|f| f.name()).collect();
                format!("unknown data format {s:?}: use one of {}", names.join(", "))
            })
    }
}

impl std::fmt::Display for DataFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a reader needs besides the bytes.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    /// Names the input in every error (file name, URL, `<stdin>`).
    pub source: &'a str,
    /// The DSD: required by structure-specific XML and SDMX-CSV/JSON readers to
    /// tell dimensions from attributes; optional for generic XML.
    pub dsd: Option<&'a DataStructure>,
    /// The structure the data claims to use, when the caller knows it.
    pub structure: Option<&'a StructureUse>,
}

/// What a writer needs besides the output.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions<'a> {
    /// The DSD: column order for SDMX-CSV, attribute placement and the
    /// structure-specific schema for XML. Required by every writer but generic XML.
    pub dsd: Option<&'a DataStructure>,
    /// The structure written in headers / `DATAFLOW` / `STRUCTURE_ID` columns, when
    /// the events do not carry one.
    pub structure: Option<&'a StructureUse>,
    /// The dimension at observation level to write (readers' value by default).
    pub dimension_at_observation: Option<&'a ObsDimension>,
}

/// Opens a streaming reader for `format` over `input`.
pub fn open_reader<'a, R: BufRead + Send + 'a>(
    format: DataFormat,
    input: R,
    opts: ReadOptions<'a>,
) -> Result<Box<dyn DataReader + Send + 'a>, DataError> {
    match format {
        DataFormat::Generic21
        | DataFormat::StructureSpecific21
        | DataFormat::GenericTimeSeries21
        | DataFormat::StructureSpecificTimeSeries21
        | DataFormat::StructureSpecific30 => xml::open_reader(format, input, opts),
        DataFormat::Csv10 | DataFormat::Csv20 => csv::open_reader(format, input, opts),
        DataFormat::Json10 | DataFormat::Json20 => json::open_reader(format, input, opts),
    }
}

/// Opens a streaming writer for `format` onto `out`.
pub fn open_writer<'a, W: Write + 'a>(
    format: DataFormat,
    out: W,
    opts: WriteOptions<'a>,
) -> Result<Box<dyn DataSink<Error = DataError> + 'a>, DataError> {
    match format {
        DataFormat::Generic21
        | DataFormat::StructureSpecific21
        | DataFormat::GenericTimeSeries21
        | DataFormat::StructureSpecificTimeSeries21
        | DataFormat::StructureSpecific30 => xml::open_writer(format, out, opts),
        DataFormat::Csv10 | DataFormat::Csv20 => csv::open_writer(format, out, opts),
        DataFormat::Json10 | DataFormat::Json20 => json::open_writer(format, out, opts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_format_from_content() {
        let cases: &[(&str, DataFormat)] = &[
            (
                r#"<?xml version="1.0"?><!-- c --><message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">"#,
                DataFormat::Generic21,
            ),
            (
                r#"<mes:StructureSpecificData xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">"#,
                DataFormat::StructureSpecific21,
            ),
            (
                r#"<StructureSpecificTimeSeriesData xmlns="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">"#,
                DataFormat::StructureSpecificTimeSeries21,
            ),
            (
                r#"<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message">"#,
                DataFormat::StructureSpecific30,
            ),
            ("DATAFLOW,REF_AREA,FREQ\n", DataFormat::Csv10),
            ("\u{feff}STRUCTURE;STRUCTURE_ID;ACTION\n", DataFormat::Csv20),
            (r#"{"meta":{},"data":{"structure":{}}}"#, DataFormat::Json10),
            (
                r#"{"meta":{},"data":{"structures":[]}}"#,
                DataFormat::Json20,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(DataFormat::sniff(text.as_bytes()), Some(*want), "{text}");
        }
        assert_eq!(DataFormat::sniff(b"<html><body>502</body></html>"), None);
        assert_eq!(DataFormat::sniff(b"REF_AREA,TIME\n"), None);
    }

    #[test]
    fn names_round_trip() {
        for f in DataFormat::ALL {
            assert_eq!(f.name().parse::<DataFormat>().unwrap(), *f);
        }
        assert!("sdmx-ml-9".parse::<DataFormat>().is_err());
    }
}
