//! SDMX-ML data readers and writers: fixtures with hand-checked counts and
//! values, round trips writer → reader, every error path, and (ignored, needing
//! xmllint) validation of what the writers produce.

mod dsd;

use std::io::Cursor;

use sdmx_gateway::data::{
    Action, CollectSink, Collected, DataError, ObsDimension, StructureUse, pump,
};
use sdmx_gateway::format::xml::xsd::{NoCodelists, write_structure_specific_xsd};
use sdmx_gateway::format::{DataFormat, ReadOptions, WriteOptions, open_reader, open_writer};
use sdmx_gateway::model::DataStructure;

use crate::util;

fn read_bytes(
    format: DataFormat,
    bytes: &[u8],
    dsd: Option<&DataStructure>,
) -> Result<Collected, DataError> {
    let opts = ReadOptions {
        source: "test.xml",
        dsd,
        structure: None,
    };
    let mut reader = open_reader(format, Cursor::new(bytes), opts)?;
    let mut sink = CollectSink::default();
    pump(&mut reader, &mut sink)?;
    Ok(sink.collected)
}

fn fixture_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(util::fixture(rel)).unwrap()
}

fn read_fixture(format: DataFormat, rel: &str, dsd: Option<&DataStructure>) -> Collected {
    read_bytes(format, &fixture_bytes(rel), dsd).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn write(
    format: DataFormat,
    c: &Collected,
    dsd: Option<&DataStructure>,
    obs_dim: Option<&ObsDimension>,
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let opts = WriteOptions {
            dsd,
            structure: None,
            dimension_at_observation: obs_dim,
        };
        let mut w = open_writer(format, &mut out, opts).unwrap();
        let mut replay = Replay::new(c);
        pump(&mut replay, &mut *w).unwrap();
    }
    out
}

/// Replays a [`Collected`] as a reader (for feeding writers).
struct Replay<'c> {
    events: Vec<Ev<'c>>,
    next: usize,
}

enum Ev<'c> {
    Header(&'c sdmx_gateway::data::Header),
    DataSet(&'c sdmx_gateway::data::DataSetHeader),
    Group(&'c sdmx_gateway::data::GroupKey),
    Series(&'c sdmx_gateway::data::SeriesKey),
    Obs(&'c sdmx_gateway::data::Obs),
    End,
}

impl<'c> Replay<'c> {
    fn new(c: &'c Collected) -> Self {
        let mut events = Vec::new();
        if let Some(h) = &c.header {
            events.push(Ev::Header(h));
        }
        for (ds, groups, series) in &c.datasets {
            events.push(Ev::DataSet(ds));
            events.extend(groups.iter().map(Ev::Group));
            for (s, obs) in series {
                // CollectSink files flat observations under an empty key.
                if !(s.key.is_empty() && s.attributes.is_empty()) {
                    events.push(Ev::Series(s));
                }
                events.extend(obs.iter().map(Ev::Obs));
            }
            events.push(Ev::End);
        }
        Replay { events, next: 0 }
    }
}

impl sdmx_gateway::data::DataReader for Replay<'_> {
    fn next_event(&mut self) -> Result<Option<sdmx_gateway::data::DataEvent<'_>>, DataError> {
        use sdmx_gateway::data::DataEvent;
        let Some(e) = self.events.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        Ok(Some(match e {
            Ev::Header(h) => DataEvent::Header(h),
            Ev::DataSet(d) => DataEvent::DataSet(d),
            Ev::Group(g) => DataEvent::Group(g),
            Ev::Series(s) => DataEvent::Series(s),
            Ev::Obs(o) => DataEvent::Obs(o),
            Ev::End => DataEvent::EndDataSet,
        }))
    }
    fn position(&self) -> sdmx_gateway::data::Position {
        sdmx_gateway::data::Position::source("replay")
    }
}

fn counts(c: &Collected) -> (usize, usize) {
    let series: usize = c.datasets.iter().map(|d| d.2.len()).sum();
    let obs: usize = c
        .datasets
        .iter()
        .flat_map(|d| d.2.iter())
        .map(|s| s.1.len())
        .sum();
    (series, obs)
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

// ---------------------------------------------------------------- readers

#[test]
fn reads_tck_structure_specific_with_header() {
    let dsd = dsd::ecb_exr();
    let c = read_fixture(
        DataFormat::StructureSpecific21,
        "data/tck/DataXML.xml",
        Some(&dsd),
    );
    let h = c.header.as_ref().unwrap();
    assert_eq!(h.id, "IREF349492");
    assert!(!h.test);
    assert_eq!(h.prepared, "2020-11-30T11:15:41Z");
    assert_eq!(h.sender, "Unknown");
    assert_eq!(h.receiver.as_deref(), Some("ANONYMOUS"));
    assert_eq!(h.action, Some(Action::Information));
    let Some(StructureUse::Dataflow(r)) = &h.structure else {
        panic!("{:?}", h.structure)
    };
    assert_eq!(r.short(), "ECB:EXR(1.0)");
    // One series (the second is commented out) with five observations.
    assert_eq!(counts(&c), (1, 5));
    let (ds, _, series) = &c.datasets[0];
    assert_eq!(ds.action, Action::Information);
    assert_eq!(ds.dimension_at_observation, ObsDimension::Time);
    let (s, obs) = &series[0];
    assert_eq!(s.key.get("EXR_SUFFIX"), Some("A"));
    assert_eq!(s.key.len(), 5);
    assert_eq!(obs[0].key.to_vec(), pairs(&[("TIME_PERIOD", "2017-Q2")]));
    assert_eq!(obs[0].measures.get("OBS_VALUE"), Some("0.82363"));
    assert_eq!(obs[0].attributes.get("CONF_STATUS_OBS"), Some("F"));
    assert_eq!(obs[4].key.get("TIME_PERIOD"), Some("2010-10"));
    assert_eq!(obs[4].measures.get("OBS_VALUE"), Some("0.87637"));
}

#[test]
fn reads_tck_series_variants() {
    let dsd = dsd::ecb_exr();
    let f = DataFormat::StructureSpecific21;
    // A commented-out observation does not count.
    let c = read_fixture(f, "data/tck/DataXMLNObservations.xml", Some(&dsd));
    assert_eq!(counts(&c), (2, 5));
    let c = read_fixture(f, "data/tck/DataXMLSeriesKeysOnly.xml", Some(&dsd));
    assert_eq!(counts(&c), (4, 0));
    assert_eq!(c.datasets[0].2[3].0.key.get("FREQ"), Some("Q"));
    let c = read_fixture(f, "data/tck/dataExtendedIdentificationTest.xml", Some(&dsd));
    assert_eq!(counts(&c), (2, 0));
    assert_eq!(c.datasets[0].2[1].0.key.get("CURRENCY_DENOM"), Some("EUR1"));
    assert!(matches!(
        c.header.unwrap().structure,
        Some(StructureUse::ProvisionAgreement(_))
    ));
}

#[test]
fn reads_an_observation_dimension_other_than_time() {
    let dsd = dsd::bis_lbs();
    let c = read_fixture(
        DataFormat::StructureSpecific21,
        "data/tck/DataDimenstionAtObservationDimension.xml",
        Some(&dsd),
    );
    assert_eq!(counts(&c), (1224, 1224));
    let (ds, _, series) = &c.datasets[0];
    assert_eq!(
        ds.dimension_at_observation,
        ObsDimension::Dimension("FREQ".into())
    );
    let (s, obs) = &series[0];
    assert_eq!(s.key.get("TIME_PERIOD"), Some("2019-Q1"));
    assert_eq!(s.key.get("REPCOUNTRY"), Some("ZA"));
    assert_eq!(obs[0].key.to_vec(), pairs(&[("FREQ", "Q")]));
    assert_eq!(obs[0].measures.get("OBS_VALUE"), Some("2.9999"));
    assert_eq!(
        obs[0].attributes.get("OBS_COMMENT"),
        Some("In USD millions")
    );
    let last = &series[1223].1[0];
    assert_eq!(last.measures.get("OBS_VALUE"), Some("49721.42"));
}

#[test]
fn reads_sdmx_ml_30_structure_specific() {
    let dsd = dsd::ecb_exr();
    let c = read_fixture(
        DataFormat::StructureSpecific30,
        "data/sdmx-ml-3.0/ECB_EXR.xml",
        Some(&dsd),
    );
    assert_eq!(counts(&c), (6, 116));
    let h = c.header.as_ref().unwrap();
    assert_eq!(h.id, "IREF411123");
    let Some(StructureUse::Dataflow(r)) = &h.structure else {
        panic!("{:?}", h.structure)
    };
    assert_eq!(r.short(), "ECB:EXR(1.0)");
    let (s, obs) = &c.datasets[0].2[0];
    assert_eq!(s.key.get("CURRENCY"), Some("CAD"));
    assert_eq!(s.attributes.get("TITLE"), Some("Canadian dollar/Euro"));
    assert_eq!(obs[0].key.get("TIME_PERIOD"), Some("1999"));
    assert_eq!(obs[0].measures.get("OBS_VALUE"), Some("1.583993822393823"));
    let last = c.datasets[0].2[5].1.last().unwrap();
    assert_eq!(last.key.get("TIME_PERIOD"), Some("2014"));
    assert_eq!(last.measures.get("OBS_VALUE"), Some("3.4528"));
}

#[test]
fn reads_sdmx_ml_30_multiple_measures_and_merge() {
    let dsd = dsd::ilms_two_measures();
    let xml = r#"<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message" xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific">
<message:Header><message:ID>M</message:ID><message:Test>false</message:Test><message:Prepared>2024-01-01T00:00:00</message:Prepared><message:Sender id="S"/></message:Header>
<message:DataSet ss:structureRef="X" ss:action="Merge">
<Series REF_AREA="TH" SEX="F"><Obs TIME_PERIOD="2020" OBS_VALUE="5" OBS_VALUE_LOW="4"/></Series>
</message:DataSet></message:StructureSpecificData>"#;
    let c = read_bytes(DataFormat::StructureSpecific30, xml.as_bytes(), Some(&dsd)).unwrap();
    assert_eq!(c.datasets[0].0.action, Action::Merge);
    let o = &c.datasets[0].2[0].1[0];
    assert_eq!(
        o.measures.to_vec(),
        pairs(&[("OBS_VALUE", "5"), ("OBS_VALUE_LOW", "4")])
    );
}

#[test]
fn reads_generic_series_groups_and_dataset_attributes() {
    let c = read_fixture(
        DataFormat::Generic21,
        "data/generic/generic_series.xml",
        None,
    );
    let h = c.header.as_ref().unwrap();
    assert_eq!(h.id, "GEN_SERIES_1");
    assert!(h.test);
    assert_eq!(h.receiver.as_deref(), Some("ASEAN"));
    assert_eq!(h.action, Some(Action::Replace));
    assert_eq!(counts(&c), (2, 2));
    let (ds, groups, series) = &c.datasets[0];
    // The dataset's own action wins over the header's.
    assert_eq!(ds.action, Action::Append);
    assert_eq!(ds.attributes.to_vec(), pairs(&[("SOURCE", "LFS & census")]));
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].group, "SIBLING");
    assert_eq!(groups[0].key.to_vec(), pairs(&[("REF_AREA", "TH")]));
    assert_eq!(
        groups[0].attributes.to_vec(),
        pairs(&[("UNIT_MEASURE", "PS")])
    );
    let (s, obs) = &series[0];
    assert_eq!(s.key.to_vec(), pairs(&[("REF_AREA", "TH"), ("SEX", "F")]));
    assert_eq!(s.attributes.to_vec(), pairs(&[("UNIT_MULT", "3")]));
    assert_eq!(obs[0].key.to_vec(), pairs(&[("TIME_PERIOD", "2019")]));
    assert_eq!(obs[0].measures.to_vec(), pairs(&[("OBS_VALUE", "1234.5")]));
    assert_eq!(obs[0].attributes.to_vec(), pairs(&[("OBS_STATUS", "A")]));
    assert!(obs[1].attributes.is_empty());
    // A series with no observation still arrives.
    assert_eq!(series[1].0.key.get("SEX"), Some("M"));
    assert!(series[1].1.is_empty());
}

#[test]
fn reads_generic_all_dimensions() {
    let c = read_fixture(
        DataFormat::Generic21,
        "data/generic/generic_all_dimensions.xml",
        None,
    );
    let (ds, _, _) = &c.datasets[0];
    assert_eq!(ds.action, Action::Delete);
    assert_eq!(ds.dimension_at_observation, ObsDimension::AllDimensions);
    let flat = c.flat();
    assert_eq!(flat.len(), 2);
    assert_eq!(
        flat[1],
        (
            pairs(&[("REF_AREA", "VN"), ("SEX", "M"), ("TIME_PERIOD", "2021")]),
            pairs(&[("OBS_VALUE", "43")]),
            pairs(&[("OBS_STATUS", "E")]),
        )
    );
}

#[test]
fn reads_generic_with_another_observation_dimension() {
    let c = read_fixture(
        DataFormat::Generic21,
        "data/generic/generic_obs_dim_sex.xml",
        None,
    );
    let (s, obs) = &c.datasets[0].2[0];
    assert_eq!(s.key.get("TIME_PERIOD"), Some("2022"));
    assert_eq!(obs[1].key.to_vec(), pairs(&[("SEX", "M")]));
    assert_eq!(obs[1].measures.get("OBS_VALUE"), Some("8"));
}

#[test]
fn reads_the_time_series_variants() {
    for f in [DataFormat::GenericTimeSeries21, DataFormat::Generic21] {
        let c = read_fixture(f, "data/generic/generic_timeseries.xml", None);
        assert_eq!(c.datasets[0].0.action, Action::Information);
        assert_eq!(
            c.flat(),
            vec![(
                pairs(&[("REF_AREA", "LA"), ("SEX", "T"), ("TIME_PERIOD", "2018")]),
                pairs(&[("OBS_VALUE", "5.5")]),
                vec![],
            )]
        );
    }
    let dsd = dsd::ilms();
    let c = read_fixture(
        DataFormat::StructureSpecificTimeSeries21,
        "data/generic/ss_timeseries.xml",
        Some(&dsd),
    );
    let (ds, groups, series) = &c.datasets[0];
    assert_eq!(ds.action, Action::Replace);
    assert_eq!(ds.attributes.to_vec(), pairs(&[("SOURCE", "LFS")]));
    assert_eq!(
        ds.extra.to_vec(),
        pairs(&[("validFromDate", "2024-01-01T00:00:00")])
    );
    assert_eq!(groups[0].group, "SIBLING");
    assert_eq!(groups[0].key.to_vec(), pairs(&[("REF_AREA", "MM")]));
    assert_eq!(
        groups[0].attributes.to_vec(),
        pairs(&[("UNIT_MEASURE", "PS")])
    );
    assert_eq!(
        series[0].0.attributes.to_vec(),
        pairs(&[("UNIT_MULT", "3")])
    );
    assert_eq!(series[0].1.len(), 2);
    assert_eq!(series[0].1[0].attributes.get("OBS_STATUS"), Some("A"));
}

#[test]
fn reads_structure_specific_all_dimensions() {
    let dsd = dsd::ilms();
    let c = read_fixture(
        DataFormat::StructureSpecific21,
        "data/generic/ss_all_dimensions.xml",
        Some(&dsd),
    );
    assert_eq!(
        c.datasets[0].0.dimension_at_observation,
        ObsDimension::AllDimensions
    );
    let flat = c.flat();
    assert_eq!(flat.len(), 3);
    assert_eq!(
        flat[0],
        (
            pairs(&[("REF_AREA", "SG"), ("SEX", "F"), ("TIME_PERIOD", "2020")]),
            pairs(&[("OBS_VALUE", "1.5")]),
            pairs(&[("OBS_STATUS", "P")]),
        )
    );
}

// ---------------------------------------------------------------- errors

fn error(format: DataFormat, bytes: &[u8], dsd: Option<&DataStructure>) -> DataError {
    match read_bytes(format, bytes, dsd) {
        Ok(c) => panic!("read without error: {c:?}"),
        Err(e) => e,
    }
}

#[test]
fn refuses_an_observation_outside_any_series() {
    let dsd = dsd::ecb_exr();
    let e = error(
        DataFormat::StructureSpecific21,
        &fixture_bytes("data/tck/DataXMLDataOnly.xml"),
        Some(&dsd),
    );
    let DataError::Invalid { position, message } = &e else {
        panic!("{e}")
    };
    // Line 19 of the file holds the first stray <Obs>, at column 1.
    assert_eq!((position.line, position.column), (19, 1), "{e}");
    assert!(message.contains("outside any <Series>"), "{message}");
    assert!(e.to_string().starts_with("test.xml:19:1: "), "{e}");

    let generic = r#"<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:g="g">
<message:DataSet>
  <g:Obs><g:ObsDimension value="2000"/></g:Obs>
</message:DataSet></message:GenericData>"#;
    let e = error(DataFormat::Generic21, generic.as_bytes(), None);
    let DataError::Invalid { position, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!((position.line, position.column), (3, 3), "{e}");
}

#[test]
fn refuses_a_component_the_dsd_does_not_have() {
    let dsd = dsd::ecb_exr();
    let text = String::from_utf8(fixture_bytes("data/tck/DataXMLNObservations.xml")).unwrap();
    let bad = text.replacen("EXR_SUFFIX=\"E\"", "EXR_SUFFIX=\"E\" COLOUR=\"red\"", 1);
    let line = bad.lines().position(|l| l.contains("COLOUR")).unwrap() as u64 + 1;
    let e = error(DataFormat::StructureSpecific21, bad.as_bytes(), Some(&dsd));
    let DataError::Invalid { position, message } = &e else {
        panic!("{e}")
    };
    assert_eq!(position.line, line);
    assert_eq!(position.column, 5);
    assert!(message.contains("COLOUR"), "{message}");
    assert!(message.contains("no component"), "{message}");
}

#[test]
fn refuses_a_truncated_file() {
    let bytes = fixture_bytes("data/tck/DataXML.xml");
    // Cut between elements and in the middle of a tag.
    let cut_between = bytes.len() - "</message:StructureSpecificData>\n".len();
    let dsd = dsd::ecb_exr();
    for cut in [cut_between, bytes.len() / 2] {
        let e = error(DataFormat::StructureSpecific21, &bytes[..cut], Some(&dsd));
        assert!(matches!(e, DataError::Malformed { .. }), "{e}");
    }
    let e = error(
        DataFormat::StructureSpecific21,
        &bytes[..cut_between],
        Some(&dsd),
    );
    assert!(e.to_string().contains("truncated"), "{e}");
    assert!(e.to_string().contains("StructureSpecificData"), "{e}");
    let e = error(DataFormat::StructureSpecific21, b"", Some(&dsd));
    assert!(matches!(e, DataError::Malformed { .. }), "{e}");
}

#[test]
fn refuses_invalid_utf8_with_its_line() {
    let mut bytes = fixture_bytes("data/tck/DataXML.xml");
    let text = String::from_utf8(bytes.clone()).unwrap();
    let at = text.find("0.83987").unwrap();
    bytes[at] = 0xff;
    let line = text[..at].matches('\n').count() as u64 + 1;
    let dsd = dsd::ecb_exr();
    let e = error(DataFormat::StructureSpecific21, &bytes, Some(&dsd));
    let DataError::Malformed {
        position, message, ..
    } = &e
    else {
        panic!("{e}")
    };
    assert!(message.contains("UTF-8"), "{message}");
    assert_eq!(position.line, line, "{e}");
}

#[test]
fn refuses_doctype_billion_laughs() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">
<message:Header><message:ID>&lol3;</message:ID></message:Header>
</message:GenericData>"#;
    let e = error(DataFormat::Generic21, xml.as_bytes(), None);
    let DataError::Doctype { position } = &e else {
        panic!("{e}")
    };
    assert_eq!(position.line, 2);
}

#[test]
fn refuses_the_wrong_root_or_version() {
    let dsd = dsd::ecb_exr();
    let ss21 = fixture_bytes("data/tck/DataXML.xml");
    let e = error(DataFormat::Generic21, &ss21, None);
    assert!(e.to_string().contains("root element"), "{e}");
    // A 2.1 message read as 3.0 (same root name, other namespace).
    let e = error(DataFormat::StructureSpecific30, &ss21, Some(&dsd));
    assert!(e.to_string().contains("3.0"), "{e}");
    let e = error(DataFormat::Generic21, b"<html><body/></html>", None);
    assert!(matches!(e, DataError::Invalid { .. }), "{e}");
}

#[test]
fn structure_specific_needs_the_dsd() {
    let e = error(
        DataFormat::StructureSpecific21,
        &fixture_bytes("data/tck/DataXML.xml"),
        None,
    );
    assert!(matches!(e, DataError::Structure(_)), "{e}");
}

#[test]
fn refuses_an_unknown_action() {
    let xml = r#"<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">
<message:DataSet action="Upsert"/></message:GenericData>"#;
    let e = error(DataFormat::Generic21, xml.as_bytes(), None);
    assert!(e.to_string().contains("Upsert"), "{e}");
}

// ---------------------------------------------------------------- round trips

fn round_trip(
    source: &Collected,
    format: DataFormat,
    dsd: &DataStructure,
    obs_dim: Option<&ObsDimension>,
) -> Collected {
    let bytes = write(format, source, Some(dsd), obs_dim);
    read_bytes(format, &bytes, Some(dsd))
        .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&bytes)))
}

#[test]
fn round_trips_through_every_writer() {
    let exr = dsd::ecb_exr();
    let ilms = dsd::ilms();
    let sources = [
        (
            read_fixture(
                DataFormat::StructureSpecific21,
                "data/tck/DataXML.xml",
                Some(&exr),
            ),
            &exr,
        ),
        (
            read_fixture(
                DataFormat::StructureSpecific30,
                "data/sdmx-ml-3.0/ECB_EXR.xml",
                Some(&exr),
            ),
            &exr,
        ),
        (
            read_fixture(
                DataFormat::Generic21,
                "data/generic/generic_series.xml",
                None,
            ),
            &ilms,
        ),
        (
            read_fixture(
                DataFormat::StructureSpecific21,
                "data/generic/ss_all_dimensions.xml",
                Some(&ilms),
            ),
            &ilms,
        ),
    ];
    for (source, dsd) in &sources {
        for format in [
            DataFormat::Generic21,
            DataFormat::StructureSpecific21,
            DataFormat::StructureSpecific30,
        ] {
            let back = round_trip(source, format, dsd, None);
            assert_eq!(back.flat(), source.flat(), "{format}");
            assert_eq!(
                back.header.as_ref().unwrap().id,
                source.header.as_ref().unwrap().id
            );
            let (a, b) = (&back.datasets[0].0, &source.datasets[0].0);
            assert_eq!(
                a.dimension_at_observation, b.dimension_at_observation,
                "{format}"
            );
            assert_eq!(a.attributes, b.attributes, "{format}");
            // SDMX-ML has no Merge: it is written as its equivalent Append.
            assert_eq!(a.action.effective(), b.action.effective(), "{format}");
            assert_eq!(back.datasets[0].1, source.datasets[0].1, "{format} groups");
        }
    }
}

#[test]
fn rewrites_with_another_observation_dimension() {
    let exr = dsd::ecb_exr();
    let source = read_fixture(
        DataFormat::StructureSpecific21,
        "data/tck/DataXML.xml",
        Some(&exr),
    );
    for format in [DataFormat::Generic21, DataFormat::StructureSpecific21] {
        let flat = round_trip(&source, format, &exr, Some(&ObsDimension::AllDimensions));
        assert_eq!(
            flat.datasets[0].0.dimension_at_observation,
            ObsDimension::AllDimensions
        );
        assert_eq!(flat.flat(), source.flat(), "{format}");
        // And back from flat to series form (one series per observation).
        let series = round_trip(&flat, format, &exr, Some(&ObsDimension::Time));
        assert_eq!(series.flat(), source.flat(), "{format}");
        assert_eq!(counts(&series), (5, 5));
    }
}

#[test]
fn writers_escape_and_need_a_dsd() {
    let ilms = dsd::ilms();
    let source = read_fixture(
        DataFormat::Generic21,
        "data/generic/generic_series.xml",
        None,
    );
    let bytes = write(DataFormat::Generic21, &source, None, None);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains(r#"value="LFS &amp; census""#), "{text}");
    let mut out = Vec::new();
    let opts = WriteOptions {
        dsd: None,
        structure: None,
        dimension_at_observation: None,
    };
    assert!(matches!(
        open_writer(DataFormat::StructureSpecific21, &mut out, opts),
        Err(DataError::Structure(_))
    ));
    assert!(
        open_writer(
            DataFormat::GenericTimeSeries21,
            &mut out,
            WriteOptions {
                dsd: Some(&ilms),
                ..opts
            }
        )
        .is_err()
    );
}

// ---------------------------------------------------------------- xmllint

#[test]
#[ignore = "needs xmllint and the official XSDs (scripts/test.sh)"]
fn generic_output_validates_against_the_official_schema() {
    let exr = dsd::ecb_exr();
    let dir = util::temp_dir("data_xml_generic");
    let sources = [
        read_fixture(
            DataFormat::StructureSpecific21,
            "data/tck/DataXML.xml",
            Some(&exr),
        ),
        read_fixture(
            DataFormat::Generic21,
            "data/generic/generic_series.xml",
            None,
        ),
        read_fixture(
            DataFormat::Generic21,
            "data/generic/generic_all_dimensions.xml",
            None,
        ),
    ];
    for (i, s) in sources.iter().enumerate() {
        let file = dir.join(format!("out{i}.xml"));
        std::fs::write(&file, write(DataFormat::Generic21, s, Some(&exr), None)).unwrap();
        util::xmllint_21(&file);
    }
}

#[test]
#[ignore = "needs xmllint and the official XSDs (scripts/test.sh)"]
fn structure_specific_output_validates_against_the_dsd_schema() {
    let xsd_dir = std::path::PathBuf::from(util::need_env("SDMXGW_XSD21_DIR"));
    let dir = util::temp_dir("data_xml_ss");
    for entry in std::fs::read_dir(&xsd_dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "xsd") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let exr = dsd::ecb_exr();
    let ilms = dsd::ilms();
    let cases = [
        (
            read_fixture(
                DataFormat::StructureSpecific21,
                "data/tck/DataXML.xml",
                Some(&exr),
            ),
            &exr,
            ObsDimension::Time,
        ),
        (
            read_fixture(
                DataFormat::Generic21,
                "data/generic/generic_series.xml",
                None,
            ),
            &ilms,
            ObsDimension::Time,
        ),
        (
            read_fixture(
                DataFormat::Generic21,
                "data/generic/generic_series.xml",
                None,
            ),
            &ilms,
            ObsDimension::AllDimensions,
        ),
    ];
    for (i, (source, dsd, obs_dim)) in cases.iter().enumerate() {
        let xsd = dir.join(format!("dsd{i}.xsd"));
        let mut f = std::fs::File::create(&xsd).unwrap();
        write_structure_specific_xsd(dsd, &NoCodelists, obs_dim, &mut f).unwrap();
        let ns = sdmx_gateway::format::xml::xsd::structure_namespace(dsd, obs_dim);
        let wrapper = dir.join(format!("wrap{i}.xsd"));
        std::fs::write(
            &wrapper,
            format!(
                r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" schemaLocation="SDMXMessage.xsd"/><xs:import namespace="{ns}" schemaLocation="dsd{i}.xsd"/></xs:schema>"#
            ),
        )
        .unwrap();
        let data = dir.join(format!("data{i}.xml"));
        std::fs::write(
            &data,
            write(
                DataFormat::StructureSpecific21,
                source,
                Some(dsd),
                Some(obs_dim),
            ),
        )
        .unwrap();
        util::xmllint(&data, &wrapper);
    }
}

/// Codes for `CL_AREA` only.
struct Areas;

impl sdmx_gateway::format::xml::xsd::CodelistLookup for Areas {
    fn codes(&self, codelist: &sdmx_gateway::model::ArtefactRef) -> Option<Vec<String>> {
        (codelist.id == "CL_AREA").then(|| vec!["TH".to_owned(), "MM".to_owned()])
    }
}

fn ilms_coded() -> DataStructure {
    use sdmx_gateway::model::{ArtefactClass, ArtefactRef, Representation};
    let mut d = dsd::ilms();
    let cl = ArtefactRef::new(
        ArtefactClass::Codelist,
        "ILO",
        "CL_AREA",
        "1.0".parse().unwrap(),
    );
    d.dimensions[0].representation = Some(Representation::coded(cl));
    d
}

fn ss_schema(dsd: &DataStructure, obs_dim: &ObsDimension) -> String {
    let mut out = Vec::new();
    write_structure_specific_xsd(dsd, &Areas, obs_dim, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn schema_enumerates_codes_and_places_components() {
    let xsd = ss_schema(&ilms_coded(), &ObsDimension::Time);
    assert!(xsd.contains(r#"targetNamespace="urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_ILMS(1.0):ObsLevelDim:TIME_PERIOD""#));
    assert!(xsd.contains(r#"schemaLocation="SDMXDataStructureSpecific.xsd""#));
    assert!(xsd.contains(r#"<xs:simpleType name="CL_AREAType"><xs:restriction base="xs:string">"#));
    assert!(xsd.contains(r#"<xs:enumeration value="TH"/>"#));
    assert!(xsd.contains(r#"<xs:enumeration value="MM"/>"#));
    // REF_AREA is coded on the series and on the sibling group.
    assert_eq!(
        xsd.matches(r#"<xs:attribute name="REF_AREA" type="CL_AREAType" use="required"/>"#)
            .count(),
        2
    );
    // Each attribute at its attachment level; TIME_PERIOD only on Obs.
    let series =
        &xsd[xsd.find(r#"name="SeriesType""#).unwrap()..xsd.find(r#"name="ObsType""#).unwrap()];
    assert!(series.contains(r#"name="UNIT_MULT""#));
    assert!(series.contains(r#"<xs:attribute name="TIME_PERIOD" use="prohibited"/>"#));
    assert!(!series.contains("OBS_STATUS"));
    let obs = &xsd[xsd.find(r#"name="ObsType""#).unwrap()..];
    assert!(obs.contains(r#"<xs:attribute name="TIME_PERIOD" type="common:ObservationalTimePeriodType" use="required"/>"#));
    assert!(obs.contains(r#"name="OBS_STATUS""#));
    assert!(obs.contains(r#"name="OBS_VALUE""#));
    let dataset = &xsd[..xsd.find(r#"name="GroupType""#).unwrap()];
    assert!(dataset.contains(r#"name="SOURCE""#));
    // With all dimensions at observation level there is no series type.
    let flat = ss_schema(&ilms_coded(), &ObsDimension::AllDimensions);
    assert!(!flat.contains(r#"name="SeriesType""#));
    assert!(flat.contains(r#"<xs:element name="Obs" type="ObsType""#));
}

#[test]
#[ignore = "needs xmllint and the official XSDs (scripts/test.sh)"]
fn schema_rejects_a_code_outside_the_codelist() {
    let xsd_dir = std::path::PathBuf::from(util::need_env("SDMXGW_XSD21_DIR"));
    let dir = util::temp_dir("data_xml_codes");
    for entry in std::fs::read_dir(&xsd_dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "xsd") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let dsd = ilms_coded();
    let obs_dim = ObsDimension::Time;
    std::fs::write(dir.join("dsd.xsd"), ss_schema(&dsd, &obs_dim)).unwrap();
    let ns = sdmx_gateway::format::xml::xsd::structure_namespace(&dsd, &obs_dim);
    let wrapper = dir.join("wrap.xsd");
    std::fs::write(
        &wrapper,
        format!(
            r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" schemaLocation="SDMXMessage.xsd"/><xs:import namespace="{ns}" schemaLocation="dsd.xsd"/></xs:schema>"#
        ),
    )
    .unwrap();
    let source = read_fixture(
        DataFormat::StructureSpecificTimeSeries21,
        "data/generic/ss_timeseries.xml",
        Some(&dsd),
    );
    let good = String::from_utf8(write(
        DataFormat::StructureSpecific21,
        &source,
        Some(&dsd),
        None,
    ))
    .unwrap();
    let ok = dir.join("good.xml");
    std::fs::write(&ok, &good).unwrap();
    util::xmllint(&ok, &wrapper);
    let bad = dir.join("bad.xml");
    std::fs::write(&bad, good.replace(r#"REF_AREA="MM""#, r#"REF_AREA="XX""#)).unwrap();
    let out = std::process::Command::new(util::need_env("SDMXGW_XMLLINT"))
        .args(["--noout", "--nonet", "--schema"])
        .arg(&wrapper)
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("XX"));
}

#[test]
#[ignore = "needs xmllint and the official XSDs (scripts/test.sh)"]
fn structure_specific_30_output_validates_against_the_dsd_schema() {
    use sdmx_gateway::format::xml::xsd::write_structure_specific_xsd_30;
    let xsd_dir = std::path::PathBuf::from(util::need_env("SDMXGW_XSD30_DIR"));
    let dir = util::temp_dir("data_xml_ss30");
    for entry in std::fs::read_dir(&xsd_dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "xsd") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let exr = dsd::ecb_exr();
    let ilms = dsd::ilms();
    let cases = [
        (
            read_fixture(
                DataFormat::StructureSpecific30,
                "data/sdmx-ml-3.0/ECB_EXR.xml",
                Some(&exr),
            ),
            &exr,
            ObsDimension::Time,
        ),
        (
            read_fixture(
                DataFormat::Generic21,
                "data/generic/generic_series.xml",
                None,
            ),
            &ilms,
            ObsDimension::Time,
        ),
        (
            read_fixture(
                DataFormat::Generic21,
                "data/generic/generic_series.xml",
                None,
            ),
            &ilms,
            ObsDimension::AllDimensions,
        ),
    ];
    for (i, (source, dsd, obs_dim)) in cases.iter().enumerate() {
        let mut xsd = Vec::new();
        write_structure_specific_xsd_30(dsd, &NoCodelists, obs_dim, &mut xsd).unwrap();
        std::fs::write(dir.join(format!("dsd{i}.xsd")), xsd).unwrap();
        let ns = sdmx_gateway::format::xml::xsd::structure_namespace(dsd, obs_dim);
        let wrapper = dir.join(format!("wrap{i}.xsd"));
        std::fs::write(
            &wrapper,
            format!(
                r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message" schemaLocation="SDMXMessage.xsd"/><xs:import namespace="{ns}" schemaLocation="dsd{i}.xsd"/></xs:schema>"#
            ),
        )
        .unwrap();
        let data = dir.join(format!("data{i}.xml"));
        std::fs::write(
            &data,
            write(
                DataFormat::StructureSpecific30,
                source,
                Some(dsd),
                Some(obs_dim),
            ),
        )
        .unwrap();
        util::xmllint(&data, &wrapper);
    }
}

#[test]
fn refuses_30_array_values_rather_than_dropping_them() {
    let dsd = dsd::ilms();
    let xml = r#"<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message" xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific">
<message:DataSet ss:structureRef="X">
<Series REF_AREA="TH" SEX="F"><Obs TIME_PERIOD="2020" OBS_VALUE="5">
  <Comp id="OBS_STATUS"><Value>A</Value><Value>E</Value></Comp></Obs></Series>
</message:DataSet></message:StructureSpecificData>"#;
    let e = error(DataFormat::StructureSpecific30, xml.as_bytes(), Some(&dsd));
    let DataError::Invalid { position, message } = &e else {
        panic!("{e}")
    };
    assert_eq!((position.line, position.column), (4, 3));
    assert!(message.contains("OBS_STATUS"), "{message}");
}

#[test]
fn writes_a_valid_header_when_the_source_has_none() {
    let ilms = dsd::ilms();
    let xml = r#"<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:g="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic">
<message:DataSet><g:Series><g:SeriesKey><g:Value id="REF_AREA" value="TH"/><g:Value id="SEX" value="F"/></g:SeriesKey>
<g:Obs><g:ObsDimension value="2001"/><g:ObsValue value="1"/></g:Obs></g:Series></message:DataSet></message:GenericData>"#;
    let c = read_bytes(DataFormat::Generic21, xml.as_bytes(), None).unwrap();
    assert_eq!(c.header.as_ref().unwrap().id, "");
    let out = String::from_utf8(write(DataFormat::Generic21, &c, Some(&ilms), None)).unwrap();
    assert!(out.contains("<message:ID>SDMXGW</message:ID>"), "{out}");
    assert!(out.contains(r#"<message:Sender id="SDMXGW"/>"#), "{out}");
    // With no structure in the data, the DSD is referenced.
    assert!(
        out.contains(r#"<common:Structure><Ref agencyID="ILO" id="DSD_ILMS" version="1.0"/>"#),
        "{out}"
    );
    let back = read_bytes(DataFormat::Generic21, out.as_bytes(), None).unwrap();
    assert_eq!(back.flat(), c.flat());
}

#[test]
fn refuses_misplaced_components_and_mismatched_tags() {
    let dsd = dsd::ilms();
    let wrap = |body: &str| {
        format!(
            r#"<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific">
{body}
</message:StructureSpecificData>"#
        )
    };
    let f = DataFormat::StructureSpecific21;
    // An unknown unqualified attribute on the dataset.
    let e = error(
        f,
        wrap(r#"<message:DataSet ss:structureRef="X" COLOUR="red"/>"#).as_bytes(),
        Some(&dsd),
    );
    assert!(
        matches!(&e, DataError::Invalid { position, .. } if position.line == 2),
        "{e}"
    );
    assert!(e.to_string().contains("COLOUR"), "{e}");
    // A measure on a series.
    let e = error(
        f,
        wrap(r#"<message:DataSet ss:structureRef="X"><Series REF_AREA="TH" OBS_VALUE="1"/></message:DataSet>"#).as_bytes(),
        Some(&dsd),
    );
    assert!(e.to_string().contains("belongs on <Obs>"), "{e}");
    // A dimension as a dataset attribute.
    let e = error(
        f,
        wrap(r#"<message:DataSet ss:structureRef="X" SEX="F"/>"#).as_bytes(),
        Some(&dsd),
    );
    assert!(e.to_string().contains("SEX"), "{e}");
    // Mismatched end tag.
    let e = error(
        f,
        wrap(r#"<message:DataSet ss:structureRef="X"><Series REF_AREA="TH"></Obs></message:DataSet>"#).as_bytes(),
        Some(&dsd),
    );
    assert!(
        matches!(&e, DataError::Malformed { position, .. } if position.line == 2),
        "{e}"
    );
}

/// An endless structure-specific message: a header, then series after series.
struct Endless {
    pending: Vec<u8>,
    at: usize,
    series: u64,
}

impl std::io::Read for Endless {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.pending.len() {
            self.pending.clear();
            self.at = 0;
            self.series += 1;
            self.pending.extend_from_slice(
                format!(
                    "<Series REF_AREA=\"A{}\" SEX=\"F\">\n<Obs TIME_PERIOD=\"2000\" OBS_VALUE=\"1\"/>\n<Obs TIME_PERIOD=\"2001\" OBS_VALUE=\"2\"/>\n</Series>\n",
                    self.series
                )
                .as_bytes(),
            );
        }
        let n = out.len().min(self.pending.len() - self.at);
        out[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

struct StopAfter(u64);

impl sdmx_gateway::data::DataSink for StopAfter {
    type Error = DataError;
    fn series(
        &mut self,
        _s: &sdmx_gateway::data::SeriesKey,
    ) -> Result<sdmx_gateway::data::Flow, DataError> {
        Ok(sdmx_gateway::data::Flow::Continue)
    }
    fn obs(&mut self, o: &sdmx_gateway::data::Obs) -> Result<sdmx_gateway::data::Flow, DataError> {
        assert_eq!(o.measures.len(), 1);
        self.0 -= 1;
        Ok(if self.0 == 0 {
            sdmx_gateway::data::Flow::Stop
        } else {
            sdmx_gateway::data::Flow::Continue
        })
    }
}

#[test]
fn streams_an_endless_message_and_stops_on_request() {
    let dsd = dsd::ilms();
    let head = br#"<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific">
<message:DataSet ss:structureRef="X">
"#;
    let input = std::io::BufReader::new(Endless {
        pending: head.to_vec(),
        at: 0,
        series: 0,
    });
    let opts = ReadOptions {
        source: "endless",
        dsd: Some(&dsd),
        structure: None,
    };
    let mut reader = open_reader(DataFormat::StructureSpecific21, input, opts).unwrap();
    let summary = pump(&mut reader, &mut StopAfter(50_000)).unwrap();
    assert!(summary.stopped_early);
    assert_eq!(summary.observations, 50_000);
    assert_eq!(summary.series, 25_000);
    // Line numbers keep counting: 2 header lines, 4 per series.
    assert_eq!(reader.position().line, 2 + 4 * 24_999 + 3);
}
