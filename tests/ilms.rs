//! The shipped ILMS structure set: the generated files match `dsd/ilms.toml`, the
//! counts and real ILOSTAT codes are there, the constraints say what the issue says.

use std::collections::{BTreeSet, HashSet};

use sdmx_gateway::ilms::{self, FileStatus, IlmsSet, IlmsTable};
use sdmx_gateway::model::{
    AttributeRelationship, Codelist, ConstraintRole, ContentConstraint, DataType, DimensionKind,
};

use crate::util;

fn set() -> IlmsSet {
    ilms::build(&util::root()).expect("the ILMS set builds from dsd/ilms.toml")
}

fn table() -> IlmsTable {
    let text = std::fs::read_to_string(util::root().join(ilms::TABLE_PATH)).unwrap();
    IlmsTable::parse(&text, ilms::TABLE_PATH).unwrap()
}

fn codelist<'a>(s: &'a IlmsSet, id: &str) -> &'a Codelist {
    s.codelists
        .iter()
        .find(|c| c.meta.id == id)
        .unwrap_or_else(|| panic!("{id} is generated"))
}

fn constraint<'a>(s: &'a IlmsSet, indicator: &str) -> &'a ContentConstraint {
    let df = format!("DF_{indicator}");
    s.constraints
        .iter()
        .find(|c| c.attachment.dataflows.iter().any(|r| r.id == df))
        .unwrap_or_else(|| panic!("a constraint is attached to {df}"))
}

/// The values a constraint's cube region allows for a component.
fn allowed(c: &ContentConstraint, component: &str) -> Vec<String> {
    let region = &c.cube_regions[0];
    region
        .key_values
        .iter()
        .chain(&region.attributes)
        .find(|m| m.component == component)
        .unwrap_or_else(|| panic!("{} selects {component}", c.meta.id))
        .values
        .iter()
        .map(|v| v.value.clone())
        .collect()
}

#[test]
fn generated_files_match_committed() {
    let statuses = ilms::check(&util::root()).expect("the set renders");
    let stale: Vec<_> = statuses
        .iter()
        .filter(|(_, s)| *s != FileStatus::Same)
        .collect();
    assert!(
        stale.is_empty(),
        "run `sdmxgw ilms generate` and commit: {stale:?}"
    );
    assert_eq!(statuses.len(), ilms::GENERATED_FILES.len() + 1);
}

#[test]
fn indicator_doc_matches_the_table() {
    let doc = std::fs::read_to_string(util::root().join(ilms::DOC_PATH)).unwrap();
    assert_eq!(doc, ilms::indicators_markdown(&table()));
    // The doc names every indicator with its key and source kind.
    assert!(doc.contains(
        "| `MST_TEMP_SEX_ECO_CBR_NB` | Employment by sex, economic activity, place of birth | \
         `REF_AREA.FREQ.MEASURE.SEX.ECO.CBR` | `MST_TEMP_NB` | NB | Labour force survey |"
    ));
}

#[test]
fn table_agrees_with_ilos_indicator_list() {
    // ILO's list (copied from the shared ILO tables) against the hand-written table.
    let text =
        std::fs::read_to_string(util::root().join("codelists/source/ilms_indicators.tsv")).unwrap();
    let ilo: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let t = table();
    assert_eq!(ilo.len(), 60);
    assert_eq!(t.ilms.indicators.len(), ilo.len());
    for (row, ind) in ilo.iter().zip(&t.ilms.indicators) {
        assert_eq!(row[0], ind.id);
        assert_eq!(row[1], ind.dataflow_id());
        assert_eq!(row[2], ind.measure, "{}", ind.id);
        assert_eq!(row[3], ind.key(), "{}", ind.id);
        assert_eq!(row[4], ind.label, "{}", ind.id);
    }
}

#[test]
fn counts_60_dataflows_dsds_constraints_and_331_areas() {
    let s = set();
    assert_eq!(s.data_structures.len(), 60);
    assert_eq!(s.dataflows.len(), 60);
    assert_eq!(s.constraints.len(), 60);
    assert_eq!(codelist(&s, "CL_AREA").codes.len(), 331);
    let ids: Vec<&str> = s.codelists.iter().map(|c| c.meta.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CL_AREA",
            "CL_FREQ",
            "CL_MEASURE",
            "CL_SEX",
            "CL_AGE",
            "CL_EDU",
            "CL_ECO",
            "CL_OCU",
            "CL_STE",
            "CL_CBR",
            "CL_CCT",
            "CL_CDS",
            "CL_CPR",
            "CL_CRS",
            "CL_OBS_STATUS",
            "CL_UNIT_MEASURE_TYPE",
            "CL_UNIT_MEASURE",
            "CL_UNIT_MULT",
            "CL_DECIMALS"
        ]
    );
    for c in &s.codelists {
        assert!(!c.codes.is_empty(), "{} is empty", c.meta.id);
        assert_eq!(c.meta.agency, "ILO");
        assert_eq!(c.meta.version.to_string(), "1.0");
        for code in &c.codes {
            assert!(
                code.names.get("en").is_some(),
                "{} has no English name",
                code.id
            );
            assert!(
                Codelist::order(code).is_some() || c.meta.id == "CL_AREA",
                "{}.{} has no ORDER",
                c.meta.id,
                code.id
            );
            if let Some(p) = &code.parent {
                assert!(c.code(p).is_some(), "{}: parent {p} missing", code.id);
            }
        }
    }
    // Every dataflow points at the DSD of the same indicator.
    for (df, dsd) in s.dataflows.iter().zip(&s.data_structures) {
        assert_eq!(df.meta.id, format!("DF_{}", dsd.meta.id));
        assert_eq!(df.structure.as_ref().unwrap().id, dsd.meta.id);
    }
}

#[test]
fn spot_checks_real_ilostat_codes() {
    let s = set();
    for (cl, code, name) in [
        ("CL_CBR", "CBR_BRT_MMR", "Myanmar"),
        ("CL_CCT", "CCT_CTZ_PHL", "Philippines"),
        ("CL_CDS", "CDS_DES_MYS", "Malaysia"),
        ("CL_ECO", "ECO_ISIC4_C", "C. Manufacturing"),
        ("CL_AGE", "AGE_YTHADULT_YGE15", "15+"),
        ("CL_AREA", "X84", "ASEAN"),
        ("CL_SEX", "SEX_F", "Female"),
        ("CL_UNIT_MULT", "3", "Thousands"),
    ] {
        let c = codelist(&s, cl)
            .code(code)
            .unwrap_or_else(|| panic!("{cl} has {code}"));
        assert_eq!(c.names.get("en"), Some(name), "{cl}.{code}");
    }
    let cbr = codelist(&s, "CL_CBR");
    assert_eq!(
        cbr.code("CBR_BRT_MMR").unwrap().parent.as_deref(),
        Some("CBR_BRT")
    );
    assert!(Codelist::is_total(
        codelist(&s, "CL_SEX").code("SEX_T").unwrap()
    ));
    assert!(Codelist::is_total(
        codelist(&s, "CL_ECO").code("ECO_ISIC4_TOTAL").unwrap()
    ));
    assert!(!Codelist::is_total(
        codelist(&s, "CL_ECO").code("ECO_ISIC4_C").unwrap()
    ));
    let area = codelist(&s, "CL_AREA");
    let mmr = area.code("MMR").unwrap();
    let note = |code: &sdmx_gateway::model::Code, kind: &str| {
        code.annotations
            .iter()
            .find(|a| a.annotation_type.as_deref() == Some(kind))
            .and_then(|a| a.title.clone())
    };
    assert_eq!(note(mmr, "ISO2").as_deref(), Some("MM"));
    assert_eq!(note(mmr, "M49").as_deref(), Some("104"));
    assert_eq!(Codelist::order(mmr), Some(10765));
    assert_eq!(mmr.parent.as_deref(), Some("X40"));
}

#[test]
fn dsds_follow_ilostat_components_and_attachments() {
    let s = set();
    let dsd = s
        .data_structures
        .iter()
        .find(|d| d.meta.id == "MST_TEMP_SEX_ECO_CBR_NB")
        .unwrap();
    let dims: Vec<(&str, u32)> = dsd
        .dimensions
        .iter()
        .map(|d| (d.id.as_str(), d.position))
        .collect();
    assert_eq!(
        dims,
        [
            ("REF_AREA", 1),
            ("FREQ", 2),
            ("MEASURE", 3),
            ("SEX", 4),
            ("ECO", 5),
            ("CBR", 6),
            ("TIME_PERIOD", 7)
        ]
    );
    assert_eq!(dsd.time_dimension().unwrap().id, "TIME_PERIOD");
    let eco = dsd.dimension("ECO").unwrap();
    assert_eq!(eco.kind, DimensionKind::Dimension);
    let eco_cl = eco
        .representation
        .as_ref()
        .unwrap()
        .enumeration
        .as_ref()
        .unwrap();
    assert_eq!(eco_cl.short(), "ILO:CL_ECO(1.0)");
    assert_eq!(eco.concept.as_ref().unwrap().item_id, "ECO");
    assert_eq!(eco.concept.as_ref().unwrap().scheme.id, "CS_ILOSTAT");
    let obs = dsd.measure("OBS_VALUE").unwrap();
    let tf = obs
        .representation
        .as_ref()
        .unwrap()
        .text_format
        .as_ref()
        .unwrap();
    assert_eq!(tf.data_type, Some(DataType::Double));
    let attach = |id: &str| dsd.attribute(id).unwrap().relationship.clone();
    let dims_of = |v: &[&str]| AttributeRelationship::Dimensions {
        dimensions: v.iter().map(|s| s.to_string()).collect(),
        attachment_groups: vec![],
    };
    for id in [
        "OBS_STATUS",
        "NOTE_CLASSIF",
        "DECIMALS",
        "UPPER_BOUND",
        "LOWER_BOUND",
    ] {
        assert_eq!(attach(id), AttributeRelationship::Observation, "{id}");
    }
    for id in ["UNIT_MEASURE_TYPE", "UNIT_MEASURE", "UNIT_MULT"] {
        assert_eq!(attach(id), dims_of(&["MEASURE"]), "{id}");
    }
    for id in ["SOURCE", "NOTE_SOURCE", "NOTE_INDICATOR"] {
        assert_eq!(
            attach(id),
            dims_of(&["REF_AREA", "MEASURE", "TIME_PERIOD"]),
            "{id}"
        );
    }
    for id in ["NOTE_CLASSIF", "SOURCE", "NOTE_SOURCE", "NOTE_INDICATOR"] {
        let tf = dsd.attribute(id).unwrap().representation.as_ref().unwrap();
        assert_eq!(
            tf.text_format.as_ref().unwrap().max_length,
            Some(1024),
            "{id}"
        );
    }
    assert_eq!(dsd.attributes.len(), 11);
    // Every DSD: the fixed key start, breakdowns in id order, time last.
    for d in &s.data_structures {
        let ids: Vec<&str> = d.dimensions.iter().map(|x| x.id.as_str()).collect();
        let parts: Vec<&str> = d.meta.id.split('_').collect();
        let mut want = vec!["REF_AREA", "FREQ", "MEASURE"];
        want.extend(&parts[2..parts.len() - 1]);
        want.push("TIME_PERIOD");
        assert_eq!(ids, want, "{}", d.meta.id);
    }
}

#[test]
fn concept_scheme_covers_every_component() {
    let s = set();
    let cs = &s.concept_scheme;
    assert_eq!(cs.meta.id, "CS_ILOSTAT");
    for dsd in &s.data_structures {
        let refs = dsd
            .dimensions
            .iter()
            .map(|d| d.concept.as_ref())
            .chain(dsd.attributes.iter().map(|a| a.concept.as_ref()))
            .chain(dsd.measures.iter().map(|m| m.concept.as_ref()));
        for r in refs {
            let r = r.expect("every component has a concept");
            assert!(cs.concept(&r.item_id).is_some(), "{} missing", r.item_id);
        }
    }
}

#[test]
fn constraints_fix_measure_classifications_and_units() {
    let s = set();
    for c in &s.constraints {
        assert_eq!(c.role, ConstraintRole::Allowed);
        assert!(c.cube_regions[0].include);
    }
    let c = constraint(&s, "MST_TEMP_SEX_ECO_CBR_NB");
    assert_eq!(allowed(c, "MEASURE"), ["MST_TEMP_NB"]);
    let eco = allowed(c, "ECO");
    assert!(eco.iter().all(|v| v.starts_with("ECO_")), "{eco:?}");
    assert!(eco.contains(&"ECO_ISIC4_C".to_owned()));
    assert!(
        !eco.contains(&"ECO_ISIC4".to_owned()),
        "headings are not values"
    );
    let cbr = allowed(c, "CBR");
    assert!(cbr.iter().all(|v| v.starts_with("CBR_")) && cbr.contains(&"CBR_BRT_MMR".into()));
    assert!(allowed(c, "SEX").iter().all(|v| v.starts_with("SEX_")));
    assert!(!allowed(c, "SEX").contains(&"_Z".to_owned()));
    assert_eq!(allowed(c, "UNIT_MEASURE"), ["PS"]);
    assert_eq!(allowed(c, "UNIT_MULT"), ["3"]);

    let rt = constraint(&s, "MST_TUNE_SEX_AGE_CCT_RT");
    assert_eq!(allowed(rt, "MEASURE"), ["MST_TUNE_RT"]);
    assert_eq!(allowed(rt, "UNIT_MEASURE"), ["PT"]);
    assert_eq!(allowed(rt, "UNIT_MULT"), ["0"]);
    assert!(allowed(rt, "AGE").contains(&"AGE_YTHADULT_YGE15".to_owned()));
    assert!(allowed(rt, "CCT").contains(&"CCT_CTZ_PHL".to_owned()));

    let ear = constraint(&s, "MST_EARA_SEX_CBR_NB");
    assert_eq!(allowed(ear, "UNIT_MEASURE"), ["LC"]);
    assert_eq!(allowed(ear, "UNIT_MULT"), ["0"]);

    let cds = allowed(constraint(&s, "MNA_OEMP_SEX_CDS_NB"), "CDS");
    assert!(cds.iter().all(|v| v.starts_with("CDS_DES_")), "{cds:?}");
    assert!(cds.contains(&"CDS_DES_MYS".to_owned()));
    assert!(allowed(constraint(&s, "MNA_XRET_SEX_CPR_NB"), "CPR").contains(&"CPR_PRV_THA".into()));
    assert!(allowed(constraint(&s, "MNA_TPOP_SEX_CRS_NB"), "CRS").contains(&"CRS_RES_SAU".into()));
}

#[test]
fn providers_are_the_asean_offices_and_ministries() {
    let s = set();
    let asean = [
        "BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM",
    ];
    let ids: Vec<&str> = s
        .provider_scheme
        .providers
        .iter()
        .map(|p| p.item.id.as_str())
        .collect();
    assert_eq!(ids.len(), 20);
    for a in asean {
        assert_eq!(ids.iter().filter(|i| i.starts_with(a)).count(), 2, "{a}");
    }
    assert_eq!(s.provider_scheme.meta.id, "DATA_PROVIDERS");
    let flows: HashSet<&str> = s.dataflows.iter().map(|d| d.meta.id.as_str()).collect();
    let mut reported = BTreeSet::new();
    for pa in &s.provision_agreements {
        assert!(flows.contains(pa.dataflow.id.as_str()), "{}", pa.meta.id);
        assert!(
            ids.contains(&pa.data_provider.item_id.as_str()),
            "{}",
            pa.meta.id
        );
        reported.insert(pa.dataflow.id.as_str());
    }
    assert_eq!(reported.len(), 60, "every dataflow has a reporter");
    // Statistics offices report survey flows, labour ministries administrative ones.
    let has = |p: &str, df: &str| {
        s.provision_agreements
            .iter()
            .any(|pa| pa.data_provider.item_id == p && pa.dataflow.id == df)
    };
    assert!(has("PHL_PSA", "DF_MST_TEMP_SEX_ECO_CBR_NB"));
    assert!(has("PHL_DOLE", "DF_MNA_OEMP_SEX_CDS_NB"));
    assert!(!has("PHL_DOLE", "DF_MST_TEMP_SEX_ECO_CBR_NB"));
}

#[test]
fn cli_lists_indicators_as_json() {
    let out = util::sdmxgw()
        .args(["ilms", "indicators", "--json", "--root"])
        .arg(util::root())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 60);
    assert_eq!(list[0]["id"], "MFL_FEMP_SEX_ECO_NB");
    assert_eq!(list[0]["breakdowns"], serde_json::json!(["SEX", "ECO"]));
}

/// Copies what the generator reads and writes into a scratch root.
fn scratch_root(name: &str, with_outputs: bool) -> std::path::PathBuf {
    let dir = util::temp_dir(name);
    let mut files: Vec<&str> = Vec::new();
    if with_outputs {
        files.extend(ilms::GENERATED_FILES);
    }
    files.extend([
        ilms::TABLE_PATH,
        ilms::DOC_PATH,
        "codelists/source/ilo_codelists_extract.tsv",
        "codelists/source/cl_area.tsv",
    ]);
    for f in files {
        let to = dir.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(util::root().join(f), to).unwrap();
    }
    dir
}

#[test]
fn cli_check_names_stale_files_and_generate_fixes_them() {
    let root = scratch_root("ilms-check", true);
    let run = |args: &[&str]| {
        util::sdmxgw()
            .args(["ilms", "generate"])
            .args(args)
            .arg("--root")
            .arg(&root)
            .output()
            .unwrap()
    };
    assert_eq!(run(&["--check"]).status.code(), Some(0));
    // A new label in the table changes the DSD, the dataflow and the doc.
    let table = root.join(ilms::TABLE_PATH);
    let text = std::fs::read_to_string(&table).unwrap();
    std::fs::write(
        &table,
        text.replace(
            "Employment by sex, age, citizenship\"",
            "Employed persons by sex, age, citizenship\"",
        ),
    )
    .unwrap();
    std::fs::remove_file(root.join("dsd/ilms-providers.xml")).unwrap();
    let out = run(&["--check"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("differs   dsd/ilms-datastructures.xml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("differs   dsd/ilms-dataflows.xml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing   dsd/ilms-providers.xml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unchanged codelists/ilms-codelists.xml"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("sdmxgw ilms generate"));
    assert_eq!(run(&[]).status.code(), Some(0));
    assert_eq!(run(&["--check"]).status.code(), Some(0));
    let dsds = std::fs::read_to_string(root.join("dsd/ilms-datastructures.xml")).unwrap();
    assert!(dsds.contains("Employed persons by sex, age, citizenship"));
}

#[test]
fn cli_reports_a_broken_table_with_its_file() {
    let root = scratch_root("ilms-broken", false);
    let table = root.join(ilms::TABLE_PATH);
    let text = std::fs::read_to_string(&table).unwrap();
    std::fs::write(
        &table,
        text.replace("measure = \"MST_XWAP_NB\"", "measure = \"MST_XWAP_RT\""),
    )
    .unwrap();
    let out = util::sdmxgw()
        .args(["ilms", "generate", "--check", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dsd/ilms.toml") && err.contains("should be MST_XWAP_NB"),
        "{err}"
    );
}

#[test]
fn structure_check_accepts_the_shipped_set() {
    let out = util::sdmxgw()
        .current_dir(util::root())
        .args(["structure", "check", "dsd", "codelists"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Zero findings, and the whole set was loaded (not an empty folder).
    assert!(stdout.contains("0 errors, 0 warnings"), "{stdout}");
    let count = |kind: &str| {
        stdout
            .lines()
            .find_map(|l| {
                let mut w = l.split_whitespace();
                (w.next() == Some(kind)).then(|| w.next().unwrap_or_default().to_owned())
            })
            .unwrap_or_else(|| panic!("no {kind} line in {stdout}"))
    };
    assert_eq!(count("dataflows"), "60");
    assert_eq!(count("datastructures"), "60");
    assert_eq!(count("constraints"), "60");
    assert_eq!(count("codelists"), "19");
}

#[test]
#[ignore = "needs xmllint and the official XSDs (scripts/test.sh)"]
fn generated_files_validate_against_the_2_1_schema() {
    for f in ilms::GENERATED_FILES {
        util::xmllint_21(&util::root().join(f));
    }
}

#[test]
fn set_resolves_in_the_registry_and_constraints_cascade() {
    use sdmx_gateway::structure::Registry;
    let s = set();
    let sources = s
        .files()
        .into_iter()
        .map(|f| (f.path.to_owned(), f.structures));
    let registry = match Registry::from_structures(sources) {
        Ok(r) => r,
        Err(e) => panic!(
            "the set does not resolve:\n{}",
            e.errors
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    let df = registry
        .dataflow("ILO:DF_MST_TEMP_SEX_ECO_CBR_NB(1.0)")
        .unwrap();
    let eco = registry.allowed_codes(df, "ECO", None).unwrap();
    assert!(eco.allows("ECO_ISIC4_C"));
    assert!(!eco.allows("ECO_ISIC4"), "a classification heading");
    assert!(!eco.allows("_Z"));
    let measure = registry.allowed_codes(df, "MEASURE", None).unwrap();
    assert!(measure.allows("MST_TEMP_NB") && !measure.allows("MST_TEMP_RT"));
    let mult = registry.allowed_codes(df, "UNIT_MULT", None).unwrap();
    assert!(mult.allows("3") && !mult.allows("0"));
    let region = registry.allowed_region(df, None).unwrap();
    assert!(region.allows_key(&[
        ("REF_AREA", "PHL"),
        ("FREQ", "A"),
        ("MEASURE", "MST_TEMP_NB"),
        ("SEX", "SEX_F"),
        ("ECO", "ECO_ISIC4_C"),
        ("CBR", "CBR_BRT_MMR"),
    ]));
    assert!(!region.allows_key(&[("MEASURE", "MST_TEMP_NB"), ("CBR", "CCT_CTZ_MMR")]));
}

#[test]
fn committed_files_read_back_as_the_set() {
    for f in set().files() {
        let read = sdmx_gateway::structure::read_structure_file(&util::root().join(f.path))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(read.warnings.is_empty(), "{}: {:?}", f.path, read.warnings);
        assert_eq!(read.structures.len(), f.structures.len(), "{}", f.path);
        assert!(
            read.structures == f.structures,
            "{} does not round-trip",
            f.path
        );
    }
}
