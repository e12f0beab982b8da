use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Version, VersionError, VersionReq};

/// Why a URN or artefact reference could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrnError {
    /// The text is not of the form `urn:sdmx:org.sdmx.infomodel.{package}.{Class}=…`.
    #[error(
        "{text:?} is not an SDMX URN (expected urn:sdmx:org.sdmx.infomodel.PACKAGE.CLASS=AGENCY:ID(VERSION))"
    )]
    Shape {
        /// The text given.
        text: String,
    },
    /// The class named in the URN is not one the gateway knows.
    #[error("unknown SDMX class {class:?} in {text:?}")]
    UnknownClass {
        /// The class text.
        class: String,
        /// The whole text.
        text: String,
    },
    /// The version part is not a version.
    #[error(transparent)]
    Version(#[from] VersionError),
    /// An `AGENCY:ID(VERSION)` short reference that is malformed.
    #[error("{text:?} is not a reference: use a URN, AGENCY:ID(VERSION), AGENCY:ID or an id")]
    Short {
        /// The text given.
        text: String,
    },
}

macro_rules! classes {
    ($( $variant:ident => $package:literal, $name:literal, $maintainable:literal; )*) => {
        /// The SDMX classes that URNs and references name, with their package.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ArtefactClass {
            $(
                #[doc = concat!("`", $package, ".", $name, "`")]
                $variant,
            )*
        }

        impl ArtefactClass {
            /// Every class, in declaration order.
            pub const ALL: &'static [ArtefactClass] = &[$(ArtefactClass::$variant),*];

            /// The class name used in URNs and in 2.1 `Ref/@class` (e.g. `Codelist`).
            pub fn name(self) -> &'static str {
                match self { $(ArtefactClass::$variant => $name,)* }
            }

            /// The package used in URNs and in 2.1 `Ref/@package` (e.g. `codelist`).
            pub fn package(self) -> &'static str {
                match self { $(ArtefactClass::$variant => $package,)* }
            }

            /// True for maintainable artefacts (schemes, DSDs, dataflows…), false for
            /// items and components that live inside one.
            pub fn is_maintainable(self) -> bool {
                match self { $(ArtefactClass::$variant => $maintainable,)* }
            }

            /// Looks a class up by its URN / `Ref/@class` name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(ArtefactClass::$variant),)* _ => None }
            }
        }
    };
}

classes! {
    AgencyScheme => "base", "AgencyScheme", true;
    Agency => "base", "Agency", false;
    DataProviderScheme => "base", "DataProviderScheme", true;
    DataProvider => "base", "DataProvider", false;
    DataConsumerScheme => "base", "DataConsumerScheme", true;
    DataConsumer => "base", "DataConsumer", false;
    OrganisationUnitScheme => "base", "OrganisationUnitScheme", true;
    OrganisationUnit => "base", "OrganisationUnit", false;
    Codelist => "codelist", "Codelist", true;
    Code => "codelist", "Code", false;
    ValueList => "codelist", "ValueList", true;
    HierarchicalCodelist => "codelist", "HierarchicalCodelist", true;
    Hierarchy => "codelist", "Hierarchy", true;
    ConceptScheme => "conceptscheme", "ConceptScheme", true;
    Concept => "conceptscheme", "Concept", false;
    CategoryScheme => "categoryscheme", "CategoryScheme", true;
    Category => "categoryscheme", "Category", false;
    Categorisation => "categoryscheme", "Categorisation", true;
    ReportingTaxonomy => "categoryscheme", "ReportingTaxonomy", true;
    DataStructure => "datastructure", "DataStructure", true;
    Dataflow => "datastructure", "Dataflow", true;
    Dimension => "datastructure", "Dimension", false;
    TimeDimension => "datastructure", "TimeDimension", false;
    MeasureDimension => "datastructure", "MeasureDimension", false;
    DataAttribute => "datastructure", "DataAttribute", false;
    PrimaryMeasure => "datastructure", "PrimaryMeasure", false;
    Measure => "datastructure", "Measure", false;
    GroupDimensionDescriptor => "datastructure", "GroupDimensionDescriptor", false;
    MetadataStructure => "metadatastructure", "MetadataStructure", true;
    Metadataflow => "metadatastructure", "Metadataflow", true;
    ContentConstraint => "registry", "ContentConstraint", true;
    DataConstraint => "registry", "DataConstraint", true;
    ProvisionAgreement => "registry", "ProvisionAgreement", true;
    StructureSet => "mapping", "StructureSet", true;
    StructureMap => "structuremapping", "StructureMap", true;
    Process => "process", "Process", true;
    TransformationScheme => "transformation", "TransformationScheme", true;
}

impl ArtefactClass {
    /// The URN prefix of this class, e.g. `urn:sdmx:org.sdmx.infomodel.codelist.Codelist=`.
    pub fn urn_prefix(self) -> String {
        format!(
            "urn:sdmx:org.sdmx.infomodel.{}.{}=",
            self.package(),
            self.name()
        )
    }

    /// The class of the items this scheme holds (`Codelist` → `Code`).
    pub fn item_class(self) -> Option<ArtefactClass> {
        Some(match self {
            ArtefactClass::Codelist | ArtefactClass::ValueList => ArtefactClass::Code,
            ArtefactClass::ConceptScheme => ArtefactClass::Concept,
            ArtefactClass::AgencyScheme => ArtefactClass::Agency,
            ArtefactClass::DataProviderScheme => ArtefactClass::DataProvider,
            ArtefactClass::DataConsumerScheme => ArtefactClass::DataConsumer,
            ArtefactClass::OrganisationUnitScheme => ArtefactClass::OrganisationUnit,
            ArtefactClass::CategoryScheme => ArtefactClass::Category,
            _ => return None,
        })
    }

    /// The scheme class that holds items of this class (`Code` → `Codelist`).
    pub fn scheme_class(self) -> Option<ArtefactClass> {
        Some(match self {
            ArtefactClass::Code => ArtefactClass::Codelist,
            ArtefactClass::Concept => ArtefactClass::ConceptScheme,
            ArtefactClass::Agency => ArtefactClass::AgencyScheme,
            ArtefactClass::DataProvider => ArtefactClass::DataProviderScheme,
            ArtefactClass::DataConsumer => ArtefactClass::DataConsumerScheme,
            ArtefactClass::OrganisationUnit => ArtefactClass::OrganisationUnitScheme,
            ArtefactClass::Category => ArtefactClass::CategoryScheme,
            _ => return None,
        })
    }
}

impl fmt::Display for ArtefactClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for ArtefactClass {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for ArtefactClass {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ArtefactClass::from_name(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown SDMX class {s}")))
    }
}

/// A reference to a maintainable artefact: class, agency, id and version (which may
/// be a query such as `latest` or `1.0+.0`). Prints as its URN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArtefactRef {
    /// The maintainable class.
    pub class: ArtefactClass,
    /// The maintenance agency, e.g. `ILO`.
    pub agency: String,
    /// The artefact id, e.g. `CL_SEX`.
    pub id: String,
    /// The version or version query.
    pub version: VersionReq,
}

impl ArtefactRef {
    /// A reference to an exact version.
    pub fn new(
        class: ArtefactClass,
        agency: impl Into<String>,
        id: impl Into<String>,
        version: Version,
    ) -> Self {
        ArtefactRef {
            class,
            agency: agency.into(),
            id: id.into(),
            version: VersionReq::Exact(version),
        }
    }

    /// The URN, e.g. `urn:sdmx:org.sdmx.infomodel.codelist.Codelist=ILO:CL_SEX(1.0)`.
    pub fn urn(&self) -> String {
        format!("{}{}", self.class.urn_prefix(), self.short())
    }

    /// The short form `AGENCY:ID(VERSION)` used by the CLI and SDMX-CSV.
    pub fn short(&self) -> String {
        format!("{}:{}({})", self.agency, self.id, self.version)
    }

    /// A reference to an item of this scheme.
    pub fn item(&self, item_id: impl Into<String>) -> ItemRef {
        ItemRef {
            scheme: self.clone(),
            item_id: item_id.into(),
        }
    }

    /// Parses `AGENCY:ID(VERSION)` (also `AGENCY:ID`, version `latest`) for a known class.
    pub fn parse_short(class: ArtefactClass, text: &str) -> Result<Self, UrnError> {
        let short = || UrnError::Short {
            text: text.to_owned(),
        };
        let (agency, rest) = text.split_once(':').ok_or_else(short)?;
        let (id, version) = match rest.split_once('(') {
            Some((id, v)) => (id, v.strip_suffix(')').ok_or_else(short)?.parse()?),
            None => (rest, VersionReq::Latest),
        };
        if agency.is_empty()
            || id.is_empty()
            || !is_sdmx_id(id)
            || !agency.split('.').all(is_sdmx_id)
        {
            return Err(short());
        }
        Ok(ArtefactRef {
            class,
            agency: agency.to_owned(),
            id: id.to_owned(),
            version,
        })
    }
}

/// Whether `s` is a valid SDMX `IDType` (letters, digits, `_`, `@`, `$`, `-`).
pub(crate) fn is_sdmx_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'$' | b'-'))
}

impl fmt::Display for ArtefactRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.urn())
    }
}

impl FromStr for ArtefactRef {
    type Err = UrnError;

    /// Parses a URN of a maintainable artefact.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match parse_urn(s)? {
            (r, None) => Ok(r),
            (_, Some(_)) => Err(UrnError::Shape { text: s.to_owned() }),
        }
    }
}

impl Serialize for ArtefactRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.urn())
    }
}

impl<'de> Deserialize<'de> for ArtefactRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A reference to an item (code, concept, agency, data provider…) inside a
/// maintainable scheme. Prints as its URN, e.g.
/// `urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=ILO:CS_ILOSTAT(1.0).SEX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemRef {
    /// The scheme holding the item (its class is the scheme's, e.g. `ConceptScheme`).
    pub scheme: ArtefactRef,
    /// The item id (dotted for nested items in hierarchical schemes).
    pub item_id: String,
}

impl ItemRef {
    /// The URN, using the item class of the scheme.
    pub fn urn(&self) -> String {
        let class = self.scheme.class.item_class().unwrap_or(self.scheme.class);
        format!(
            "{}{}.{}",
            class.urn_prefix(),
            self.scheme.short(),
            self.item_id
        )
    }
}

impl fmt::Display for ItemRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.urn())
    }
}

impl FromStr for ItemRef {
    type Err = UrnError;

    /// Parses the URN of an item (`…Code=ILO:CL_SEX(1.0).SEX_F`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match parse_urn(s)? {
            (scheme, Some(item_id)) => Ok(ItemRef { scheme, item_id }),
            (_, None) => Err(UrnError::Shape { text: s.to_owned() }),
        }
    }
}

impl Serialize for ItemRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.urn())
    }
}

impl<'de> Deserialize<'de> for ItemRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses any SDMX URN into the maintainable reference and, for items and
/// components, the item id. Item classes are turned into their scheme class so
/// the reference names the maintainable that holds the item; a component URN
/// (`…Dimension=ECB:EXR(1.0).FREQ`) yields the DSD.
pub fn parse_urn(s: &str) -> Result<(ArtefactRef, Option<String>), UrnError> {
    let shape = || UrnError::Shape { text: s.to_owned() };
    let rest = s
        .strip_prefix("urn:sdmx:org.sdmx.infomodel.")
        .ok_or_else(shape)?;
    let (pkg_class, body) = rest.split_once('=').ok_or_else(shape)?;
    let (package, class_name) = pkg_class.rsplit_once('.').ok_or_else(shape)?;
    let class = ArtefactClass::from_name(class_name).ok_or_else(|| UrnError::UnknownClass {
        class: class_name.to_owned(),
        text: s.to_owned(),
    })?;
    if class.package() != package {
        return Err(shape());
    }
    let (agency, rest) = body.split_once(':').ok_or_else(shape)?;
    let (id, rest) = rest.split_once('(').ok_or_else(shape)?;
    let (version, rest) = rest.split_once(')').ok_or_else(shape)?;
    let item = match rest {
        "" => None,
        r => Some(
            r.strip_prefix('.')
                .filter(|i| !i.is_empty())
                .ok_or_else(shape)?
                .to_owned(),
        ),
    };
    if !is_sdmx_id(id) || agency.is_empty() || !agency.split('.').all(is_sdmx_id) {
        return Err(shape());
    }
    let scheme_class = if class.is_maintainable() {
        class
    } else if let Some(scheme) = class.scheme_class() {
        scheme
    } else {
        ArtefactClass::DataStructure
    };
    if class.is_maintainable() && item.is_some() {
        return Err(shape());
    }
    if !class.is_maintainable() && item.is_none() {
        return Err(shape());
    }
    Ok((
        ArtefactRef {
            class: scheme_class,
            agency: agency.to_owned(),
            id: id.to_owned(),
            version: version.parse()?,
        },
        item,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_maintainable_urns() {
        for u in [
            "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ECB:ECB_RTD1(1.0)",
            "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0.0)",
            "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=SDMX:CL_FREQ(2.0)",
            "urn:sdmx:org.sdmx.infomodel.registry.ContentConstraint=ILO:CR_X(1.0)",
            "urn:sdmx:org.sdmx.infomodel.base.AgencyScheme=SDMX:AGENCIES(1.0)",
            "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0+.0)",
        ] {
            let r: ArtefactRef = u.parse().unwrap();
            assert_eq!(r.urn(), u);
        }
    }

    #[test]
    fn parses_item_urns_to_their_scheme() {
        let i: ItemRef = "urn:sdmx:org.sdmx.infomodel.codelist.Code=SDMX:CL_AGE(1.0).D"
            .parse()
            .unwrap();
        assert_eq!(i.scheme.class, ArtefactClass::Codelist);
        assert_eq!(i.scheme.id, "CL_AGE");
        assert_eq!(i.item_id, "D");
        assert_eq!(
            i.urn(),
            "urn:sdmx:org.sdmx.infomodel.codelist.Code=SDMX:CL_AGE(1.0).D"
        );
        let c: ItemRef =
            "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=ILO:CS_ILOSTAT(1.0).SEX"
                .parse()
                .unwrap();
        assert_eq!(c.scheme.class, ArtefactClass::ConceptScheme);
    }

    #[test]
    fn rejects_malformed_urns() {
        for u in [
            "",
            "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=SDMX:CL_FREQ",
            "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=SDMX:CL FREQ(1.0)",
            "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=SDMX:CL_FREQ(1.0).X",
            "urn:sdmx:org.sdmx.infomodel.codelist.Code=SDMX:CL_FREQ(1.0)",
            "urn:sdmx:org.sdmx.infomodel.codelist.Dataflow=SDMX:X(1.0)",
            "urn:sdmx:org.sdmx.infomodel.codelist.Widget=SDMX:X(1.0)",
            "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=SDMX:CL_FREQ(x)",
        ] {
            assert!(u.parse::<ArtefactRef>().is_err(), "{u} should be rejected");
        }
    }

    #[test]
    fn parses_short_references() {
        let r = ArtefactRef::parse_short(ArtefactClass::Dataflow, "ILO:DF_X(1.0)").unwrap();
        assert_eq!(
            r.urn(),
            "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_X(1.0)"
        );
        let r = ArtefactRef::parse_short(ArtefactClass::Dataflow, "ILO:DF_X").unwrap();
        assert_eq!(r.version, VersionReq::Latest);
        assert!(ArtefactRef::parse_short(ArtefactClass::Dataflow, "ILO:DF_X(1.0").is_err());
        assert!(ArtefactRef::parse_short(ArtefactClass::Dataflow, "DF_X").is_err());
    }
}
