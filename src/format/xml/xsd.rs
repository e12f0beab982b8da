//! The DSD-specific XML schema for SDMX-ML 2.1 structure-specific data, as the
//! SDMX REST `/schema` resource returns it (SDMX 2.1 Section 3A, "SDMX-ML
//! structure specific schema"): it derives `DataSetType`, `SeriesType`, `ObsType`
//! and one type per group from the abstract types of the official
//! `SDMXDataStructureSpecific.xsd`, with every component an XML attribute, coded
//! components restricted to their codes.

use std::io::Write;

use super::{ns21, ns30};
use crate::data::{DataError, ObsDimension};
use crate::model::{
    ArtefactRef, AttachmentLevel, DataStructure, DataType, DimensionKind, Representation,
};

/// Supplies the code ids of a codelist for the schema's enumerations.
pub trait CodelistLookup {
    /// The codes of `codelist` (ids, dotted for nested ones as they appear in
    /// data), or `None` when it is not known (the component is then typed as
    /// an unrestricted string).
    fn codes(&self, codelist: &ArtefactRef) -> Option<Vec<String>>;
}

/// A lookup that knows no codelist: every coded component becomes a string.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCodelists;

impl CodelistLookup for NoCodelists {
    fn codes(&self, _codelist: &ArtefactRef) -> Option<Vec<String>> {
        None
    }
}

impl CodelistLookup for crate::model::Structures {
    fn codes(&self, codelist: &ArtefactRef) -> Option<Vec<String>> {
        self.codelists
            .iter()
            .filter(|c| c.meta.agency == codelist.agency && c.meta.id == codelist.id)
            .find(|c| codelist.version.matches(&c.meta.version))
            .map(|c| c.codes.iter().map(|i| i.id.clone()).collect())
    }
}

/// The target namespace of the DSD-specific schema and of the `xsi:type`s of
/// structure-specific data written for it:
/// `urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=AG:ID(V):ObsLevelDim:DIM`.
pub fn structure_namespace(dsd: &DataStructure, obs_dim: &ObsDimension) -> String {
    format!(
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={}:{}({}):ObsLevelDim:{}",
        dsd.meta.agency,
        dsd.meta.id,
        dsd.meta.version,
        obs_dim.id()
    )
}

/// Writes the SDMX-ML 2.1 structure-specific schema of `dsd` for data with
/// `obs_dim` at observation level. The schema imports `SDMXCommon.xsd` and
/// `SDMXDataStructureSpecific.xsd` by relative location: keep it next to the
/// official schemas.
pub fn write_structure_specific_xsd(
    dsd: &DataStructure,
    lookup: &dyn CodelistLookup,
    obs_dim: &ObsDimension,
    out: &mut dyn Write,
) -> Result<(), DataError> {
    let text = build(dsd, lookup, obs_dim, false);
    out.write_all(text.as_bytes()).map_err(|e| DataError::Io {
        context: "writing the structure-specific schema".to_owned(),
        source: e,
    })
}

/// Writes the SDMX-ML 3.0 structure-specific schema of `dsd` (same shape as
/// [`write_structure_specific_xsd`], deriving from the 3.0 base types), so that
/// 3.0 output can be validated too.
pub fn write_structure_specific_xsd_30(
    dsd: &DataStructure,
    lookup: &dyn CodelistLookup,
    obs_dim: &ObsDimension,
    out: &mut dyn Write,
) -> Result<(), DataError> {
    let text = build(dsd, lookup, obs_dim, true);
    out.write_all(text.as_bytes()).map_err(|e| DataError::Io {
        context: "writing the structure-specific schema".to_owned(),
        source: e,
    })
}

struct Types {
    simple: Vec<(String, Vec<String>)>,
}

impl Types {
    /// The schema type of a component; registers an enumeration for coded ones.
    fn of(
        &mut self,
        id: &str,
        rep: Option<&Representation>,
        is_time: bool,
        lookup: &dyn CodelistLookup,
    ) -> String {
        if is_time {
            // Must derive from the base schema's TIME_PERIOD type.
            return "common:ObservationalTimePeriodType".to_owned();
        }
        if let Some(cl) = rep.and_then(|r| r.enumeration.as_ref())
            && let Some(codes) = lookup.codes(cl)
        {
            let name = format!("{}Type", cl.id);
            if !self.simple.iter().any(|(n, _)| n == &name) {
                self.simple.push((name.clone(), codes));
            }
            return name;
        }
        let dt = rep
            .and_then(|r| r.text_format.as_ref())
            .and_then(|t| t.data_type);
        let _ = id;
        match dt {
            Some(DataType::Integer) => "xs:int",
            Some(DataType::Long) => "xs:long",
            Some(DataType::Short) => "xs:short",
            Some(DataType::BigInteger) => "xs:integer",
            Some(DataType::Decimal) => "xs:decimal",
            Some(DataType::Float) => "xs:float",
            Some(DataType::Double) => "xs:double",
            Some(DataType::Boolean) => "xs:boolean",
            Some(DataType::ObservationalTimePeriod) => "common:ObservationalTimePeriodType",
            Some(DataType::StandardTimePeriod) => "common:StandardTimePeriodType",
            Some(DataType::DateTime) => "xs:dateTime",
            _ => "xs:string",
        }
        .to_owned()
    }
}

fn build(
    dsd: &DataStructure,
    lookup: &dyn CodelistLookup,
    obs_dim: &ObsDimension,
    v30: bool,
) -> String {
    let (common_ns, ss_ns) = if v30 {
        (ns30::COMMON, ns30::SS)
    } else {
        (ns21::COMMON, ns21::SS)
    };
    let ns = structure_namespace(dsd, obs_dim);
    let all = *obs_dim == ObsDimension::AllDimensions;
    let obs_id = obs_dim.id();
    let obs_level = if all { None } else { Some(obs_id) };
    let mut types = Types { simple: Vec::new() };
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns=\"{ns}\" targetNamespace=\"{ns}\" xmlns:common=\"{}\" xmlns:dsd=\"{}\" elementFormDefault=\"qualified\" attributeFormDefault=\"unqualified\">\n",
        common_ns, ss_ns
    ));
    s.push_str(&format!(
        "<xs:import namespace=\"{}\" schemaLocation=\"SDMXCommon.xsd\"/>\n<xs:import namespace=\"{}\" schemaLocation=\"SDMXDataStructureSpecific.xsd\"/>\n",
        common_ns, ss_ns
    ));

    let attr = |s: &mut String, name: &str, ty: &str, required: bool| {
        s.push_str(&format!(
            "<xs:attribute name=\"{name}\" type=\"{ty}\" use=\"{}\"/>\n",
            if required { "required" } else { "optional" }
        ));
    };
    let level = |a| dsd.attachment_level(a, obs_level);

    // DataSet.
    s.push_str("<xs:complexType name=\"DataSetType\"><xs:complexContent><xs:restriction base=\"dsd:DataSetType\"><xs:sequence>\n<xs:element ref=\"common:Annotations\" minOccurs=\"0\"/>\n<xs:element name=\"DataProvider\" type=\"common:DataProviderReferenceType\" form=\"unqualified\" minOccurs=\"0\"/>\n");
    if !dsd.groups.is_empty() {
        s.push_str("<xs:element name=\"Group\" type=\"GroupType\" form=\"unqualified\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n");
    }
    if all {
        s.push_str("<xs:choice minOccurs=\"0\"><xs:element name=\"Obs\" type=\"ObsType\" form=\"unqualified\" maxOccurs=\"unbounded\"/></xs:choice>\n");
    } else {
        s.push_str("<xs:choice minOccurs=\"0\"><xs:element name=\"Series\" type=\"SeriesType\" form=\"unqualified\" maxOccurs=\"unbounded\"/></xs:choice>\n");
    }
    s.push_str("</xs:sequence>\n");
    for a in &dsd.attributes {
        if level(a) == AttachmentLevel::DataSet {
            let t = types.of(&a.id, a.representation.as_ref(), false, lookup);
            attr(&mut s, &a.id, &t, false);
        }
    }
    s.push_str("</xs:restriction></xs:complexContent></xs:complexType>\n");

    // Groups: an abstract group type, then one concrete type per group.
    if !dsd.groups.is_empty() {
        s.push_str("<xs:complexType name=\"GroupType\" abstract=\"true\"><xs:complexContent><xs:restriction base=\"dsd:GroupType\"><xs:sequence><xs:element ref=\"common:Annotations\" minOccurs=\"0\"/></xs:sequence>\n<xs:attribute name=\"type\" type=\"GroupType.ID\" use=\"optional\"/>\n<xs:anyAttribute namespace=\"##local\"/>\n</xs:restriction></xs:complexContent></xs:complexType>\n");
        s.push_str(
            "<xs:simpleType name=\"GroupType.ID\"><xs:restriction base=\"common:IDType\">\n",
        );
        for g in &dsd.groups {
            s.push_str(&format!("<xs:enumeration value=\"{}\"/>\n", g.id));
        }
        s.push_str("</xs:restriction></xs:simpleType>\n");
        for g in &dsd.groups {
            s.push_str(&format!(
                "<xs:complexType name=\"{}\"><xs:complexContent><xs:restriction base=\"GroupType\"><xs:sequence><xs:element ref=\"common:Annotations\" minOccurs=\"0\"/></xs:sequence>\n<xs:attribute name=\"type\" type=\"GroupType.ID\" use=\"optional\" fixed=\"{}\"/>\n",
                g.id, g.id
            ));
            for d in dsd
                .dimensions
                .iter()
                .filter(|d| g.dimensions.contains(&d.id))
            {
                let t = types.of(
                    &d.id,
                    d.representation.as_ref(),
                    d.kind == DimensionKind::Time,
                    lookup,
                );
                attr(&mut s, &d.id, &t, true);
            }
            for a in &dsd.attributes {
                let in_group = match &a.relationship {
                    crate::model::AttributeRelationship::Group(id) => id == &g.id,
                    crate::model::AttributeRelationship::Dimensions {
                        dimensions,
                        attachment_groups,
                    } => {
                        attachment_groups.contains(&g.id)
                            || (level(a) == AttachmentLevel::Group
                                && dimensions.len() == g.dimensions.len()
                                && dimensions.iter().all(|x| g.dimensions.contains(x)))
                    }
                    _ => false,
                };
                if in_group {
                    let t = types.of(&a.id, a.representation.as_ref(), false, lookup);
                    attr(&mut s, &a.id, &t, false);
                }
            }
            s.push_str("</xs:restriction></xs:complexContent></xs:complexType>\n");
        }
    }

    // Series.
    if !all {
        s.push_str("<xs:complexType name=\"SeriesType\"><xs:complexContent><xs:restriction base=\"dsd:SeriesType\"><xs:sequence>\n<xs:element ref=\"common:Annotations\" minOccurs=\"0\"/>\n<xs:element name=\"Obs\" type=\"ObsType\" form=\"unqualified\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n</xs:sequence>\n");
        for d in dsd.dimensions.iter().filter(|d| d.id != obs_id) {
            let t = types.of(
                &d.id,
                d.representation.as_ref(),
                d.kind == DimensionKind::Time,
                lookup,
            );
            attr(&mut s, &d.id, &t, true);
        }
        if obs_id == "TIME_PERIOD" {
            s.push_str("<xs:attribute name=\"TIME_PERIOD\" use=\"prohibited\"/>\n");
        }
        for a in &dsd.attributes {
            if level(a) == AttachmentLevel::Series {
                let t = types.of(&a.id, a.representation.as_ref(), false, lookup);
                attr(&mut s, &a.id, &t, false);
            }
        }
        s.push_str("</xs:restriction></xs:complexContent></xs:complexType>\n");
    }

    // Obs.
    s.push_str("<xs:complexType name=\"ObsType\"><xs:complexContent><xs:restriction base=\"dsd:ObsType\"><xs:sequence>\n<xs:element ref=\"common:Annotations\" minOccurs=\"0\"/>\n</xs:sequence>\n<xs:attribute name=\"type\" use=\"prohibited\"/>\n");
    for d in dsd.dimensions.iter().filter(|d| all || d.id == obs_id) {
        let t = types.of(
            &d.id,
            d.representation.as_ref(),
            d.kind == DimensionKind::Time,
            lookup,
        );
        attr(&mut s, &d.id, &t, true);
    }
    if !all && obs_id != "TIME_PERIOD" && dsd.time_dimension().is_none() {
        s.push_str("<xs:attribute name=\"TIME_PERIOD\" use=\"prohibited\"/>\n");
    }
    for m in &dsd.measures {
        let t = types.of(&m.id, m.representation.as_ref(), false, lookup);
        attr(&mut s, &m.id, &t, false);
    }
    for a in &dsd.attributes {
        if level(a) == AttachmentLevel::Observation {
            let t = types.of(&a.id, a.representation.as_ref(), false, lookup);
            attr(&mut s, &a.id, &t, false);
        }
    }
    s.push_str("</xs:restriction></xs:complexContent></xs:complexType>\n");

    for (name, codes) in &types.simple {
        s.push_str(&format!(
            "<xs:simpleType name=\"{name}\"><xs:restriction base=\"xs:string\">\n"
        ));
        for c in codes {
            let mut esc = Vec::new();
            super::writer::escape_into(&mut esc, c);
            s.push_str(&format!(
                "<xs:enumeration value=\"{}\"/>\n",
                String::from_utf8_lossy(&esc)
            ));
        }
        s.push_str("</xs:restriction></xs:simpleType>\n");
    }
    s.push_str("</xs:schema>\n");
    s
}
