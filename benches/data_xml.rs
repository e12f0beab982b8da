//! SDMX-ML data throughput: raw quick-xml tokenising vs the structure-specific
//! reader vs the writer, on a generated ILMS-shaped message.
//!
//! `cargo bench --bench data_xml [-- OBS]` (default 200 000 observations).

use std::io::{BufReader, BufWriter};
use std::time::Instant;

use sdmx_gateway::data::{
    Action, CountSink, DataSetHeader, Header, Obs, ObsDimension, SeriesKey, Summary, Values, pump,
};
use sdmx_gateway::format::{DataFormat, ReadOptions, WriteOptions, open_reader, open_writer};
use sdmx_gateway::model::{
    Attribute, AttributeRelationship, DataStructure, Dimension, DimensionKind, MaintainableMeta,
    Measure, UsageStatus,
};

const DIMS: [&str; 6] = ["REF_AREA", "FREQ", "MEASURE", "SEX", "AGE", "CITIZENSHIP"];

fn dsd() -> DataStructure {
    let mut dimensions: Vec<Dimension> = DIMS
        .iter()
        .chain(["TIME_PERIOD"].iter())
        .enumerate()
        .map(|(i, id)| Dimension {
            id: id.to_string(),
            position: i as u32 + 1,
            kind: DimensionKind::Dimension,
            concept: None,
            representation: None,
            roles: vec![],
            annotations: vec![],
        })
        .collect();
    dimensions[6].kind = DimensionKind::Time;
    let attr = |id: &str, relationship| Attribute {
        id: id.into(),
        concept: None,
        representation: None,
        usage: UsageStatus::Conditional,
        relationship,
        measures: vec![],
        roles: vec![],
        annotations: vec![],
    };
    DataStructure {
        meta: MaintainableMeta::new("ILO", "DSD_ILMS", "1.0".parse().unwrap(), "ILMS"),
        dimensions,
        attributes: vec![
            attr(
                "UNIT_MULT",
                AttributeRelationship::Dimensions {
                    dimensions: DIMS.iter().map(|d| d.to_string()).collect(),
                    attachment_groups: vec![],
                },
            ),
            attr("OBS_STATUS", AttributeRelationship::Observation),
            attr("NOTE_SOURCE", AttributeRelationship::Observation),
        ],
        measures: vec![Measure {
            id: "OBS_VALUE".into(),
            concept: None,
            representation: None,
            usage: UsageStatus::Conditional,
            roles: vec![],
            annotations: vec![],
        }],
        groups: vec![],
        metadata_structure: None,
    }
}

fn mb_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / 1e6 / secs
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200_000);
    let dsd = dsd();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ilms_ss21.xml");

    // Write: ~20 observations per series, as in ILMS annual tables.
    let start = Instant::now();
    {
        let out = BufWriter::new(std::fs::File::create(&path).unwrap());
        let opts = WriteOptions {
            dsd: Some(&dsd),
            structure: None,
            dimension_at_observation: None,
        };
        let mut w = open_writer(DataFormat::StructureSpecific21, out, opts).unwrap();
        w.header(&Header::default()).unwrap();
        w.dataset(&DataSetHeader {
            structure: None,
            action: Action::Information,
            dimension_at_observation: ObsDimension::Time,
            attributes: Values::new(),
            extra: Values::new(),
        })
        .unwrap();
        let mut s = SeriesKey::default();
        let mut o = Obs::default();
        let areas = [
            "THA", "VNM", "KHM", "LAO", "MMR", "IDN", "PHL", "MYS", "SGP", "BRN",
        ];
        for i in 0..n {
            if i % 20 == 0 {
                let k = i / 20;
                s.key.clear();
                s.key.push("REF_AREA", areas[k % 10]);
                s.key.push("FREQ", "A");
                s.key.push("MEASURE", &format!("ILMS_{}", k % 7));
                s.key.push("SEX", ["SEX_F", "SEX_M", "SEX_T"][k % 3]);
                s.key.push("AGE", &format!("AGE_{}", (k / 3) % 11));
                s.key.push("CITIZENSHIP", &format!("CIT_{}", k / 33));
                s.attributes.clear();
                s.attributes.push("UNIT_MULT", "3");
                w.series(&s).unwrap();
            }
            o.key.clear();
            o.key.push("TIME_PERIOD", &(2000 + i % 20).to_string());
            o.measures.clear();
            o.measures
                .push("OBS_VALUE", &format!("{}.{}", i % 9973, i % 10));
            o.attributes.clear();
            if i % 4 == 0 {
                o.attributes.push("OBS_STATUS", "E");
            }
            if i % 50 == 0 {
                o.attributes.push("NOTE_SOURCE", "R1 &amp; R2");
            }
            w.obs(&o).unwrap();
        }
        w.end_dataset().unwrap();
        w.finish(&Summary::default()).unwrap();
    }
    let write_secs = start.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).unwrap().len();

    // Raw tokenising: every event read, nothing done with it. Runs alternate
    // (best of five each) so that load from other processes hits both alike.
    let time = |f: &dyn Fn() -> u64| {
        let t = Instant::now();
        std::hint::black_box(f());
        t.elapsed().as_secs_f64()
    };
    let raw = |_: ()| -> u64 {
        let mut r =
            quick_xml::Reader::from_reader(BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut buf = Vec::new();
        let mut events = 0u64;
        loop {
            buf.clear();
            match r.read_event_into(&mut buf).unwrap() {
                quick_xml::events::Event::Eof => break,
                quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e) => {
                    // Touch the attributes as any real reader must.
                    events += e.attributes().count() as u64;
                }
                _ => events += 1,
            }
        }
        events
    };
    let ours = |_: ()| -> u64 {
        let input = BufReader::new(std::fs::File::open(&path).unwrap());
        let opts = ReadOptions {
            source: "bench",
            dsd: Some(&dsd),
            structure: None,
        };
        let mut r = open_reader(DataFormat::StructureSpecific21, input, opts).unwrap();
        let s = pump(&mut r, &mut CountSink).unwrap();
        assert_eq!(s.observations, n as u64);
        s.observations
    };
    let (mut raw_secs, mut read_secs) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        raw_secs = raw_secs.min(time(&|| raw(())));
        read_secs = read_secs.min(time(&|| ours(())));
    }
    let raw_mb = mb_s(size, raw_secs);
    let read = mb_s(size, read_secs);
    let write = mb_s(size, write_secs);
    println!(
        "{n} observations, {:.1} MB structure-specific 2.1",
        size as f64 / 1e6
    );
    println!("raw quick-xml tokenising: {raw_mb:8.1} MB/s");
    println!(
        "sdmxgw read:              {read:8.1} MB/s  ({:.0}% of raw)",
        100.0 * read / raw_mb
    );
    println!(
        "sdmxgw write:             {write:8.1} MB/s  ({:.0}% of raw)",
        100.0 * write / raw_mb
    );
}
