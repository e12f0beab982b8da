//! SDMX-CSV 1.0 and 2.0: reading the field guides' examples, every error path,
//! the writer's exact output, and writer → reader round trips.

use std::io::Cursor;

use sdmx_gateway::data::{
    Action, CollectSink, Collected, DataError, DataSetHeader, DataSink, GroupKey, Header, Obs,
    ObsDimension, SeriesKey, StructureUse, Summary, Values, pump,
};
use sdmx_gateway::format::csv::{CsvOptions, CsvWriter, KeyColumns, Labels};
use sdmx_gateway::format::{DataFormat, ReadOptions, WriteOptions, open_reader, open_writer};
use sdmx_gateway::model::{ArtefactClass, ArtefactRef, DataStructure};

use crate::data_dsd;
use crate::util::fixture;

fn read_bytes(
    format: DataFormat,
    bytes: &[u8],
    dsd: &DataStructure,
) -> Result<Collected, DataError> {
    let mut reader = open_reader(
        format,
        Cursor::new(bytes.to_vec()),
        ReadOptions {
            source: "test.csv",
            dsd: Some(dsd),
            structure: None,
        },
    )?;
    let mut sink = CollectSink::default();
    pump(&mut reader, &mut sink)?;
    Ok(sink.collected)
}

fn read_fixture(
    format: DataFormat,
    name: &str,
    dsd: &DataStructure,
) -> Result<Collected, DataError> {
    let bytes = std::fs::read(fixture(&format!("data/csv/{name}"))).unwrap();
    read_bytes(format, &bytes, dsd)
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = p
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

fn values(p: &[(&str, &str)]) -> Values {
    p.iter().copied().collect()
}

fn err_text(r: Result<Collected, DataError>) -> String {
    match r {
        Ok(c) => panic!("expected an error, read {:?}", c.flat()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn reads_field_guide_1_0_example_1() {
    let c = read_fixture(
        DataFormat::Csv10,
        "guide-1.0-example1.csv",
        &data_dsd::field_guide(),
    )
    .unwrap();
    assert_eq!(c.datasets.len(), 1);
    let (ds, _, series) = &c.datasets[0];
    assert_eq!(
        ds.structure,
        Some(StructureUse::Dataflow(
            ArtefactRef::parse_short(ArtefactClass::Dataflow, "ESTAT:NA_MAIN(1.6)").unwrap()
        ))
    );
    assert_eq!(ds.action, Action::Information);
    assert_eq!(
        ds.attributes.get("ATTR_3"),
        Some("Normal, special and other values")
    );
    // Both rows share the series key A.B: one series, two observations.
    assert_eq!(series.len(), 1);
    assert_eq!(
        series[0].0.key.to_vec(),
        pairs(&[("DIM_1", "A"), ("DIM_2", "B")])
    );
    assert_eq!(series[0].0.attributes.get("ATTR_2"), Some("Y"));
    let flat = c.flat();
    assert_eq!(flat.len(), 2);
    assert_eq!(
        flat[0],
        (
            pairs(&[("DIM_1", "A"), ("DIM_2", "B"), ("DIM_3", "2014-01")]),
            pairs(&[("OBS_VALUE", "12.4")]),
            pairs(&[
                ("ATTR_1", "N"),
                ("ATTR_2", "Y"),
                ("ATTR_3", "Normal, special and other values")
            ]),
        )
    );
    assert_eq!(flat[1].1, pairs(&[("OBS_VALUE", "10.8")]));
    assert!(flat[1].2.contains(&("ATTR_1".into(), "Y".into())));
}

#[test]
fn reads_semicolons_and_labels_in_1_0() {
    let c = read_fixture(
        DataFormat::Csv10,
        "guide-1.0-example2.csv",
        &data_dsd::field_guide(),
    )
    .unwrap();
    let flat = c.flat();
    assert_eq!(flat.len(), 2);
    // Labels are stripped from coded values; the free-text attribute is kept
    // whole; the decimal comma is data and stays as given.
    assert_eq!(
        flat[0],
        (
            pairs(&[("DIM_1", "A"), ("DIM_2", "B"), ("DIM_3", "2014-01")]),
            pairs(&[("OBS_VALUE", "12,4")]),
            pairs(&[
                ("ATTR_1", "N"),
                ("ATTR_2", "Y"),
                ("ATTR_3", "Normal, special and other values")
            ]),
        )
    );
    let (ds, _, _) = &c.datasets[0];
    assert_eq!(ds.structure.as_ref().unwrap().reference().id, "NA_MAIN");
}

#[test]
fn reads_2_0_with_bracket_separator_key_columns_and_labels() {
    let c = read_fixture(
        DataFormat::Csv20,
        "guide-2.0-example4.csv",
        &data_dsd::field_guide(),
    )
    .unwrap();
    let flat = c.flat();
    assert_eq!(flat.len(), 2);
    assert_eq!(
        flat[1].0,
        pairs(&[("DIM_1", "A"), ("DIM_2", "B"), ("DIM_3", "2014-02")])
    );
    assert_eq!(flat[1].1, pairs(&[("OBS_VALUE", "10,8")]));
    assert!(flat[1].2.contains(&("ATTR_1".into(), "Y".into())));
    let (ds, _, series) = &c.datasets[0];
    assert_eq!(series.len(), 1);
    assert_eq!(ds.action, Action::Information);
    assert_eq!(
        ds.structure.as_ref().unwrap().reference().short(),
        "ESTAT:NA_MAIN(1.6.0)"
    );
}

#[test]
fn a_change_of_action_starts_a_new_dataset() {
    let c = read_fixture(
        DataFormat::Csv20,
        "guide-2.0-example10.csv",
        &data_dsd::field_guide(),
    )
    .unwrap();
    assert_eq!(c.datasets.len(), 2);
    assert_eq!(c.datasets[0].0.action, Action::Append);
    assert_eq!(c.datasets[1].0.action, Action::Replace);
    assert_eq!(c.flat().len(), 2);
    assert_eq!(c.datasets[1].2[0].1[0].attributes.get("ATTR_1"), Some("Y"));
}

#[test]
fn columns_in_any_order_and_missing_action_mean_information() {
    let text = "STRUCTURE,ATTR_1,DIM_3,OBS_VALUE,DIM_2,STRUCTURE_ID,DIM_1\n\
                dataflow,N,2014-01,1,B,ESTAT:NA_MAIN(1.6.0),A\n\
                dataflow,N,2014-01,2,C,ESTAT:NA_MAIN(1.6.0),A\n";
    let c = read_bytes(DataFormat::Csv20, text.as_bytes(), &data_dsd::field_guide()).unwrap();
    let (ds, _, series) = &c.datasets[0];
    assert_eq!(ds.action, Action::Information);
    assert_eq!(series.len(), 2);
    // Series keys come out in DSD order whatever the column order.
    let ids: Vec<_> = series[1]
        .0
        .key
        .iter()
        .map(|(i, v)| format!("{i}={v}"))
        .collect();
    assert_eq!(ids, ["DIM_1=A", "DIM_2=C"]);
    assert_eq!(series[1].1[0].measures.get("OBS_VALUE"), Some("2"));
}

#[test]
fn consecutive_rows_make_a_series_and_interleaved_keys_split() {
    let text = "DATAFLOW,DIM_1,DIM_2,DIM_3,OBS_VALUE\n\
                E:F(1.0),A,B,2001,1\nE:F(1.0),A,B,2002,2\nE:F(1.0),A,C,2001,3\nE:F(1.0),A,B,2003,4\n";
    let c = read_bytes(DataFormat::Csv10, text.as_bytes(), &data_dsd::field_guide()).unwrap();
    let series = &c.datasets[0].2;
    let sizes: Vec<_> = series.iter().map(|s| s.1.len()).collect();
    assert_eq!(sizes, [2, 1, 1]);
}

#[test]
fn wrong_field_count_names_the_row() {
    let e = err_text(read_fixture(
        DataFormat::Csv20,
        "guide-2.0-example15-shifted.csv",
        &data_dsd::field_guide(),
    ));
    assert!(e.contains("test.csv: row 2"), "{e}");
    assert!(e.contains("has 7 fields but the header has 8"), "{e}");
}

#[test]
fn unknown_column_is_refused() {
    let e = err_text(read_fixture(
        DataFormat::Csv20,
        "guide-2.0-example1.csv",
        &data_dsd::field_guide(),
    ));
    assert!(e.contains("row 1, column 11"), "{e}");
    assert!(e.contains("unknown column \"UPDATED\""), "{e}");
}

#[test]
fn bad_action_is_refused_with_row_and_column() {
    let text =
        "STRUCTURE,STRUCTURE_ID,ACTION,DIM_1\ndataflow,E:F(1.0),I,A\ndataflow,E:F(1.0),X,A\n";
    let e = err_text(read_bytes(
        DataFormat::Csv20,
        text.as_bytes(),
        &data_dsd::field_guide(),
    ));
    assert!(e.contains("row 3, column 3"), "{e}");
    assert!(e.contains("unknown ACTION \"X\""), "{e}");
}

#[test]
fn invalid_utf8_names_the_row() {
    let mut bytes =
        b"DATAFLOW,DIM_1,DIM_2,DIM_3,OBS_VALUE\nE:F(1.0),A,B,2001,1\nE:F(1.0),A,".to_vec();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(b",2002,2\n");
    let e = err_text(read_bytes(
        DataFormat::Csv10,
        &bytes,
        &data_dsd::field_guide(),
    ));
    assert!(e.contains("row 3, column 3"), "{e}");
    assert!(e.contains("invalid UTF-8"), "{e}");
}

#[test]
fn bad_structure_reference_is_refused() {
    let text = "DATAFLOW,DIM_1\nnot a reference,A\n";
    let e = err_text(read_bytes(
        DataFormat::Csv10,
        text.as_bytes(),
        &data_dsd::field_guide(),
    ));
    assert!(e.contains("row 2, column 1"), "{e}");
    assert!(e.contains("is not a structure reference"), "{e}");
}

#[test]
fn reading_without_a_dsd_is_refused() {
    let r = open_reader(
        DataFormat::Csv10,
        Cursor::new(b"DATAFLOW\n".to_vec()),
        ReadOptions {
            source: "x.csv",
            dsd: None,
            structure: None,
        },
    );
    let e = r.err().expect("needs a DSD").to_string();
    assert!(e.contains("needs the DSD"), "{e}");
}

/// A small ILMS-shaped message fed straight into a sink: two series (the
/// second with a group attribute), a dataset attribute, observation attributes,
/// a value with a comma and a quote, and a missing value.
pub fn feed(sink: &mut dyn DataSink<Error = DataError>) -> Summary {
    let flow = StructureUse::Dataflow(
        ArtefactRef::parse_short(ArtefactClass::Dataflow, "ILO:DF_TEST(1.0)").unwrap(),
    );
    sink.header(&Header::default()).unwrap();
    sink.dataset(&DataSetHeader {
        structure: Some(flow),
        action: Action::Replace,
        dimension_at_observation: ObsDimension::Time,
        attributes: values(&[("UNIT_MEASURE", "NB")]),
        extra: Values::new(),
    })
    .unwrap();
    sink.group(&GroupKey {
        group: "G".into(),
        key: values(&[("FREQ", "A"), ("REF_AREA", "PHL"), ("SEX", "F")]),
        attributes: values(&[("TITLE", "Women, \"PHL\"")]),
    })
    .unwrap();
    sink.series(&SeriesKey {
        key: values(&[("FREQ", "A"), ("REF_AREA", "PHL"), ("SEX", "M")]),
        attributes: values(&[("TITLE", "Men")]),
    })
    .unwrap();
    for (t, v, s) in [("2019", "10.5", "A"), ("2020", "", "M")] {
        let mut o = Obs {
            key: values(&[("TIME_PERIOD", t)]),
            ..Default::default()
        };
        if !v.is_empty() {
            o.measures.push("OBS_VALUE", v);
        }
        o.attributes.push("OBS_STATUS", s);
        sink.obs(&o).unwrap();
    }
    sink.series(&SeriesKey {
        key: values(&[("FREQ", "A"), ("REF_AREA", "PHL"), ("SEX", "F")]),
        attributes: Values::new(),
    })
    .unwrap();
    sink.obs(&Obs {
        key: values(&[("TIME_PERIOD", "2019")]),
        measures: values(&[("OBS_VALUE", "7")]),
        attributes: Values::new(),
    })
    .unwrap();
    sink.end_dataset().unwrap();
    let summary = Summary {
        datasets: 1,
        groups: 1,
        series: 2,
        observations: 3,
        stopped_early: false,
    };
    sink.finish(&summary).unwrap();
    summary
}

/// What a reader must give back for [`feed`]: the group attribute lands on the
/// series it covers.
pub type Flat = Vec<(String, String)>;

pub fn expected_flat() -> Vec<(Flat, Flat, Flat)> {
    let key = |sex: &str, t: &str| {
        pairs(&[
            ("FREQ", "A"),
            ("REF_AREA", "PHL"),
            ("SEX", sex),
            ("TIME_PERIOD", t),
        ])
    };
    let mut v = vec![
        (
            key("M", "2019"),
            pairs(&[("OBS_VALUE", "10.5")]),
            pairs(&[
                ("OBS_STATUS", "A"),
                ("TITLE", "Men"),
                ("UNIT_MEASURE", "NB"),
            ]),
        ),
        (
            key("M", "2020"),
            vec![],
            pairs(&[
                ("OBS_STATUS", "M"),
                ("TITLE", "Men"),
                ("UNIT_MEASURE", "NB"),
            ]),
        ),
        (
            key("F", "2019"),
            pairs(&[("OBS_VALUE", "7")]),
            pairs(&[("TITLE", "Women, \"PHL\""), ("UNIT_MEASURE", "NB")]),
        ),
    ];
    v.sort();
    v
}

fn write_with(format: DataFormat, csv: Option<CsvOptions<'_>>, dsd: &DataStructure) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let opts = WriteOptions {
            dsd: Some(dsd),
            structure: None,
            dimension_at_observation: None,
        };
        let mut w: Box<dyn DataSink<Error = DataError> + '_> = match csv {
            Some(c) => Box::new(CsvWriter::new(format, &mut out, opts, c).unwrap()),
            None => open_writer(format, &mut out, opts).unwrap(),
        };
        feed(w.as_mut());
    }
    out
}

#[test]
fn writes_1_0_exactly_as_the_field_guide_shows() {
    let dsd = data_dsd::ilms();
    let out = String::from_utf8(write_with(DataFormat::Csv10, None, &dsd)).unwrap();
    // Checked by hand against the 1.0 field guide: DATAFLOW, dimensions in DSD
    // order, OBS_VALUE, attributes in DSD order, replicated on every row.
    let want = "DATAFLOW,FREQ,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,TITLE,OBS_STATUS\r\n\
                ILO:DF_TEST(1.0),A,PHL,M,2019,10.5,NB,Men,A\r\n\
                ILO:DF_TEST(1.0),A,PHL,M,2020,,NB,Men,M\r\n\
                ILO:DF_TEST(1.0),A,PHL,F,2019,7,NB,\"Women, \"\"PHL\"\"\",\r\n";
    assert_eq!(out, want);
}

#[test]
fn writes_2_0_with_action_keys_and_labels() {
    let dsd = data_dsd::ilms();
    let opts = CsvOptions {
        delimiter: b';',
        labels: Labels::Both,
        keys: KeyColumns::Both,
        names: None,
    };
    let out = String::from_utf8(write_with(DataFormat::Csv20, Some(opts), &dsd)).unwrap();
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "STRUCTURE;STRUCTURE_ID;ACTION;SERIES_KEY;OBS_KEY;FREQ: FREQ;REF_AREA: REF_AREA;SEX: SEX;TIME_PERIOD: TIME_PERIOD;OBS_VALUE: OBS_VALUE;UNIT_MEASURE: UNIT_MEASURE;TITLE: TITLE;OBS_STATUS: OBS_STATUS"
    );
    // Without codelists the id stands in for the name; the free-text TITLE
    // gets no label.
    assert_eq!(
        lines.next().unwrap(),
        "dataflow;ILO:DF_TEST(1.0): DF_TEST;R;A.PHL.M;A.PHL.M.2019;A: A;PHL: PHL;M: M;2019: 2019;10.5;NB: NB;Men;A: A"
    );
}

#[test]
fn round_trips_1_0() {
    let dsd = data_dsd::ilms();
    let out = write_with(DataFormat::Csv10, None, &dsd);
    let back = read_bytes(DataFormat::Csv10, &out, &dsd).unwrap();
    assert_eq!(back.flat(), expected_flat());
    // Collected::flat ignores groups, so the reader must differ from the raw
    // events by exactly the group attribute the writer replicated.
    let mut direct = CollectSink::default();
    feed(&mut direct);
    let mut raw = direct.collected.flat();
    raw[0]
        .2
        .insert(0, ("TITLE".into(), "Women, \"PHL\"".into()));
    assert_eq!(back.flat(), raw);
}

#[test]
fn round_trips_2_0_in_every_label_and_key_mode() {
    let dsd = data_dsd::ilms();
    for (labels, keys, delimiter) in [
        (Labels::Id, KeyColumns::None, b','),
        (Labels::Both, KeyColumns::Both, b';'),
        (Labels::Name, KeyColumns::Series, b'\t'),
        (Labels::Id, KeyColumns::Obs, b'|'),
    ] {
        let opts = CsvOptions {
            delimiter,
            labels,
            keys,
            names: None,
        };
        let out = write_with(DataFormat::Csv20, Some(opts), &dsd);
        let back = read_bytes(DataFormat::Csv20, &out, &dsd).unwrap_or_else(|e| {
            panic!(
                "{labels:?} {keys:?}: {e}\n{}",
                String::from_utf8_lossy(&out)
            )
        });
        assert_eq!(back.flat(), expected_flat(), "{labels:?} {keys:?}");
        assert_eq!(back.datasets[0].0.action, Action::Replace);
        assert_eq!(back.datasets[0].2.len(), 2);
    }
}

#[test]
fn multi_valued_columns_keep_their_raw_text() {
    // Field guide 2.0 example 7: `STRUCTURE[;]` declares the sub-field
    // separator, `ATTR_1[]` marks a multi-valued component.
    let text = "STRUCTURE[;],STRUCTURE_ID,ACTION,DIM_1,DIM_2,DIM_3,OBS_VALUE,ATTR_1[],ATTR_3[]\n\
                dataflow,ESTAT:NA_MAIN(1.6.0),I,A,B,2014-01,12.4,A;B;C,\"M, N & O;P & Q\"\n";
    let c = read_bytes(DataFormat::Csv20, text.as_bytes(), &data_dsd::field_guide()).unwrap();
    let (ds, _, series) = &c.datasets[0];
    assert_eq!(series[0].1[0].attributes.get("ATTR_1"), Some("A;B;C"));
    assert_eq!(ds.attributes.get("ATTR_3"), Some("M, N & O;P & Q"));
}

#[test]
fn empty_file_is_refused_and_header_only_is_an_empty_dataset() {
    let e = err_text(read_bytes(DataFormat::Csv10, b"", &data_dsd::field_guide()));
    assert!(e.contains("the file is empty"), "{e}");
    let c = read_bytes(
        DataFormat::Csv20,
        b"STRUCTURE,STRUCTURE_ID,ACTION\n",
        &data_dsd::field_guide(),
    )
    .unwrap();
    assert_eq!(c.datasets.len(), 1);
    assert!(c.flat().is_empty());
}

#[test]
fn duplicate_column_is_refused() {
    let text = "DATAFLOW,DIM_1,DIM_1\nE:F(1.0),A,A\n";
    let e = err_text(read_bytes(
        DataFormat::Csv10,
        text.as_bytes(),
        &data_dsd::field_guide(),
    ));
    assert!(e.contains("row 1, column 3"), "{e}");
    assert!(e.contains("appears twice"), "{e}");
}

#[test]
fn labels_take_names_from_codelists_and_concept_schemes() {
    use sdmx_gateway::model::{
        Code, Codelist, Concept, ConceptScheme, Item, MaintainableMeta, Structures, Version,
    };
    let v: Version = "1.0".parse().unwrap();
    let mut dsd = data_dsd::ilms();
    dsd.dimensions[0].concept =
        Some(ArtefactRef::new(ArtefactClass::ConceptScheme, "TEST", "CS", v.clone()).item("FREQ"));
    let names = Structures {
        codelists: vec![Codelist {
            meta: MaintainableMeta::new("TEST", "CL_FREQ", v.clone(), "Frequency"),
            is_partial: None,
            codes: vec![Code::new("A", "Annual")],
        }],
        concept_schemes: vec![ConceptScheme {
            meta: MaintainableMeta::new("TEST", "CS", v.clone(), "Concepts"),
            concepts: vec![Concept {
                item: Item::new("FREQ", "Frequency"),
                core_representation: None,
            }],
        }],
        ..Default::default()
    };
    let both = CsvOptions {
        labels: Labels::Both,
        names: Some(&names),
        ..Default::default()
    };
    let out = String::from_utf8(write_with(DataFormat::Csv20, Some(both), &dsd)).unwrap();
    let mut lines = out.lines();
    assert!(lines.next().unwrap().contains(",FREQ: Frequency,"), "{out}");
    assert!(
        lines.next().unwrap().contains(",A: Annual,PHL: PHL,"),
        "{out}"
    );
    let name = CsvOptions {
        labels: Labels::Name,
        names: Some(&names),
        ..Default::default()
    };
    let out = String::from_utf8(write_with(DataFormat::Csv20, Some(name), &dsd)).unwrap();
    let mut lines = out.lines();
    assert!(
        lines.next().unwrap().starts_with(
            "STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,ACTION,FREQ,Frequency,REF_AREA,REF_AREA,"
        ),
        "{out}"
    );
    // Coded values get their code's name; a dimension whose codelist is not
    // given repeats its id (as the guide does for TIME_PERIOD); measures and
    // attributes without a known name stay empty.
    assert!(
        lines.next().unwrap().starts_with(
            "dataflow,ILO:DF_TEST(1.0),DF_TEST,R,A,Annual,PHL,PHL,M,M,2019,2019,10.5,,NB,,Men,,A,"
        ),
        "{out}"
    );
    // And the reader tolerates both forms.
    let back = read_bytes(DataFormat::Csv20, out.as_bytes(), &dsd).unwrap();
    assert_eq!(back.flat(), expected_flat());
}

#[test]
fn structure_columns_must_come_first_and_be_complete() {
    let e = err_text(read_bytes(
        DataFormat::Csv20,
        b"STRUCTURE_ID,STRUCTURE,ACTION\nE:F(1.0),dataflow,I\n",
        &data_dsd::field_guide(),
    ));
    assert!(e.contains("row 1, column 1"), "{e}");
    assert!(e.contains("the first column must be STRUCTURE"), "{e}");
    let e = err_text(read_bytes(
        DataFormat::Csv20,
        b"STRUCTURE,ACTION,DIM_1\ndataflow,I,A\n",
        &data_dsd::field_guide(),
    ));
    assert!(e.contains("needs a STRUCTURE_ID column"), "{e}");
}

#[test]
fn a_byte_order_mark_and_crlf_are_tolerated() {
    let text = "\u{feff}DATAFLOW;DIM_1;DIM_2;DIM_3;OBS_VALUE\r\nE:F(1.0);A;B;2001;1\r\n";
    let c = read_bytes(DataFormat::Csv10, text.as_bytes(), &data_dsd::field_guide()).unwrap();
    let flat = c.flat();
    assert_eq!(flat.len(), 1);
    assert_eq!(
        flat[0].0,
        pairs(&[("DIM_1", "A"), ("DIM_2", "B"), ("DIM_3", "2001")])
    );
    assert_eq!(flat[0].1, pairs(&[("OBS_VALUE", "1")]));
}

#[test]
fn streams_many_rows_into_series() {
    // 20 series × 5,000 periods: the reader groups without holding rows.
    let mut text = String::from("DATAFLOW,FREQ,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n");
    for s in 0..20 {
        for t in 0..5000 {
            text.push_str(&format!("ILO:DF(1.0),A,C{s},F,{},{t}.5,A\n", 1000 + t));
        }
    }
    let dsd = data_dsd::ilms();
    let mut reader = open_reader(
        DataFormat::Csv10,
        Cursor::new(text.into_bytes()),
        ReadOptions {
            source: "big.csv",
            dsd: Some(&dsd),
            structure: None,
        },
    )
    .unwrap();
    let summary = pump(&mut reader, &mut sdmx_gateway::data::CountSink).unwrap();
    assert_eq!(summary.series, 20);
    assert_eq!(summary.observations, 100_000);
}

#[test]
fn the_1_0_measure_column_is_obs_value_whatever_the_measure_id() {
    let mut dsd = data_dsd::field_guide();
    dsd.measures[0].id = "OBS_VAL".into();
    let text = "DATAFLOW,DIM_1,DIM_2,DIM_3,OBS_VALUE\nE:F(1.0),A,B,2001,3.5\n";
    let c = read_bytes(DataFormat::Csv10, text.as_bytes(), &dsd).unwrap();
    assert_eq!(c.flat()[0].1, pairs(&[("OBS_VAL", "3.5")]));
    let mut out = Vec::new();
    {
        let opts = WriteOptions {
            dsd: Some(&dsd),
            structure: None,
            dimension_at_observation: None,
        };
        let mut w = open_writer(DataFormat::Csv10, &mut out, opts).unwrap();
        pump(
            &mut open_reader(
                DataFormat::Csv10,
                Cursor::new(text.as_bytes().to_vec()),
                ReadOptions {
                    source: "x",
                    dsd: Some(&dsd),
                    structure: None,
                },
            )
            .unwrap(),
            w.as_mut(),
        )
        .unwrap();
    }
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "DATAFLOW,DIM_1,DIM_2,DIM_3,OBS_VALUE,ATTR_1,ATTR_2,ATTR_3\r\nE:F(1.0),A,B,2001,3.5,,,\r\n"
    );
}

#[test]
fn array_components_are_declared_in_2_0_headers() {
    let mut dsd = data_dsd::ilms();
    dsd.attributes[2]
        .representation
        .as_mut()
        .unwrap()
        .max_unbounded = true;
    let out = String::from_utf8(write_with(DataFormat::Csv20, None, &dsd)).unwrap();
    let header = out.lines().next().unwrap();
    assert!(
        header.starts_with("STRUCTURE[;],STRUCTURE_ID,ACTION,"),
        "{header}"
    );
    assert!(header.ends_with(",TITLE,OBS_STATUS[]"), "{header}");
    let back = read_bytes(DataFormat::Csv20, out.as_bytes(), &dsd).unwrap();
    assert_eq!(back.flat(), expected_flat());
}
