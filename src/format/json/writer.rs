use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};

use indexmap::{IndexMap, IndexSet};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::action_word;
use crate::data::{
    DataError, DataSetHeader, DataSink, Flow, GroupKey, Header, Obs, ObsDimension, SeriesKey,
    StructureUse, Summary, Values,
};
use crate::format::{DataFormat, WriteOptions};
use crate::model::{AttributeRelationship, DataStructure};

type Pairs = Vec<(String, String)>;

/// One spooled event.
#[derive(Serialize, Deserialize)]
enum Rec {
    D {
        action: String,
        attrs: Pairs,
        link: Option<(String, String)>,
    },
    S {
        key: Pairs,
        attrs: Pairs,
    },
    O {
        key: Pairs,
        measures: Pairs,
        attrs: Pairs,
    },
    E,
}

/// The distinct values of each component, by level, in order of first sight.
#[derive(Default)]
struct Level {
    components: IndexMap<String, IndexSet<String>>,
}

impl Level {
    fn add(&mut self, values: &Values) {
        for (id, v) in values.iter() {
            let set = self.components.entry(id.to_owned()).or_default();
            if !set.contains(v) {
                set.insert(v.to_owned());
            }
        }
    }
}

/// Writes SDMX-JSON 1.0/2.0 in two passes over a temporary spool file.
pub struct JsonWriter<'a, W: Write> {
    v2: bool,
    out: W,
    dsd: &'a DataStructure,
    opts: WriteOptions<'a>,
    spool: BufWriter<File>,
    header: Header,
    structure: Option<StructureUse>,
    series_dims: Level,
    obs_dims: Level,
    ds_attrs: Level,
    series_attrs: Level,
    obs_attrs: Level,
    measures: IndexSet<String>,
    groups: Vec<GroupKey>,
    in_series: bool,
    /// An observation arrived outside any series, or the caller asked for
    /// AllDimensions: write the flat layout.
    flat: bool,
    merged: Values,
    /// Series keys of the current dataset: SDMX-JSON names each series once, so
    /// a key seen again (unsorted or cross-sectional input) switches the message
    /// to the flat layout.
    seen_series: std::collections::HashSet<String>,
}

fn io(e: std::io::Error) -> DataError {
    DataError::Io {
        context: "writing SDMX-JSON".to_owned(),
        source: e,
    }
}

fn spool_err(e: serde_json::Error) -> DataError {
    io(std::io::Error::other(e))
}

impl<'a, W: Write> JsonWriter<'a, W> {
    /// A writer for `Json10` or `Json20`; the DSD gives component order,
    /// positions and attribute relationships.
    pub fn new(format: DataFormat, out: W, opts: WriteOptions<'a>) -> Result<Self, DataError> {
        let v2 = match format {
            DataFormat::Json10 => false,
            DataFormat::Json20 => true,
            other => {
                return Err(DataError::Structure(format!(
                    "the SDMX-JSON writer cannot write {other}"
                )));
            }
        };
        let dsd = opts.dsd.ok_or_else(|| {
            DataError::Structure(format!(
                "writing {format} needs the DSD (component positions and attribute relationships): pass --structure"
            ))
        })?;
        let spool = tempfile::tempfile().map_err(|e| DataError::Io {
            context: "creating the SDMX-JSON spool file in the temporary directory".to_owned(),
            source: e,
        })?;
        Ok(JsonWriter {
            v2,
            out,
            dsd,
            opts,
            spool: BufWriter::new(spool),
            header: Header::default(),
            structure: opts.structure.cloned(),
            series_dims: Level::default(),
            obs_dims: Level::default(),
            ds_attrs: Level::default(),
            series_attrs: Level::default(),
            obs_attrs: Level::default(),
            measures: IndexSet::new(),
            groups: Vec::new(),
            in_series: false,
            flat: matches!(
                opts.dimension_at_observation,
                Some(ObsDimension::AllDimensions)
            ),
            merged: Values::new(),
            seen_series: std::collections::HashSet::new(),
        })
    }

    fn spool(&mut self, r: &Rec) -> Result<(), DataError> {
        serde_json::to_writer(&mut self.spool, r).map_err(spool_err)?;
        self.spool.write_all(b"\n").map_err(io)
    }

    fn dim_position(&self, id: &str) -> usize {
        self.dsd
            .dimensions
            .iter()
            .position(|d| d.id == id)
            .unwrap_or(usize::MAX)
    }

    /// Component ids of a level in DSD order (unknown ids last, as seen).
    fn ordered(&self, level: &Level, dims: bool) -> Vec<String> {
        let mut ids: Vec<&String> = level.components.keys().collect();
        ids.sort_by_key(|id| {
            if dims {
                self.dim_position(id)
            } else {
                self.dsd
                    .attributes
                    .iter()
                    .position(|a| &a.id == *id)
                    .unwrap_or(usize::MAX)
            }
        });
        ids.into_iter().cloned().collect()
    }

    fn dim_component(&self, id: &str, values: &IndexSet<String>) -> Value {
        let mut c = json!({
            "id": id,
            "name": id,
            "keyPosition": self.dim_position(id),
            "values": values.iter().map(|v| json!({"id": v, "name": v})).collect::<Vec<_>>(),
        });
        if !self.v2 {
            c["names"] = json!({"en": id});
        }
        if self
            .dsd
            .dimension(id)
            .is_some_and(|d| d.kind == crate::model::DimensionKind::Time)
        {
            c["role"] = json!("TIME_PERIOD");
        }
        c
    }

    fn attr_component(&self, id: &str, values: &IndexSet<String>, level: &str) -> Value {
        let a = self.dsd.attribute(id);
        let coded = a
            .and_then(|a| a.representation.as_ref())
            .is_some_and(|r| r.enumeration.is_some());
        let relationship = match a.map(|a| &a.relationship) {
            Some(AttributeRelationship::None | AttributeRelationship::Dataflow) => {
                if self.v2 {
                    json!({"dataflow": {}})
                } else {
                    json!({"none": {}})
                }
            }
            Some(AttributeRelationship::Dimensions { dimensions, .. }) => {
                json!({ "dimensions": dimensions })
            }
            Some(AttributeRelationship::Group(g)) => json!({ "group": g }),
            Some(AttributeRelationship::Observation) | None if level == "observation" => {
                if self.v2 {
                    json!({"observation": {}})
                } else {
                    json!({"primaryMeasure": "OBS_VALUE"})
                }
            }
            _ => json!({"none": {}}),
        };
        let values: Vec<Value> = values
            .iter()
            .map(|v| {
                if self.v2 && !coded {
                    json!({ "value": v })
                } else {
                    json!({"id": v, "name": v})
                }
            })
            .collect();
        let mut c = json!({"id": id, "name": id, "relationship": relationship, "values": values});
        if !self.v2 {
            c["names"] = json!({"en": id});
        }
        c
    }

    fn structure_json(&self, series_ids: &[String], obs_ids: &[String]) -> Value {
        let dims = |level: &Level, ids: &[String]| -> Vec<Value> {
            ids.iter()
                .map(|id| self.dim_component(id, &level.components[id]))
                .collect()
        };
        let attrs = |level: &Level, name: &str| -> Vec<Value> {
            self.ordered(level, false)
                .iter()
                .map(|id| self.attr_component(id, &level.components[id], name))
                .collect()
        };
        let mut links = Vec::new();
        if let Some(s) = &self.structure {
            links.push(json!({"urn": s.reference().urn(), "rel": link_rel(s)}));
        }
        let mut s = json!({
            "links": links,
            "name": self.dsd.meta.names.best().unwrap_or(&self.dsd.meta.id),
            "dimensions": {
                "dataSet": [],
                "series": dims(&self.series_dims, series_ids),
                "observation": dims(&self.obs_dims, obs_ids),
            },
            "attributes": {
                "dataSet": attrs(&self.ds_attrs, "dataSet"),
                "series": attrs(&self.series_attrs, "series"),
                "observation": attrs(&self.obs_attrs, "observation"),
            },
        });
        if self.v2 {
            s["measures"] = json!({
                "observation": self.measure_ids().iter().map(|m| json!({"id": m, "name": m})).collect::<Vec<_>>()
            });
        }
        s
    }

    fn measure_ids(&self) -> Vec<String> {
        if !self.v2 {
            // 1.0 has one observation value: the DSD's first measure.
            return vec![
                self.dsd
                    .measures
                    .first()
                    .map_or("OBS_VALUE", |m| m.id.as_str())
                    .to_owned(),
            ];
        }
        let mut ids: Vec<String> = self.dsd.measures.iter().map(|m| m.id.clone()).collect();
        for m in &self.measures {
            if !ids.contains(m) {
                ids.push(m.clone());
            }
        }
        if ids.is_empty() {
            ids.push("OBS_VALUE".to_owned());
        }
        ids
    }

    fn write_message(&mut self) -> Result<(), DataError> {
        // In the flat layout every dimension sits at observation level.
        if self.flat {
            let series = std::mem::take(&mut self.series_dims);
            for (id, vals) in series.components {
                let set = self.obs_dims.components.entry(id).or_default();
                for v in vals {
                    set.insert(v);
                }
            }
            let series_attrs = std::mem::take(&mut self.series_attrs);
            for (id, vals) in series_attrs.components {
                let set = self.obs_attrs.components.entry(id).or_default();
                for v in vals {
                    set.insert(v);
                }
            }
        }
        let series_ids = self.ordered(&self.series_dims, true);
        let obs_ids = self.ordered(&self.obs_dims, true);
        let ds_attr_ids = self.ordered(&self.ds_attrs, false);
        let series_attr_ids = self.ordered(&self.series_attrs, false);
        let obs_attr_ids = self.ordered(&self.obs_attrs, false);
        let measure_ids = self.measure_ids();
        let structure = self.structure_json(&series_ids, &obs_ids);

        let h = &self.header;
        let mut head = json!({
            "id": h.id,
            "test": h.test,
            "prepared": h.prepared,
            "sender": {"id": h.sender},
        });
        if let Some(r) = &h.receiver {
            if self.v2 {
                head["receivers"] = json!([{ "id": r }]);
            } else {
                head["receiver"] = json!({ "id": r });
            }
        }
        let out = &mut self.out;
        if self.v2 {
            head["schema"] = json!(
                "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/2.0.0/sdmx-json-data-schema.json"
            );
            out.write_all(b"{\"meta\":").map_err(io)?;
            serde_json::to_writer(&mut *out, &head).map_err(spool_err)?;
            out.write_all(b",\"data\":{\"structures\":[").map_err(io)?;
            serde_json::to_writer(&mut *out, &structure).map_err(spool_err)?;
            out.write_all(b"],\"dataSets\":[").map_err(io)?;
        } else {
            out.write_all(b"{\"header\":").map_err(io)?;
            serde_json::to_writer(&mut *out, &head).map_err(spool_err)?;
            out.write_all(b",\"structure\":").map_err(io)?;
            serde_json::to_writer(&mut *out, &structure).map_err(spool_err)?;
            out.write_all(b",\"dataSets\":[").map_err(io)?;
        }

        // Replay the spool.
        self.spool.flush().map_err(io)?;
        let file = self.spool.get_mut();
        file.rewind().map_err(io)?;
        let file = file.try_clone().map_err(io)?;
        let mut lines = BufReader::new(file);
        let mut line = String::new();
        let mut first_ds = true;
        let mut first_series = true;
        let mut first_obs = true;
        let mut series_open = false;
        let mut ds_open = false;
        let mut obs_open = false;
        let ctx = Ctx {
            series_dims: &self.series_dims,
            obs_dims: &self.obs_dims,
            ds_attrs: &self.ds_attrs,
            series_attrs: &self.series_attrs,
            obs_attrs: &self.obs_attrs,
        };
        let mut key_text = String::new();
        let mut flat_series: Pairs = Vec::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).map_err(io)? == 0 {
                break;
            }
            let rec: Rec = serde_json::from_str(&line).map_err(spool_err)?;
            match rec {
                Rec::D {
                    action,
                    attrs,
                    link,
                } => {
                    if !first_ds {
                        out.write_all(b",").map_err(io)?;
                    }
                    first_ds = false;
                    ds_open = true;
                    out.write_all(b"{").map_err(io)?;
                    if self.v2 {
                        out.write_all(b"\"structure\":0,").map_err(io)?;
                    }
                    write!(out, "\"action\":\"{action}\",\"links\":").map_err(io)?;
                    let links: Vec<Value> = link
                        .iter()
                        .map(|(urn, rel)| json!({"urn": urn, "rel": rel}))
                        .collect();
                    serde_json::to_writer(&mut *out, &links).map_err(spool_err)?;
                    let idx = ctx.indexes(ctx.ds_attrs, &ds_attr_ids, &attrs);
                    if !idx.is_empty() {
                        out.write_all(b",\"attributes\":").map_err(io)?;
                        serde_json::to_writer(&mut *out, &idx).map_err(spool_err)?;
                    }
                    if self.flat {
                        out.write_all(b",\"observations\":{").map_err(io)?;
                    } else {
                        out.write_all(b",\"series\":{").map_err(io)?;
                    }
                    first_series = true;
                    first_obs = true;
                }
                Rec::S { key, attrs } => {
                    if self.flat {
                        flat_series = key;
                        flat_series.extend(attrs.into_iter().map(|(a, v)| (format!("@{a}"), v)));
                        continue;
                    }
                    if obs_open {
                        out.write_all(b"}}").map_err(io)?;
                    }
                    if !first_series {
                        out.write_all(b",").map_err(io)?;
                    }
                    first_series = false;
                    ctx.key(ctx.series_dims, &series_ids, &key, &mut key_text)?;
                    serde_json::to_writer(&mut *out, &key_text).map_err(spool_err)?;
                    out.write_all(b":{").map_err(io)?;
                    let idx = ctx.indexes(ctx.series_attrs, &series_attr_ids, &attrs);
                    if !idx.is_empty() {
                        out.write_all(b"\"attributes\":").map_err(io)?;
                        serde_json::to_writer(&mut *out, &idx).map_err(spool_err)?;
                        out.write_all(b",").map_err(io)?;
                    }
                    out.write_all(b"\"observations\":{").map_err(io)?;
                    series_open = true;
                    obs_open = true;
                    first_obs = true;
                }
                Rec::O {
                    mut key,
                    measures,
                    mut attrs,
                } => {
                    if self.flat {
                        for (k, v) in &flat_series {
                            match k.strip_prefix('@') {
                                Some(a) => {
                                    if !attrs.iter().any(|(x, _)| x == a) {
                                        attrs.push((a.to_owned(), v.clone()));
                                    }
                                }
                                None => key.push((k.clone(), v.clone())),
                            }
                        }
                    }
                    if !first_obs {
                        out.write_all(b",").map_err(io)?;
                    }
                    first_obs = false;
                    ctx.key(ctx.obs_dims, &obs_ids, &key, &mut key_text)?;
                    serde_json::to_writer(&mut *out, &key_text).map_err(spool_err)?;
                    out.write_all(b":[").map_err(io)?;
                    for (i, m) in measure_ids.iter().enumerate() {
                        if i > 0 {
                            out.write_all(b",").map_err(io)?;
                        }
                        match measures.iter().find(|(id, _)| id == m) {
                            Some((_, v)) => write_measure(out, v)?,
                            None => out.write_all(b"null").map_err(io)?,
                        }
                    }
                    for i in ctx.indexes(ctx.obs_attrs, &obs_attr_ids, &attrs) {
                        out.write_all(b",").map_err(io)?;
                        serde_json::to_writer(&mut *out, &i).map_err(spool_err)?;
                    }
                    out.write_all(b"]").map_err(io)?;
                }
                Rec::E => {
                    ds_open = false;
                    if series_open {
                        out.write_all(b"}}").map_err(io)?;
                        series_open = false;
                        obs_open = false;
                    }
                    out.write_all(b"}}").map_err(io)?;
                }
            }
        }
        // A stream stopped early still makes a well-formed message.
        if ds_open {
            if series_open {
                out.write_all(b"}}").map_err(io)?;
            }
            out.write_all(b"}}").map_err(io)?;
        }
        if self.v2 {
            out.write_all(b"]}}\n").map_err(io)?;
        } else {
            out.write_all(b"]}\n").map_err(io)?;
        }
        out.flush().map_err(io)
    }
}

/// Value indexes, borrowed from the writer while the spool is replayed.
struct Ctx<'c> {
    series_dims: &'c Level,
    obs_dims: &'c Level,
    ds_attrs: &'c Level,
    series_attrs: &'c Level,
    obs_attrs: &'c Level,
}

impl Ctx<'_> {
    /// `i:j:k` for a key, in the order of `ids`.
    fn key(
        &self,
        level: &Level,
        ids: &[String],
        key: &Pairs,
        out: &mut String,
    ) -> Result<(), DataError> {
        out.clear();
        for (n, id) in ids.iter().enumerate() {
            if n > 0 {
                out.push(':');
            }
            let v = key.iter().find(|(k, _)| k == id).map(|(_, v)| v);
            let idx = v.and_then(|v| level.components.get(id).and_then(|s| s.get_index_of(v)));
            match idx {
                Some(i) => out.push_str(&i.to_string()),
                None => {
                    return Err(DataError::Invalid {
                        position: Default::default(),
                        message: format!(
                            "a key has no value for dimension {id}: SDMX-JSON needs every series (or flat observation) to give the same dimensions"
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Attribute value indexes in the order of `ids`, trailing absences dropped.
    fn indexes(&self, level: &Level, ids: &[String], attrs: &Pairs) -> Vec<Option<usize>> {
        let mut v: Vec<Option<usize>> = ids
            .iter()
            .map(|id| {
                attrs
                    .iter()
                    .find(|(a, _)| a == id)
                    .and_then(|(_, val)| level.components.get(id)?.get_index_of(val))
            })
            .collect();
        while v.last() == Some(&None) {
            v.pop();
        }
        v
    }
}

/// A measure as a JSON number when that keeps its exact text, else a string.
fn write_measure<W: Write>(out: &mut W, v: &str) -> Result<(), DataError> {
    let exact = serde_json::from_str::<serde_json::Number>(v).is_ok_and(|n| n.to_string() == v);
    if exact {
        out.write_all(v.as_bytes()).map_err(io)
    } else {
        serde_json::to_writer(out, v).map_err(spool_err)
    }
}

/// The `rel` of a link to the structure a dataset uses.
fn link_rel(s: &StructureUse) -> &'static str {
    match s {
        StructureUse::Dataflow(_) => "dataflow",
        StructureUse::DataStructure(_) => "datastructure",
        StructureUse::ProvisionAgreement(_) => "provisionagreement",
    }
}

fn pairs(v: &Values) -> Pairs {
    v.to_vec()
}

impl<W: Write> DataSink for JsonWriter<'_, W> {
    type Error = DataError;

    fn header(&mut self, h: &Header) -> Result<Flow, DataError> {
        self.header = h.clone();
        if self.structure.is_none() {
            self.structure = h.structure.clone();
        }
        Ok(Flow::Continue)
    }

    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, DataError> {
        if self.structure.is_none() {
            self.structure = d.structure.clone();
        }
        if d.dimension_at_observation == ObsDimension::AllDimensions {
            self.flat = true;
        }
        self.ds_attrs.add(&d.attributes);
        self.groups.clear();
        self.seen_series.clear();
        self.in_series = false;
        let link = d
            .structure
            .as_ref()
            .or(self.structure.as_ref())
            .map(|s| (s.reference().urn(), link_rel(s).to_owned()));
        self.spool(&Rec::D {
            action: action_word(d.action).to_owned(),
            attrs: pairs(&d.attributes),
            link,
        })?;
        Ok(Flow::Continue)
    }

    fn group(&mut self, g: &GroupKey) -> Result<Flow, DataError> {
        // Replicated onto the series the group covers: SDMX-JSON 1.0 has no
        // group level.
        self.groups.push(g.clone());
        Ok(Flow::Continue)
    }

    fn series(&mut self, s: &SeriesKey) -> Result<Flow, DataError> {
        self.merged.copy_from(&s.attributes);
        for g in &self.groups {
            if g.key.iter().all(|(d, v)| s.key.get(d) == Some(v)) {
                for (a, v) in g.attributes.iter() {
                    if self.merged.get(a).is_none() {
                        self.merged.push(a, v);
                    }
                }
            }
        }
        let id: String = s
            .key
            .iter()
            .map(|(d, v)| format!("{d}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        if !self.seen_series.insert(id) {
            // JSON would keep only one of two members with the same name; the
            // flat layout names every observation by its full key instead.
            self.flat = true;
        }
        self.series_dims.add(&s.key);
        let merged = std::mem::take(&mut self.merged);
        self.series_attrs.add(&merged);
        let rec = Rec::S {
            key: pairs(&s.key),
            attrs: pairs(&merged),
        };
        self.merged = merged;
        self.in_series = true;
        self.spool(&rec)?;
        Ok(Flow::Continue)
    }

    fn obs(&mut self, o: &Obs) -> Result<Flow, DataError> {
        if !self.in_series {
            self.flat = true;
        }
        self.obs_dims.add(&o.key);
        self.obs_attrs.add(&o.attributes);
        for (m, _) in o.measures.iter() {
            if !self.measures.contains(m) {
                self.measures.insert(m.to_owned());
            }
        }
        self.spool(&Rec::O {
            key: pairs(&o.key),
            measures: pairs(&o.measures),
            attrs: pairs(&o.attributes),
        })?;
        Ok(Flow::Continue)
    }

    fn end_dataset(&mut self) -> Result<Flow, DataError> {
        self.spool(&Rec::E)?;
        Ok(Flow::Continue)
    }

    fn finish(&mut self, _s: &Summary) -> Result<(), DataError> {
        let _ = self.opts;
        self.write_message()
    }
}
