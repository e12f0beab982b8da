//! Datasets, groups, series and observations, generic and structure-specific.

use super::{El, Ready, State, Tag, ValueTarget, attr, empty_dataset, id_value, unescape};
use crate::data::{Action, DataError, ObsDimension};
use crate::format::xml::roles::Role;

impl State<'_> {
    pub(super) fn dataset_start(&mut self, e: &Tag<'_>) -> Result<Option<Ready>, DataError> {
        let mut ds = std::mem::replace(&mut self.ds, empty_dataset());
        ds.attributes.clear();
        ds.extra.clear();
        let mut action = None;
        let mut structure_ref = None;
        let mut obs_dim_attr = None;
        for a in e.attrs() {
            let key = a.key;
            if key.starts_with("xmlns") {
                continue;
            }
            let (prefixed, name) = match key.split_once(':') {
                Some((_, l)) => (true, l),
                None => (false, key),
            };
            let value = match unescape(a.raw, &mut self.scratch) {
                Ok(v) => v.to_owned(),
                Err(m) => return Err(self.malformed(m)),
            };
            if !prefixed && let Some(roles) = &self.roles {
                match roles.get(name) {
                    Some(Role::Attribute) => {
                        ds.attributes.push(name, &value);
                        continue;
                    }
                    Some(_) => {
                        return Err(self.invalid(format!(
                            "{name} on <DataSet> is a dimension or measure, not an attribute"
                        )));
                    }
                    None => {}
                }
            }
            match name {
                "type" | "schemaLocation" | "dataScope" => {}
                "structureRef" => structure_ref = Some(value),
                "action" => {
                    action = Some(Action::parse(&value).ok_or_else(|| {
                        self.invalid(format!(
                            "unknown dataset action {value:?}: use Append, Replace, Delete or Information (3.0 also Merge)"
                        ))
                    })?)
                }
                "dimensionAtObservation" => obs_dim_attr = Some(ObsDimension::parse(&value)),
                "setID" | "reportingBeginDate" | "reportingEndDate" | "validFromDate"
                | "validToDate" | "publicationYear" | "publicationPeriod" => {
                    ds.extra.push(name, &value)
                }
                _ if prefixed || self.generic => {}
                other => {
                    return Err(self.invalid(format!(
                        "<DataSet> has {other}=\"{value}\", which is not a component of the DSD: check that the data matches the structure given"
                    )));
                }
            }
        }
        let chosen = match &structure_ref {
            Some(r) => self.structures.iter().find(|s| &s.id == r),
            None => self.structures.first(),
        }
        .or(self.structures.first());
        ds.structure = chosen
            .and_then(|s| s.structure.clone())
            .or_else(|| self.structure_hint.cloned());
        ds.dimension_at_observation = obs_dim_attr
            .or_else(|| chosen.map(|s| s.obs_dim.clone()))
            .unwrap_or_default();
        ds.action = action.or(self.header.action).unwrap_or_default();
        self.ds = ds;
        self.in_dataset = true;
        self.ds_emitted = false;
        self.in_series = false;
        self.in_group = false;
        self.in_obs = false;
        self.target = ValueTarget::None;
        if !self.header_done {
            self.finish_header();
            if !self.generic {
                self.ds_emitted = true;
                self.queue.push_back(Ready::DataSet);
            }
            return Ok(Some(Ready::Header));
        }
        if self.generic {
            Ok(None)
        } else {
            self.ds_emitted = true;
            Ok(Some(Ready::DataSet))
        }
    }

    /// Emits the dataset header before its first content in generic messages,
    /// whose dataset attributes come as child elements.
    pub(super) fn ensure_dataset(&mut self) -> Option<Ready> {
        if self.ds_emitted {
            None
        } else {
            self.ds_emitted = true;
            Some(Ready::DataSet)
        }
    }

    pub(super) fn ss_start(&mut self, e: &Tag<'_>, name: &str) -> Result<Option<Ready>, DataError> {
        match name {
            "Series" if !self.in_series && !self.in_group && self.depth == 2 => {
                self.in_series = true;
                self.series.key.clear();
                self.series.attributes.clear();
                self.ss_components(e, El::Series)?;
                Ok(Some(Ready::Series))
            }
            "Group" if !self.in_series && self.depth == 2 => {
                self.in_group = true;
                self.group.key.clear();
                self.group.attributes.clear();
                self.group.group.clear();
                self.ss_components(e, El::Group)?;
                Ok(None)
            }
            "Obs" if self.depth == 3 && self.in_series || self.depth == 2 => {
                self.obs_start_check()?;
                self.in_obs = true;
                self.obs.key.clear();
                self.obs.measures.clear();
                self.obs.attributes.clear();
                self.ss_components(e, El::Obs)?;
                Ok(None)
            }
            // 3.0 array values: refuse rather than silently drop them.
            "Comp" => Err(self.invalid(format!(
                "<Comp> (an array-valued component{}) is not supported yet: convert the message without array values",
                attr(e, "id")
                    .ok()
                    .flatten()
                    .map(|i| format!(" {i}"))
                    .unwrap_or_default()
            ))),
            _ => Ok(None),
        }
    }

    pub(super) fn obs_start_check(&self) -> Result<(), DataError> {
        if !self.in_series && self.ds.dimension_at_observation != ObsDimension::AllDimensions {
            return Err(self.invalid(format!(
                "an <Obs> outside any <Series>, but the dataset has dimensionAtObservation=\"{}\": observations must sit in a series unless it is AllDimensions",
                self.ds.dimension_at_observation.id()
            )));
        }
        Ok(())
    }

    /// Sorts the XML attributes of a structure-specific Series/Group/Obs into
    /// key, measures and attributes by their role in the DSD.
    pub(super) fn ss_components(&mut self, e: &Tag<'_>, element: El) -> Result<(), DataError> {
        let Some(roles) = self.roles.as_ref() else {
            return Ok(());
        };
        let hints = &mut self.hints[element as usize];
        let mut position = 0;
        let mut seen = 0u64;
        for a in e.attrs() {
            let (key, raw) = (a.key, a.raw);
            if let Some(l) = key
                .bytes()
                .position(|b| b == b':')
                .and_then(|i| key.get(i + 1..))
            {
                // xsi:type names the group in 2.1 when `type` is absent.
                if element == El::Group && l == "type" && self.group.group.is_empty() {
                    let t = raw.rsplit(':').next().unwrap_or_default();
                    self.group.group.push_str(t);
                }
                continue;
            }
            if key.starts_with("xmlns") {
                continue;
            }
            if element == El::Group && key == "type" {
                self.group.group.clear();
                self.group.group.push_str(raw);
                continue;
            }
            let value = if a.amp {
                match unescape(raw, &mut self.scratch) {
                    Ok(v) => v,
                    Err(m) => return Err(self.malformed(m)),
                }
            } else {
                raw
            };
            if hints.len() <= position {
                hints.push(0);
            }
            let role = roles.get_hinted(key, &mut hints[position]);
            // XML forbids a repeated attribute; the component index is at hand.
            let bit = 1u64.checked_shl(u32::from(hints[position])).unwrap_or(0);
            if role.is_some() && seen & bit != 0 {
                let msg = format!(
                    "<{}> gives {key} twice: an attribute may appear only once in a tag",
                    element.name()
                );
                return Err(self.malformed(msg));
            }
            seen |= bit;
            position += 1;
            let dest = match (element, role) {
                (El::Series, Some(Role::Dimension)) => &mut self.series.key,
                (El::Series, Some(Role::Attribute)) => &mut self.series.attributes,
                (El::Group, Some(Role::Dimension)) => &mut self.group.key,
                (El::Group, Some(Role::Attribute)) => &mut self.group.attributes,
                (El::Obs, Some(Role::Dimension)) => &mut self.obs.key,
                (El::Obs, Some(Role::Measure)) => &mut self.obs.measures,
                (El::Obs, Some(Role::Attribute)) => &mut self.obs.attributes,
                (_, None) => {
                    let msg = format!(
                        "<{}> has {key}=\"{value}\", but the DSD has no component {key}: check that the data matches the structure given",
                        element.name()
                    );
                    return Err(self.invalid(msg));
                }
                (_, Some(_)) => {
                    let msg = format!(
                        "<{}> has {key}=\"{value}\", a measure, which belongs on <Obs>",
                        element.name()
                    );
                    return Err(self.invalid(msg));
                }
            };
            dest.push(key, value);
        }
        Ok(())
    }

    pub(super) fn generic_start(
        &mut self,
        e: &Tag<'_>,
        name: &str,
    ) -> Result<Option<Ready>, DataError> {
        match name {
            "Attributes" => {
                self.target = if self.in_obs {
                    ValueTarget::ObsAttrs
                } else if self.in_series {
                    ValueTarget::SeriesAttrs
                } else if self.in_group {
                    ValueTarget::GroupAttrs
                } else {
                    ValueTarget::DataSetAttrs
                };
                Ok(None)
            }
            "SeriesKey" => {
                self.target = ValueTarget::SeriesKey;
                Ok(None)
            }
            "GroupKey" => {
                self.target = ValueTarget::GroupKey;
                Ok(None)
            }
            "ObsKey" => {
                self.target = ValueTarget::ObsKey;
                Ok(None)
            }
            "Value" | "ObsDimension" | "ObsValue" => {
                let (id, value) = id_value(e).map_err(|m| self.malformed(m))?;
                let value = value.unwrap_or_default();
                let (dest, id) = match name {
                    "ObsDimension" => (
                        Some(&mut self.obs.key),
                        id.unwrap_or(self.ds.dimension_at_observation.id().into()),
                    ),
                    "ObsValue" => (
                        Some(&mut self.obs.measures),
                        id.unwrap_or("OBS_VALUE".into()),
                    ),
                    _ => {
                        let Some(id) = id else {
                            return Err(self.invalid("a generic <Value> without id".to_owned()));
                        };
                        let dest = match self.target {
                            ValueTarget::None => None,
                            ValueTarget::DataSetAttrs => Some(&mut self.ds.attributes),
                            ValueTarget::GroupKey => Some(&mut self.group.key),
                            ValueTarget::GroupAttrs => Some(&mut self.group.attributes),
                            ValueTarget::SeriesKey => Some(&mut self.series.key),
                            ValueTarget::SeriesAttrs => Some(&mut self.series.attributes),
                            ValueTarget::ObsKey => Some(&mut self.obs.key),
                            ValueTarget::ObsAttrs => Some(&mut self.obs.attributes),
                        };
                        (dest, id)
                    }
                };
                if let Some(d) = dest {
                    d.push(&id, &value);
                }
                Ok(None)
            }
            "Group" if self.depth == 2 => {
                self.in_group = true;
                self.group.key.clear();
                self.group.attributes.clear();
                self.group.group = attr(e, "type")
                    .map_err(|m| self.malformed(m))?
                    .unwrap_or_default();
                Ok(self.ensure_dataset())
            }
            "Series" if self.depth == 2 => {
                self.in_series = true;
                self.series_emitted = false;
                self.series.key.clear();
                self.series.attributes.clear();
                Ok(self.ensure_dataset())
            }
            "Obs" if self.depth == 2 || (self.depth == 3 && self.in_series) => {
                self.obs_start_check()?;
                self.in_obs = true;
                self.obs.key.clear();
                self.obs.measures.clear();
                self.obs.attributes.clear();
                if self.in_series && !self.series_emitted {
                    self.series_emitted = true;
                    return Ok(Some(Ready::Series));
                }
                Ok(self.ensure_dataset())
            }
            _ => Ok(None),
        }
    }
}
