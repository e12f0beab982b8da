//! Which structure a data message says it uses, read from its first bytes.
//!
//! Structure-specific XML, SDMX-CSV and SDMX-JSON cannot be read without the DSD,
//! yet the message itself names its dataflow or DSD near the top (the SDMX-ML
//! header, the first SDMX-CSV data row, the SDMX-JSON `structure` links). Peeking
//! at that lets `convert`, `validate` and the server pick the DSD before the
//! streaming reader starts, without asking the user to repeat what the file says.

use crate::data::StructureUse;
use crate::model::{ArtefactClass, ArtefactRef, parse_urn};

use super::DataFormat;

/// The structure the message at `head` (its first bytes, a few KB) claims, when
/// it can be found there. A guess for choosing the DSD, never a validation.
pub fn sniff_structure(head: &[u8], format: DataFormat) -> Option<StructureUse> {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
    };
    match format {
        DataFormat::Csv10 | DataFormat::Csv20 => from_csv(text, format),
        _ => from_urn(text).or_else(|| from_xml_ref(text)),
    }
}

fn use_for(r: ArtefactRef) -> Option<StructureUse> {
    Some(match r.class {
        ArtefactClass::Dataflow => StructureUse::Dataflow(r),
        ArtefactClass::DataStructure => StructureUse::DataStructure(r),
        ArtefactClass::ProvisionAgreement => StructureUse::ProvisionAgreement(r),
        _ => return None,
    })
}

/// The first dataflow, DSD or provision-agreement URN in the text.
fn from_urn(text: &str) -> Option<StructureUse> {
    let mut rest = text;
    while let Some(at) = rest.find("urn:sdmx:org.sdmx.infomodel.") {
        let candidate = &rest[at..];
        let end = candidate
            .find(['"', '\'', '<', ' ', '\n', '\r', '\t'])
            .unwrap_or(candidate.len());
        let mut urn = &candidate[..end];
        // A 2.1 structure-specific namespace appends `:ObsLevelDim:…` to the URN.
        if let Some(close) = urn.find(')') {
            urn = &urn[..=close];
        }
        if let Ok((r, None)) = parse_urn(urn)
            && let Some(u) = use_for(r)
        {
            return Some(u);
        }
        rest = &candidate[end..];
    }
    None
}

/// SDMX-ML 2.1 headers without URNs: `<Structure …><Structure><Ref agencyID= id=
/// version=/>` (a DSD) or `<StructureUsage><Ref …/>` (a dataflow).
fn from_xml_ref(text: &str) -> Option<StructureUse> {
    for (element, class) in [
        ("StructureUsage>", ArtefactClass::Dataflow),
        ("ProvisionAgrement>", ArtefactClass::ProvisionAgreement),
        ("ProvisionAgreement>", ArtefactClass::ProvisionAgreement),
        ("Structure>", ArtefactClass::DataStructure),
    ] {
        let mut rest = text;
        while let Some(at) = rest.find(element) {
            let after = &rest[at + element.len()..];
            let trimmed = after.trim_start();
            // Only an opening tag directly followed by <Ref …> counts.
            if trimmed.starts_with('<') && !trimmed.starts_with("</") {
                let tag_end = trimmed.find('>').unwrap_or(trimmed.len());
                let tag = &trimmed[..tag_end];
                let local = tag[1..].split_whitespace().next().unwrap_or("");
                if local.rsplit(':').next() == Some("Ref") {
                    let agency = attr(tag, "agencyID");
                    let id = attr(tag, "id");
                    let version = attr(tag, "version").unwrap_or("1.0");
                    if let (Some(agency), Some(id)) = (agency, id)
                        && let Ok(r) =
                            ArtefactRef::parse_short(class, &format!("{agency}:{id}({version})"))
                    {
                        return use_for(r);
                    }
                }
            }
            rest = after;
        }
    }
    None
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(at) = rest.find(name) {
        let before_ok = at == 0 || rest.as_bytes()[at - 1].is_ascii_whitespace();
        let after = rest[at + name.len()..].trim_start();
        if before_ok && let Some(v) = after.strip_prefix('=') {
            let v = v.trim_start();
            let quote = v.chars().next()?;
            if quote == '"' || quote == '\'' {
                let body = &v[1..];
                return body.find(quote).map(|end| &body[..end]);
            }
        }
        rest = &rest[at + name.len()..];
    }
    None
}

/// SDMX-CSV: 1.0's `DATAFLOW` column holds `AGENCY:ID(VERSION)` of a dataflow;
/// 2.0's `STRUCTURE` column says which kind and `STRUCTURE_ID` which one.
fn from_csv(text: &str, format: DataFormat) -> Option<StructureUse> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(csv_delimiter(text))
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut records = reader.records();
    let header = records.next()?.ok()?;
    let row = records.next()?.ok()?;
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.split(':').next().unwrap_or(h).trim() == name)
            .and_then(|i| row.get(i))
            // Labels mode writes `ID: Name`; the id is before the colon-space.
            .map(|v| v.split(": ").next().unwrap_or(v).trim())
    };
    if format == DataFormat::Csv10 {
        let r = ArtefactRef::parse_short(ArtefactClass::Dataflow, column("DATAFLOW")?).ok()?;
        return Some(StructureUse::Dataflow(r));
    }
    let class = match column("STRUCTURE")?.to_ascii_lowercase().as_str() {
        "dataflow" => ArtefactClass::Dataflow,
        "datastructure" => ArtefactClass::DataStructure,
        "dataprovision" | "provisionagreement" => ArtefactClass::ProvisionAgreement,
        _ => return None,
    };
    use_for(ArtefactRef::parse_short(class, column("STRUCTURE_ID")?).ok()?)
}

/// SDMX-CSV 2.0 allows `;` or tab instead of `,`; the header line tells which.
fn csv_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(u: &StructureUse) -> (ArtefactClass, String) {
        (u.reference().class, u.reference().short())
    }

    #[test]
    fn finds_the_dataflow_of_a_2_1_structure_specific_header() {
        let head = r#"<message:StructureSpecificData xmlns:message="x"><message:Header>
            <message:Structure structureID="ILO_DF" namespace="urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_IMG_TPOP_SEX_AGE_NB(1.0):ObsLevelDim:TIME_PERIOD" dimensionAtObservation="TIME_PERIOD">
            <common:StructureUsage><Ref agencyID="ILO" id="DF_IMG_TPOP_SEX_AGE_NB" version="1.0"/></common:StructureUsage>"#;
        let got = sniff_structure(head.as_bytes(), DataFormat::StructureSpecific21).unwrap();
        assert_eq!(
            short(&got),
            (
                ArtefactClass::Dataflow,
                "ILO:DF_IMG_TPOP_SEX_AGE_NB(1.0)".to_owned()
            )
        );
    }

    #[test]
    fn finds_a_dsd_ref_in_a_generic_header() {
        let head = r#"<message:Structure structureID="S1" dimensionAtObservation="TIME_PERIOD">
            <common:Structure>
              <Ref agencyID='ECB' id='ECB_EXR1' version='1.0'/>
            </common:Structure></message:Structure>"#;
        let got = sniff_structure(head.as_bytes(), DataFormat::Generic21).unwrap();
        assert_eq!(
            short(&got),
            (ArtefactClass::DataStructure, "ECB:ECB_EXR1(1.0)".to_owned())
        );
    }

    #[test]
    fn finds_a_3_0_urn() {
        let head = r#"<message:Structure dimensionAtObservation="TIME_PERIOD" structureID="X">
            <common:Structure>urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ECB:ECB_EXR1(1.0.0)</common:Structure>"#;
        let got = sniff_structure(head.as_bytes(), DataFormat::StructureSpecific30).unwrap();
        assert_eq!(
            short(&got),
            (
                ArtefactClass::DataStructure,
                "ECB:ECB_EXR1(1.0.0)".to_owned()
            )
        );
    }

    #[test]
    fn reads_csv_structure_columns_in_any_order_and_delimiter() {
        let v1 = "DATAFLOW,REF_AREA,OBS_VALUE\nILO:DF_X(1.0),PHL,3\n";
        assert_eq!(
            short(&sniff_structure(v1.as_bytes(), DataFormat::Csv10).unwrap()),
            (ArtefactClass::Dataflow, "ILO:DF_X(1.0)".to_owned())
        );
        let v2 = "STRUCTURE_ID;REF_AREA;STRUCTURE\nILO:X(1.0);PHL;datastructure\n";
        assert_eq!(
            short(&sniff_structure(v2.as_bytes(), DataFormat::Csv20).unwrap()),
            (ArtefactClass::DataStructure, "ILO:X(1.0)".to_owned())
        );
        let labels =
            "DATAFLOW,REF_AREA: Reference area\nILO:DF_X(1.0): Migrants,PHL: Philippines\n";
        assert_eq!(
            short(&sniff_structure(labels.as_bytes(), DataFormat::Csv10).unwrap()),
            (ArtefactClass::Dataflow, "ILO:DF_X(1.0)".to_owned())
        );
    }

    #[test]
    fn says_nothing_when_the_head_names_no_structure() {
        assert!(sniff_structure(b"DATAFLOW,A\n", DataFormat::Csv10).is_none());
        assert!(sniff_structure(b"<message:GenericData>", DataFormat::Generic21).is_none());
        // A codelist URN is not a structure for data.
        let cl = "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)";
        assert!(sniff_structure(cl.as_bytes(), DataFormat::Json10).is_none());
    }
}
