//! Content negotiation: the `format=` parameter and the `Accept` header.

use crate::format::DataFormat;

use super::error::ApiError;

/// The structure message formats the server writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructureFormat {
    /// SDMX-ML 2.1 (the default).
    Xml21,
    /// SDMX-ML 3.0.
    Xml30,
    /// SDMX-JSON 1.0.
    Json10,
}

impl StructureFormat {
    /// The media type of the response.
    pub fn media_type(self) -> &'static str {
        match self {
            StructureFormat::Xml21 => "application/vnd.sdmx.structure+xml;version=2.1",
            StructureFormat::Xml30 => "application/vnd.sdmx.structure+xml;version=3.0.0",
            StructureFormat::Json10 => "application/vnd.sdmx.structure+json;version=1.0.0",
        }
    }
}

/// One entry of an `Accept` header: the media type and its `version` parameter.
fn accept_entries(accept: &str) -> Vec<(String, Option<String>)> {
    accept
        .split(',')
        .filter_map(|entry| {
            let mut parts = entry.split(';').map(str::trim);
            let ty = parts.next()?.to_ascii_lowercase();
            if ty.is_empty() {
                return None;
            }
            let mut version = None;
            for p in parts {
                if let Some((k, v)) = p.split_once('=')
                    && k.trim().eq_ignore_ascii_case("version")
                {
                    version = Some(v.trim().trim_matches('"').to_owned());
                }
            }
            Some((ty, version))
        })
        .collect()
}

fn is_any(ty: &str) -> bool {
    matches!(ty, "*/*" | "application/*" | "application/xml" | "text/xml")
}

/// The data format to answer with. `format=` wins over `Accept`.
pub fn data_format(format: Option<&str>, accept: Option<&str>) -> Result<DataFormat, ApiError> {
    if let Some(f) = format {
        return Ok(match f.to_ascii_lowercase().as_str() {
            "genericdata" | "generictimeseriesdata" => DataFormat::Generic21,
            "structurespecificdata" | "structurespecifictimeseriesdata" => {
                DataFormat::StructureSpecific21
            }
            "csvfile" | "csv" => DataFormat::Csv10,
            "csvfile-2.0" | "sdmx-csv-2.0" => DataFormat::Csv20,
            "jsondata" | "json" => DataFormat::Json10,
            "jsondata-2.0" | "sdmx-json-2.0" => DataFormat::Json20,
            "xml-3.0" | "sdmx-ml-3.0" => DataFormat::StructureSpecific30,
            other => {
                return other.parse::<DataFormat>().ok().filter(|f| f.can_write()).ok_or_else(
                    || {
                        ApiError::not_acceptable(format!(
                            "format={other} is not supported: use genericdata, structurespecificdata, csvfile or jsondata"
                        ))
                    },
                );
            }
        });
    }
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(DataFormat::Generic21);
    };
    for (ty, version) in accept_entries(accept) {
        let v = version.as_deref().unwrap_or("");
        let found = match ty.as_str() {
            t if is_any(t) => Some(DataFormat::Generic21),
            "application/vnd.sdmx.genericdata+xml"
            | "application/vnd.sdmx.generictimeseriesdata+xml" => Some(DataFormat::Generic21),
            "application/vnd.sdmx.structurespecificdata+xml"
            | "application/vnd.sdmx.structurespecifictimeseriesdata+xml" => {
                Some(DataFormat::StructureSpecific21)
            }
            "application/vnd.sdmx.data+xml" => Some(DataFormat::StructureSpecific30),
            "application/vnd.sdmx.data+csv" if v.starts_with('2') => Some(DataFormat::Csv20),
            "application/vnd.sdmx.data+csv" | "text/csv" => Some(DataFormat::Csv10),
            "application/vnd.sdmx.data+json" if v.starts_with('2') => Some(DataFormat::Json20),
            "application/vnd.sdmx.data+json" | "application/json" => Some(DataFormat::Json10),
            _ => None,
        };
        if let Some(f) = found {
            return Ok(f);
        }
    }
    Err(ApiError::not_acceptable(format!(
        "none of the accepted media types ({accept}) is a data format this server writes: accept e.g. {}",
        DataFormat::Generic21.media_type()
    )))
}

/// The structure format to answer with.
pub fn structure_format(
    format: Option<&str>,
    accept: Option<&str>,
) -> Result<StructureFormat, ApiError> {
    if let Some(f) = format {
        return match f.to_ascii_lowercase().as_str() {
            "structure" | "sdmx-ml" | "sdmx-ml-2.1" => Ok(StructureFormat::Xml21),
            "structure-3.0" | "sdmx-ml-3.0" => Ok(StructureFormat::Xml30),
            "sdmx-json" | "json" | "structure-json" => Ok(StructureFormat::Json10),
            other => Err(ApiError::not_acceptable(format!(
                "format={other} is not a structure format: use structure, structure-3.0 or sdmx-json"
            ))),
        };
    }
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(StructureFormat::Xml21);
    };
    for (ty, version) in accept_entries(accept) {
        let v = version.as_deref().unwrap_or("");
        let found = match ty.as_str() {
            t if is_any(t) => Some(StructureFormat::Xml21),
            "application/vnd.sdmx.structure+xml" if v.starts_with('3') => {
                Some(StructureFormat::Xml30)
            }
            "application/vnd.sdmx.structure+xml" => Some(StructureFormat::Xml21),
            "application/vnd.sdmx.structure+json" | "application/json" if !v.starts_with('2') => {
                Some(StructureFormat::Json10)
            }
            _ => None,
        };
        if let Some(f) = found {
            return Ok(f);
        }
    }
    Err(ApiError::not_acceptable(format!(
        "none of the accepted media types ({accept}) is a structure format this server writes: accept {}",
        StructureFormat::Xml21.media_type()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_negotiation() {
        assert_eq!(data_format(None, None).unwrap(), DataFormat::Generic21);
        assert_eq!(
            data_format(Some("csvfile"), Some("application/json")).unwrap(),
            DataFormat::Csv10
        );
        assert_eq!(
            data_format(None, Some("application/vnd.sdmx.data+csv;version=2.0.0")).unwrap(),
            DataFormat::Csv20
        );
        assert_eq!(
            data_format(
                None,
                Some("text/html, application/vnd.sdmx.data+json;version=1.0.0")
            )
            .unwrap(),
            DataFormat::Json10
        );
        assert_eq!(data_format(None, Some("text/html")).unwrap_err().code, 406);
        assert_eq!(data_format(Some("pdf"), None).unwrap_err().code, 406);
    }

    #[test]
    fn structure_negotiation() {
        assert_eq!(
            structure_format(None, None).unwrap(),
            StructureFormat::Xml21
        );
        assert_eq!(
            structure_format(
                None,
                Some("application/vnd.sdmx.structure+xml;version=3.0.0")
            )
            .unwrap(),
            StructureFormat::Xml30
        );
        assert_eq!(
            structure_format(Some("sdmx-json"), None).unwrap(),
            StructureFormat::Json10
        );
        assert_eq!(
            structure_format(None, Some("image/png")).unwrap_err().code,
            406
        );
    }
}
