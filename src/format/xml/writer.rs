//! The streaming SDMX-ML data writer: 2.1 generic, 2.1 and 3.0 structure-specific.
//!
//! Output goes through one reused byte buffer flushed in large blocks; the header
//! is held back until the first dataset so that `dimensionAtObservation` can come
//! from the data.

use std::io::Write;

use super::{ns21, ns30, xsd};
use crate::data::{
    Action, DataError, DataSetHeader, DataSink, Flow, GroupKey, Header, Obs, ObsDimension,
    SeriesKey, StructureUse, Summary, Values,
};
use crate::format::{DataFormat, WriteOptions};
use crate::model::{ArtefactClass, ArtefactRef, DataStructure, VersionReq};

const FLUSH_AT: usize = 64 * 1024;

/// Writes data events as an SDMX-ML message.
pub struct XmlDataWriter<'a, W: Write> {
    out: W,
    buf: Vec<u8>,
    format: DataFormat,
    dsd: Option<&'a DataStructure>,
    structure: Option<&'a StructureUse>,
    obs_dim_override: Option<&'a ObsDimension>,
    header: Option<Header>,
    started: bool,
    in_dataset: bool,
    in_series: bool,
    obs_dim: ObsDimension,
    /// With `AllDimensions` output, the current series' key and attributes are
    /// folded into each observation.
    series: SeriesKey,
    flat: Values,
}

impl<'a, W: Write> XmlDataWriter<'a, W> {
    /// A writer of `format`; structure-specific formats need `opts.dsd`.
    pub fn new(format: DataFormat, out: W, opts: WriteOptions<'a>) -> Result<Self, DataError> {
        if !matches!(
            format,
            DataFormat::Generic21
                | DataFormat::StructureSpecific21
                | DataFormat::StructureSpecific30
        ) {
            return Err(DataError::Structure(format!(
                "{format} cannot be written: write sdmx-ml-2.1-generic, sdmx-ml-2.1-ss or sdmx-ml-3.0 instead"
            )));
        }
        if format != DataFormat::Generic21 && opts.dsd.is_none() {
            return Err(DataError::Structure(format!(
                "writing {format} needs the data structure (DSD): pass it with --structure"
            )));
        }
        Ok(XmlDataWriter {
            out,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            format,
            dsd: opts.dsd,
            structure: opts.structure,
            obs_dim_override: opts.dimension_at_observation,
            header: None,
            started: false,
            in_dataset: false,
            in_series: false,
            obs_dim: ObsDimension::Time,
            series: SeriesKey::default(),
            flat: Values::new(),
        })
    }

    fn generic(&self) -> bool {
        self.format == DataFormat::Generic21
    }

    fn v30(&self) -> bool {
        self.format == DataFormat::StructureSpecific30
    }

    fn flush_if_full(&mut self) -> Result<(), DataError> {
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), DataError> {
        self.out.write_all(&self.buf).map_err(io_err)?;
        self.buf.clear();
        Ok(())
    }

    fn raw(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn attr(&mut self, name: &str, value: &str) {
        self.buf.push(b' ');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b"=\"");
        escape_into(&mut self.buf, value);
        self.buf.push(b'"');
    }

    fn text_element(&mut self, name: &str, text: &str) {
        self.raw("<");
        self.raw(name);
        self.raw(">");
        escape_into(&mut self.buf, text);
        self.raw("</");
        self.raw(name);
        self.raw(">");
    }

    fn structure_use(&self, h: &Header) -> Result<StructureUse, DataError> {
        if let Some(s) = self.structure.or(h.structure.as_ref()) {
            return Ok(s.clone());
        }
        match self.dsd {
            Some(dsd) => Ok(StructureUse::DataStructure(ArtefactRef {
                class: ArtefactClass::DataStructure,
                agency: dsd.meta.agency.clone(),
                id: dsd.meta.id.clone(),
                version: VersionReq::Exact(dsd.meta.version.clone()),
            })),
            None => Err(DataError::Structure(
                "writing SDMX-ML needs the structure the data uses: pass --structure or a dataflow"
                    .to_owned(),
            )),
        }
    }

    /// Writes the root element and header once the dimension at observation
    /// level is known.
    fn start_message(&mut self) -> Result<(), DataError> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        let mut h = self.header.take().unwrap_or_default();
        // The schemas require these; a source without a header leaves them empty.
        let d = Header::default();
        if h.id.is_empty() {
            h.id = d.id;
        }
        if h.prepared.is_empty() {
            h.prepared = d.prepared;
        }
        if h.sender.is_empty() {
            h.sender = d.sender;
        }
        let structure = self.structure_use(&h)?;
        let (message, common, data_ns, root) = match self.format {
            DataFormat::Generic21 => (ns21::MESSAGE, ns21::COMMON, ns21::GENERIC, "GenericData"),
            DataFormat::StructureSpecific30 => (
                ns30::MESSAGE,
                ns30::COMMON,
                ns30::SS,
                "StructureSpecificData",
            ),
            _ => (
                ns21::MESSAGE,
                ns21::COMMON,
                ns21::SS,
                "StructureSpecificData",
            ),
        };
        self.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<message:");
        self.raw(root);
        self.attr("xmlns:message", message);
        self.attr("xmlns:common", common);
        if self.generic() {
            self.attr("xmlns:generic", data_ns);
        } else {
            self.attr("xmlns:ss", data_ns);
            self.attr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
            let ns = self.namespace();
            self.attr("xmlns:ns1", &ns);
        }
        self.raw(">\n<message:Header>");
        self.text_element("message:ID", &h.id);
        self.text_element("message:Test", if h.test { "true" } else { "false" });
        self.text_element("message:Prepared", &h.prepared);
        self.raw("<message:Sender");
        self.attr("id", &h.sender);
        self.raw("/>");
        if let Some(r) = &h.receiver {
            self.raw("<message:Receiver");
            self.attr("id", r);
            self.raw("/>");
        }
        self.raw("<message:Structure");
        self.attr("structureID", STRUCTURE_ID);
        if !self.generic() {
            let ns = self.namespace();
            self.attr("namespace", &ns);
        }
        let obs_dim = self.obs_dim.id().to_owned();
        self.attr("dimensionAtObservation", &obs_dim);
        self.raw(">");
        let (element, r) = match &structure {
            StructureUse::Dataflow(r) => ("common:StructureUsage", r),
            StructureUse::DataStructure(r) => ("common:Structure", r),
            StructureUse::ProvisionAgreement(r) => ("common:ProvisionAgreement", r),
        };
        if self.v30() {
            self.text_element(element, &r.urn());
        } else {
            self.raw("<");
            self.raw(element);
            self.raw("><Ref");
            self.attr("agencyID", &r.agency);
            self.attr("id", &r.id);
            self.attr("version", &r.version.to_string());
            self.raw("/></");
            self.raw(element);
            self.raw(">");
        }
        self.raw("</message:Structure>");
        if let Some(a) = h.action {
            self.text_element("message:DataSetAction", action_word(a));
        }
        self.raw("</message:Header>\n");
        Ok(())
    }

    /// The namespace of the DSD-specific schema, as `xsd` generates it.
    fn namespace(&self) -> String {
        match self.dsd {
            Some(dsd) => xsd::structure_namespace(dsd, &self.obs_dim),
            None => String::new(),
        }
    }

    fn close_series(&mut self) {
        if self.in_series {
            self.in_series = false;
            if self.obs_dim == ObsDimension::AllDimensions {
                return;
            }
            self.raw(if self.generic() {
                "</generic:Series>\n"
            } else {
                "</Series>\n"
            });
        }
    }

    fn values(&mut self, wrapper: &str, values: &Values) {
        if values.is_empty() {
            return;
        }
        self.raw("<generic:");
        self.raw(wrapper);
        self.raw(">");
        for (id, v) in values.iter() {
            self.raw("<generic:Value");
            self.attr("id", id);
            self.attr("value", v);
            self.raw("/>");
        }
        self.raw("</generic:");
        self.raw(wrapper);
        self.raw(">");
    }

    fn all_attrs(&mut self, values: &Values) {
        for (id, v) in values.iter() {
            self.attr(id, v);
        }
    }

    fn write_series(&mut self, key: &Values, attributes: &Values) {
        if self.generic() {
            self.raw("<generic:Series>");
            self.values("SeriesKey", key);
            self.values("Attributes", attributes);
            self.raw("\n");
        } else {
            self.raw("<Series");
            self.all_attrs(key);
            self.all_attrs(attributes);
            self.raw(">\n");
        }
        self.in_series = true;
    }

    fn write_obs(&mut self, o: &Obs) {
        let all = self.obs_dim == ObsDimension::AllDimensions;
        if self.generic() {
            self.raw("<generic:Obs>");
            if all {
                let mut key = std::mem::take(&mut self.flat);
                key.copy_from(&self.series.key);
                for (i, v) in o.key.iter() {
                    key.push(i, v);
                }
                self.values("ObsKey", &key);
                self.flat = key;
            } else {
                let id = self.obs_dim.id().to_owned();
                let v = o.key.get(&id).unwrap_or_default().to_owned();
                self.raw("<generic:ObsDimension");
                self.attr("value", &v);
                self.raw("/>");
            }
            if let Some(v) = o.measures.get("OBS_VALUE") {
                self.raw("<generic:ObsValue");
                self.attr("value", v);
                self.raw("/>");
            }
            let mut attrs = std::mem::take(&mut self.flat);
            attrs.clear();
            if all {
                for (i, v) in self.series.attributes.iter() {
                    attrs.push(i, v);
                }
            }
            for (i, v) in o.attributes.iter() {
                attrs.push(i, v);
            }
            self.values("Attributes", &attrs);
            self.flat = attrs;
            self.raw("</generic:Obs>\n");
        } else {
            self.raw("<Obs");
            if all {
                let s = std::mem::take(&mut self.series);
                self.all_attrs(&s.key);
                self.all_attrs(&s.attributes);
                self.series = s;
            }
            self.all_attrs(&o.key);
            self.all_attrs(&o.measures);
            self.all_attrs(&o.attributes);
            self.raw("/>\n");
        }
    }
}

/// The `structureID` linking datasets to the header's structure.
const STRUCTURE_ID: &str = "STR1";

fn action_word(a: Action) -> &'static str {
    // SDMX-ML 2.1 and 3.0 have no Merge: Append is its equivalent.
    match a {
        Action::Merge => "Append",
        other => other.name(),
    }
}

fn io_err(e: std::io::Error) -> DataError {
    DataError::Io {
        context: "writing SDMX-ML".to_owned(),
        source: e,
    }
}

/// Appends `s` with the XML special characters escaped (attribute-safe).
pub(crate) fn escape_into(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut last = 0;
    for (i, b) in bytes.iter().enumerate() {
        let rep: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\n' => b"&#10;",
            b'\r' => b"&#13;",
            b'\t' => b"&#9;",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[last..i]);
        buf.extend_from_slice(rep);
        last = i + 1;
    }
    buf.extend_from_slice(&bytes[last..]);
}

impl<W: Write> DataSink for XmlDataWriter<'_, W> {
    type Error = DataError;

    fn header(&mut self, h: &Header) -> Result<Flow, DataError> {
        if !self.started {
            self.header = Some(h.clone());
        }
        Ok(Flow::Continue)
    }

    fn dataset(&mut self, d: &DataSetHeader) -> Result<Flow, DataError> {
        if self.in_dataset {
            self.end_dataset()?;
        }
        if !self.started {
            self.obs_dim = self
                .obs_dim_override
                .cloned()
                .unwrap_or_else(|| d.dimension_at_observation.clone());
            self.start_message()?;
        }
        self.in_dataset = true;
        self.series = SeriesKey::default();
        self.raw("<message:DataSet");
        let action = action_word(d.action);
        if self.generic() {
            self.attr("structureRef", STRUCTURE_ID);
            self.attr("action", action);
            for (k, v) in d.extra.iter() {
                self.attr(k, v);
            }
            self.raw(">");
            self.values("Attributes", &d.attributes);
        } else {
            self.attr("ss:structureRef", STRUCTURE_ID);
            if !self.v30() {
                self.attr("ss:dataScope", "DataStructure");
            }
            self.attr("xsi:type", "ns1:DataSetType");
            self.attr("ss:action", action);
            for (k, v) in d.extra.iter() {
                self.buf.extend_from_slice(b" ss:");
                self.buf.extend_from_slice(k.as_bytes());
                self.buf.extend_from_slice(b"=\"");
                escape_into(&mut self.buf, v);
                self.buf.push(b'"');
            }
            self.all_attrs(&d.attributes);
            self.raw(">");
        }
        self.raw("\n");
        Ok(Flow::Continue)
    }

    fn group(&mut self, g: &GroupKey) -> Result<Flow, DataError> {
        self.close_series();
        if self.generic() {
            // A generic group needs at least one attribute value.
            if !g.attributes.is_empty() {
                self.raw("<generic:Group");
                self.attr("type", &g.group);
                self.raw(">");
                self.values("GroupKey", &g.key);
                self.values("Attributes", &g.attributes);
                self.raw("</generic:Group>\n");
            }
        } else {
            self.raw("<Group");
            let t = format!("ns1:{}", g.group);
            self.attr("xsi:type", &t);
            self.attr("type", &g.group);
            self.all_attrs(&g.key);
            self.all_attrs(&g.attributes);
            self.raw("/>\n");
        }
        self.flush_if_full()?;
        Ok(Flow::Continue)
    }

    fn series(&mut self, s: &SeriesKey) -> Result<Flow, DataError> {
        self.close_series();
        if self.obs_dim == ObsDimension::AllDimensions {
            self.series.key.copy_from(&s.key);
            self.series.attributes.copy_from(&s.attributes);
            self.in_series = true;
        } else {
            self.write_series(&s.key, &s.attributes);
        }
        self.flush_if_full()?;
        Ok(Flow::Continue)
    }

    fn obs(&mut self, o: &Obs) -> Result<Flow, DataError> {
        if !self.in_series && self.obs_dim != ObsDimension::AllDimensions {
            // A flat observation written in series form: one series per observation.
            let obs_id = self.obs_dim.id().to_owned();
            let mut key = std::mem::take(&mut self.flat);
            key.clear();
            let mut at_obs = Obs::default();
            for (i, v) in o.key.iter() {
                if i == obs_id {
                    at_obs.key.push(i, v);
                } else {
                    key.push(i, v);
                }
            }
            at_obs.measures.copy_from(&o.measures);
            at_obs.attributes.copy_from(&o.attributes);
            self.write_series(&key, &Values::new());
            self.flat = key;
            self.write_obs(&at_obs);
            self.close_series();
        } else {
            self.write_obs(o);
        }
        self.flush_if_full()?;
        Ok(Flow::Continue)
    }

    fn end_dataset(&mut self) -> Result<Flow, DataError> {
        self.close_series();
        if self.in_dataset {
            self.in_dataset = false;
            self.raw("</message:DataSet>\n");
        }
        Ok(Flow::Continue)
    }

    fn finish(&mut self, _s: &Summary) -> Result<(), DataError> {
        if !self.started {
            self.obs_dim = self.obs_dim_override.cloned().unwrap_or_default();
            self.start_message()?;
        }
        self.end_dataset()?;
        let root = match self.format {
            DataFormat::Generic21 => "GenericData",
            _ => "StructureSpecificData",
        };
        self.raw("</message:");
        self.raw(root);
        self.raw(">\n");
        self.flush()?;
        self.out.flush().map_err(io_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_whitespace_that_attributes_would_lose() {
        let mut buf = Vec::new();
        escape_into(&mut buf, "a<b>&\"c\nd\te'");
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "a&lt;b&gt;&amp;&quot;c&#10;d&#9;e'"
        );
    }

    #[test]
    fn merge_is_written_as_append() {
        assert_eq!(action_word(Action::Merge), "Append");
        assert_eq!(action_word(Action::Delete), "Delete");
    }
}
