//! The message header and the root element: identity, sender, structure
//! references with `dimensionAtObservation`, header-level action.

use super::{HeaderStructure, State, Tag, TextTarget, attr};
use crate::data::{Action, DataError, ObsDimension, StructureUse};
use crate::format::DataFormat;
use crate::model::{ArtefactClass, ArtefactRef, VersionReq};

impl State<'_> {
    pub(super) fn root(&mut self, e: &Tag<'_>, name: &str) -> Result<(), DataError> {
        self.root_seen = true;
        let (want, also): (&str, &str) = match self.format {
            DataFormat::Generic21 | DataFormat::GenericTimeSeries21 => {
                ("GenericData", "GenericTimeSeriesData")
            }
            DataFormat::StructureSpecific21 | DataFormat::StructureSpecificTimeSeries21 => {
                ("StructureSpecificData", "StructureSpecificTimeSeriesData")
            }
            _ => ("StructureSpecificData", "StructureSpecificData"),
        };
        let v30 = self.format == DataFormat::StructureSpecific30;
        // The root's own namespace, found among its declarations.
        let prefix = e.name().split_once(':').map(|(p, _)| p);
        let mut ns_ok = true;
        for a in e.attrs() {
            let key = a.key;
            let declares = match prefix {
                Some(p) => key.strip_prefix("xmlns:") == Some(p),
                None => key == "xmlns",
            };
            if declares {
                ns_ok = if v30 {
                    a.raw.contains("/v3_0/")
                } else {
                    a.raw.contains("/v2_1/")
                };
            }
        }
        if (name != want && name != also) || !ns_ok {
            let version = if v30 { "3.0" } else { "2.1" };
            return Err(self.invalid(format!(
                "the root element is <{}>, not an SDMX-ML {version} <{want}> message: check the file and the --format given",
                e.name()
            )));
        }
        Ok(())
    }

    pub(super) fn header_start(&mut self, e: &Tag<'_>, name: &str) -> Result<(), DataError> {
        match (self.depth, name) {
            (2, "ID") => self.begin_text(TextTarget::Id),
            (2, "Test") => self.begin_text(TextTarget::Test),
            (2, "Prepared") => self.begin_text(TextTarget::Prepared),
            (2, "DataSetAction") => self.begin_text(TextTarget::Action),
            (2, "Sender") | (2, "Receiver") => {
                let id = attr(e, "id")
                    .map_err(|m| self.malformed(m))?
                    .unwrap_or_default();
                if name == "Sender" {
                    self.header.sender = id;
                } else {
                    self.header.receiver = Some(id);
                }
            }
            (2, "Structure") => {
                let id = attr(e, "structureID")
                    .map_err(|m| self.malformed(m))?
                    .unwrap_or_default();
                let obs_dim = attr(e, "dimensionAtObservation")
                    .map_err(|m| self.malformed(m))?
                    .map(|d| ObsDimension::parse(&d))
                    .unwrap_or_default();
                self.structures.push(HeaderStructure {
                    id,
                    structure: None,
                    obs_dim,
                });
            }
            (3, "Structure") | (3, "StructureUsage") | (3, "ProvisionAgreement") => {
                self.structure_class = Some(match name {
                    "Structure" => ArtefactClass::DataStructure,
                    "StructureUsage" => ArtefactClass::Dataflow,
                    _ => ArtefactClass::ProvisionAgreement,
                });
                self.begin_text(TextTarget::StructureUrn);
            }
            (4, "Ref") => {
                self.text_target = None;
                let class = self.structure_class.unwrap_or(ArtefactClass::DataStructure);
                let agency = attr(e, "agencyID")
                    .map_err(|m| self.malformed(m))?
                    .unwrap_or_default();
                let id = attr(e, "id")
                    .map_err(|m| self.malformed(m))?
                    .unwrap_or_default();
                let version = match attr(e, "version").map_err(|m| self.malformed(m))? {
                    Some(v) => v.parse::<VersionReq>().map_err(|err| {
                        self.invalid(format!("structure reference version {v:?}: {err}"))
                    })?,
                    None => VersionReq::Latest,
                };
                let r = ArtefactRef {
                    class,
                    agency,
                    id,
                    version,
                };
                self.set_structure(r);
            }
            (4, "URN") => self.begin_text(TextTarget::StructureUrn),
            _ => {}
        }
        Ok(())
    }

    pub(super) fn begin_text(&mut self, t: TextTarget) {
        self.text_target = Some(t);
        self.text.clear();
    }

    pub(super) fn set_structure(&mut self, r: ArtefactRef) {
        let s = match r.class {
            ArtefactClass::Dataflow => StructureUse::Dataflow(r),
            ArtefactClass::ProvisionAgreement => StructureUse::ProvisionAgreement(r),
            _ => StructureUse::DataStructure(r),
        };
        if let Some(h) = self.structures.last_mut() {
            h.structure = Some(s);
        }
    }

    pub(super) fn header_text_end(&mut self) -> Result<(), DataError> {
        let Some(t) = self.text_target.take() else {
            return Ok(());
        };
        let text = self.text.trim();
        match t {
            TextTarget::Id => self.header.id = text.to_owned(),
            TextTarget::Test => self.header.test = text == "true" || text == "1",
            TextTarget::Prepared => self.header.prepared = text.to_owned(),
            TextTarget::Action => {
                self.header.action = Some(Action::parse(text).ok_or_else(|| {
                    self.invalid(format!(
                        "unknown DataSetAction {text:?}: use Append, Replace, Delete or Information"
                    ))
                })?);
            }
            TextTarget::StructureUrn => {
                if !text.is_empty() {
                    let r: ArtefactRef = text
                        .parse()
                        .map_err(|e| self.invalid(format!("structure reference {text:?}: {e}")))?;
                    self.set_structure(r);
                }
            }
        }
        Ok(())
    }

    pub(super) fn finish_header(&mut self) {
        self.header_done = true;
        self.header.structure = self
            .structures
            .first()
            .and_then(|s| s.structure.clone())
            .or_else(|| self.structure_hint.cloned());
    }
}
