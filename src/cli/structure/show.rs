//! `sdmxgw structure show`: one artefact in detail.

use std::collections::HashSet;
use std::io::Write;

use clap::Args;
use sdmx_gateway::model::{
    Artefact, ArtefactClass, AttributeRelationship, Codelist, DataStructure, DimensionKind,
    ItemRef, Representation, TimeRange, TimeRangeBound, UsageStatus,
};
use sdmx_gateway::structure::Registry;
use serde_json::{Value, json};

use super::{StructureArgs, load_lenient, table};
use crate::cli::Outcome;

/// Arguments of `structure show`.
#[derive(Args)]
pub struct ShowArgs {
    /// The artefact: a URN, AGENCY:ID(VERSION), AGENCY:ID or a bare id.
    #[arg(value_name = "ARTEFACT")]
    query: String,
    #[command(flatten)]
    structure: StructureArgs,
    /// Print JSON: the resolved view (dimensions with codelists, the code tree)
    /// and the artefact itself under `artefact`.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ShowArgs) -> anyhow::Result<Outcome> {
    let loaded = load_lenient(args.structure)?;
    let registry = &loaded.registry;
    let artefact = registry.find(&args.query)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &to_json(registry, artefact)?)?;
        writeln!(out)?;
    } else {
        human(&mut out, registry, artefact)?;
    }
    out.flush()?;
    Ok(if loaded.failed {
        Outcome::Invalid
    } else {
        Outcome::Ok
    })
}

fn to_json(registry: &Registry, a: Artefact<'_>) -> anyhow::Result<Value> {
    let urn = a.reference().urn();
    let mut v = json!({
        "type": a.class().name(),
        "urn": urn,
        "name": a.meta().names.best(),
        "file": registry.source_of(&urn),
    });
    let extra = match a {
        Artefact::DataStructure(d) => dsd_json(registry, d),
        Artefact::Codelist(c) => json!({ "codes": code_tree(c) }),
        Artefact::Dataflow(_) => json!({
            "constraints": registry
                .constraints_on(&urn)
                .iter()
                .map(|c| c.meta.reference(ArtefactClass::ContentConstraint).urn())
                .collect::<Vec<_>>(),
        }),
        _ => json!({}),
    };
    let artefact = match a {
        Artefact::AgencyScheme(x) => serde_json::to_value(x)?,
        Artefact::DataProviderScheme(x) => serde_json::to_value(x)?,
        Artefact::Codelist(x) => serde_json::to_value(x)?,
        Artefact::ConceptScheme(x) => serde_json::to_value(x)?,
        Artefact::DataStructure(x) => serde_json::to_value(x)?,
        Artefact::Dataflow(x) => serde_json::to_value(x)?,
        Artefact::Constraint(x) => serde_json::to_value(x)?,
        Artefact::ProvisionAgreement(x) => serde_json::to_value(x)?,
    };
    if let (Some(obj), Value::Object(extra)) = (v.as_object_mut(), extra) {
        obj.extend(extra);
        obj.insert("artefact".to_owned(), artefact);
    }
    Ok(v)
}

fn dsd_json(registry: &Registry, d: &DataStructure) -> Value {
    let codelist = |id: &str| {
        registry
            .codelist_of(d, id)
            .map(|c| c.meta.reference(ArtefactClass::Codelist).urn())
    };
    let obs_dim = d.time_dimension().map(|t| t.id.as_str());
    json!({
        "dimensions": d.dimensions.iter().map(|x| json!({
            "position": x.position,
            "id": x.id,
            "kind": kind(x.kind),
            "concept": x.concept.as_ref().map(ItemRef::urn),
            "codelist": codelist(&x.id),
        })).collect::<Vec<_>>(),
        "attributes": d.attributes.iter().map(|a| json!({
            "id": a.id,
            "usage": usage(a.usage),
            "attachment": relationship(&a.relationship),
            "level": format!("{:?}", d.attachment_level(a, obs_dim)),
            "concept": a.concept.as_ref().map(ItemRef::urn),
            "codelist": codelist(&a.id),
        })).collect::<Vec<_>>(),
        "measures": d.measures.iter().map(|m| json!({
            "id": m.id,
            "concept": m.concept.as_ref().map(ItemRef::urn),
            "representation": representation(m.representation.as_ref()),
        })).collect::<Vec<_>>(),
    })
}

fn code_tree(c: &Codelist) -> Vec<Value> {
    fn node(c: &Codelist, id: &str, seen: &mut HashSet<String>) -> Value {
        let name = c.code(id).and_then(|x| x.names.best());
        let mut children = Vec::new();
        for x in c.codes.iter().filter(|x| x.parent.as_deref() == Some(id)) {
            // Each code once, even if the parents form a cycle.
            if seen.insert(x.id.clone()) {
                children.push(node(c, &x.id, seen));
            }
        }
        json!({ "id": id, "name": name, "children": children })
    }
    let mut seen = HashSet::new();
    let mut tree = Vec::new();
    for id in roots(c) {
        if seen.insert(id.to_owned()) {
            tree.push(node(c, id, &mut seen));
        }
    }
    tree
}

/// Codes with no parent, or whose parent is not in the codelist.
fn roots(c: &Codelist) -> Vec<&str> {
    c.codes
        .iter()
        .filter(|x| x.parent.as_deref().is_none_or(|p| c.code(p).is_none()))
        .map(|x| x.id.as_str())
        .collect()
}

fn kind(k: DimensionKind) -> &'static str {
    match k {
        DimensionKind::Dimension => "dimension",
        DimensionKind::Measure => "measure",
        DimensionKind::Time => "time",
    }
}

fn usage(u: UsageStatus) -> &'static str {
    match u {
        UsageStatus::Mandatory => "mandatory",
        UsageStatus::Conditional => "conditional",
    }
}

fn relationship(r: &AttributeRelationship) -> String {
    match r {
        AttributeRelationship::None => "dataset".to_owned(),
        AttributeRelationship::Dataflow => "dataflow".to_owned(),
        AttributeRelationship::Dimensions {
            dimensions,
            attachment_groups,
        } => {
            let mut s = format!("dimensions {}", dimensions.join(","));
            if !attachment_groups.is_empty() {
                s.push_str(&format!(" (groups {})", attachment_groups.join(",")));
            }
            s
        }
        AttributeRelationship::Group(g) => format!("group {g}"),
        AttributeRelationship::Observation => "observation".to_owned(),
    }
}

fn representation(r: Option<&Representation>) -> String {
    match r {
        Some(Representation {
            enumeration: Some(e),
            ..
        }) => e.short(),
        Some(Representation {
            text_format: Some(t),
            ..
        }) => t
            .data_type
            .map_or("String".to_owned(), |d| d.name().to_owned()),
        _ => String::new(),
    }
}

fn human(out: &mut dyn Write, registry: &Registry, a: Artefact<'_>) -> anyhow::Result<()> {
    let urn = a.reference().urn();
    writeln!(out, "{} {}", a.class().name(), a.reference().short())?;
    writeln!(out, "  name: {}", a.meta().names.best().unwrap_or(""))?;
    writeln!(out, "  urn:  {urn}")?;
    if let Some(file) = registry.source_of(&urn) {
        writeln!(out, "  file: {file}")?;
    }
    match a {
        Artefact::DataStructure(d) => human_dsd(out, registry, d)?,
        Artefact::Codelist(c) => {
            writeln!(out, "\nCodes ({}):", c.codes.len())?;
            let mut seen = HashSet::new();
            for root in roots(c) {
                print_code(out, c, root, 1, &mut seen)?;
            }
        }
        Artefact::ConceptScheme(cs) => {
            writeln!(out)?;
            let rows: Vec<Vec<String>> = cs
                .concepts
                .iter()
                .map(|c| {
                    vec![
                        c.item.id.clone(),
                        representation(c.core_representation.as_ref()),
                        c.item.names.best().unwrap_or("").to_owned(),
                    ]
                })
                .collect();
            table::write(out, &["CONCEPT", "REPRESENTATION", "NAME"], &rows)?;
        }
        Artefact::Dataflow(df) => {
            let dsd = df.structure.as_ref().map_or(String::new(), |s| s.urn());
            writeln!(out, "  structure: {dsd}")?;
            for c in registry.constraints_on(&urn) {
                writeln!(
                    out,
                    "  constraint: {} ({:?})",
                    c.meta.reference(ArtefactClass::ContentConstraint).short(),
                    c.role
                )?;
            }
        }
        Artefact::ProvisionAgreement(pa) => {
            writeln!(out, "  dataflow: {}", pa.dataflow.urn())?;
            writeln!(out, "  provider: {}", pa.data_provider.urn())?;
        }
        Artefact::Constraint(c) => {
            writeln!(out, "  role: {:?}", c.role)?;
            let a = &c.attachment;
            for r in a
                .data_structures
                .iter()
                .chain(&a.dataflows)
                .chain(&a.provision_agreements)
            {
                writeln!(out, "  constrains: {}", r.urn())?;
            }
            if let Some(p) = &a.data_provider {
                writeln!(out, "  constrains: {}", p.urn())?;
            }
            for region in &c.cube_regions {
                let verb = if region.include { "include" } else { "exclude" };
                for sel in region.key_values.iter().chain(&region.attributes) {
                    let values: Vec<&str> = sel.values.iter().map(|v| v.value.as_str()).collect();
                    let what = match &sel.time_range {
                        Some(t) => time_range(t),
                        None => values.join(" "),
                    };
                    if sel.time_range.is_some() {
                        writeln!(out, "  {verb} region: {} {what}", sel.component)?;
                    } else {
                        let neg = if sel.include { "" } else { "not " };
                        writeln!(out, "  {verb} region: {} {neg}in {what}", sel.component)?;
                    }
                }
            }
            for set in &c.data_key_sets {
                let verb = if set.included { "include" } else { "exclude" };
                for k in &set.keys {
                    let key: Vec<String> =
                        k.values.iter().map(|(d, v)| format!("{d}={v}")).collect();
                    writeln!(out, "  {verb} key: {}", key.join(" "))?;
                }
            }
        }
        Artefact::AgencyScheme(s) => {
            for x in &s.agencies {
                writeln!(
                    out,
                    "  {}  {}",
                    x.item.id,
                    x.item.names.best().unwrap_or("")
                )?;
            }
        }
        Artefact::DataProviderScheme(s) => {
            for x in &s.providers {
                writeln!(
                    out,
                    "  {}  {}",
                    x.item.id,
                    x.item.names.best().unwrap_or("")
                )?;
            }
        }
    }
    Ok(())
}

/// A time range as `2010 <= period <= 2020` (`<` for an exclusive bound).
fn time_range(t: &TimeRange) -> String {
    let op = |b: &TimeRangeBound| if b.inclusive { "<=" } else { "<" };
    match t {
        TimeRange::Before(b) => format!("period {} {}", op(b), b.period),
        TimeRange::After(b) => format!("{} {} period", b.period, op(b)),
        TimeRange::Between { start, end } => format!(
            "{} {} period {} {}",
            start.period,
            op(start),
            op(end),
            end.period
        ),
    }
}

fn human_dsd(out: &mut dyn Write, registry: &Registry, d: &DataStructure) -> anyhow::Result<()> {
    let codelist = |id: &str| {
        registry.codelist_of(d, id).map_or(String::new(), |c| {
            c.meta.reference(ArtefactClass::Codelist).short()
        })
    };
    let concept = |c: &Option<ItemRef>| c.as_ref().map_or(String::new(), |c| c.item_id.clone());
    writeln!(out, "\nDimensions:")?;
    let rows: Vec<Vec<String>> = d
        .dimensions
        .iter()
        .map(|x| {
            vec![
                x.position.to_string(),
                x.id.clone(),
                kind(x.kind).to_owned(),
                concept(&x.concept),
                codelist(&x.id),
            ]
        })
        .collect();
    table::write(out, &["POS", "ID", "KIND", "CONCEPT", "CODELIST"], &rows)?;
    writeln!(out, "\nAttributes:")?;
    let obs_dim = d.time_dimension().map(|t| t.id.as_str());
    let rows: Vec<Vec<String>> = d
        .attributes
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                usage(a.usage).to_owned(),
                format!("{:?}", d.attachment_level(a, obs_dim)),
                relationship(&a.relationship),
                codelist(&a.id),
            ]
        })
        .collect();
    table::write(
        out,
        &["ID", "USAGE", "LEVEL", "ATTACHMENT", "CODELIST"],
        &rows,
    )?;
    writeln!(out, "\nMeasures:")?;
    let rows: Vec<Vec<String>> = d
        .measures
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                concept(&m.concept),
                representation(m.representation.as_ref()),
            ]
        })
        .collect();
    table::write(out, &["ID", "CONCEPT", "REPRESENTATION"], &rows)?;
    Ok(())
}

fn print_code(
    out: &mut dyn Write,
    c: &Codelist,
    id: &str,
    depth: usize,
    seen: &mut HashSet<String>,
) -> std::io::Result<()> {
    if !seen.insert(id.to_owned()) {
        return Ok(()); // a cycle in the parents: print each code once
    }
    let name = c.code(id).and_then(|x| x.names.best()).unwrap_or("");
    writeln!(out, "{}{id}  {name}", "  ".repeat(depth))?;
    for child in c.codes.iter().filter(|x| x.parent.as_deref() == Some(id)) {
        print_code(out, c, &child.id, depth + 1, seen)?;
    }
    Ok(())
}
