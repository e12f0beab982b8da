//! Assembling the set and writing it as SDMX-ML 2.1 files, or checking that the
//! committed files are what the table produces.

use std::path::Path;

use crate::model::{
    Codelist, ConceptScheme, ContentConstraint, DataProviderScheme, DataStructure, Dataflow,
    ProvisionAgreement, Structures, Version,
};
use crate::structure::MessageHeader;

use super::docs::{DOC_PATH, indicators_markdown};
use super::{
    IlmsError, Inputs, TABLE_PATH, codelists, concepts, constraints, dataflows, dsds, providers,
};

/// The generated files, relative to the project root, in generation order.
pub const GENERATED_FILES: [&str; 6] = [
    "codelists/ilms-codelists.xml",
    "codelists/cs_ilostat.xml",
    "dsd/ilms-datastructures.xml",
    "dsd/ilms-dataflows.xml",
    "dsd/ilms-constraints.xml",
    "dsd/ilms-providers.xml",
];

/// The whole ILMS structure set, built in memory.
#[derive(Debug, Clone)]
pub struct IlmsSet {
    /// CL_AREA, CL_FREQ, … in table order.
    pub codelists: Vec<Codelist>,
    /// CS_ILOSTAT.
    pub concept_scheme: ConceptScheme,
    /// One DSD per indicator.
    pub data_structures: Vec<DataStructure>,
    /// One dataflow per indicator.
    pub dataflows: Vec<Dataflow>,
    /// One allowed constraint per dataflow.
    pub constraints: Vec<ContentConstraint>,
    /// The ASEAN reporting institutions.
    pub provider_scheme: DataProviderScheme,
    /// Which provider reports which dataflow.
    pub provision_agreements: Vec<ProvisionAgreement>,
}

/// One generated file: where it goes and what it holds.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    /// Path relative to the project root (one of [`GENERATED_FILES`]).
    pub path: &'static str,
    /// Its artefacts.
    pub structures: Structures,
}

impl IlmsSet {
    /// The set split into its files, in [`GENERATED_FILES`] order.
    pub fn files(&self) -> Vec<GeneratedFile> {
        let [cl, cs, dsd, df, cr, pr] = GENERATED_FILES;
        vec![
            GeneratedFile {
                path: cl,
                structures: Structures {
                    codelists: self.codelists.clone(),
                    ..Default::default()
                },
            },
            GeneratedFile {
                path: cs,
                structures: Structures {
                    concept_schemes: vec![self.concept_scheme.clone()],
                    ..Default::default()
                },
            },
            GeneratedFile {
                path: dsd,
                structures: Structures {
                    data_structures: self.data_structures.clone(),
                    ..Default::default()
                },
            },
            GeneratedFile {
                path: df,
                structures: Structures {
                    dataflows: self.dataflows.clone(),
                    ..Default::default()
                },
            },
            GeneratedFile {
                path: cr,
                structures: Structures {
                    constraints: self.constraints.clone(),
                    ..Default::default()
                },
            },
            GeneratedFile {
                path: pr,
                structures: Structures {
                    data_provider_schemes: vec![self.provider_scheme.clone()],
                    provision_agreements: self.provision_agreements.clone(),
                    ..Default::default()
                },
            },
        ]
    }

    /// Every artefact of the set in one [`Structures`].
    pub fn structures(&self) -> Structures {
        let mut all = Structures::default();
        for f in self.files() {
            all.extend(f.structures);
        }
        all
    }
}

/// Builds the set from already-read inputs.
pub fn build_from(inputs: &Inputs) -> Result<IlmsSet, IlmsError> {
    let t = &inputs.table;
    let version: Version = t.version.parse().map_err(|e| IlmsError::Invalid {
        file: TABLE_PATH.to_owned(),
        subject: "version".to_owned(),
        message: format!("{e}"),
    })?;
    let codelists = codelists::build(inputs, &version)?;
    let areas = codelists
        .iter()
        .find(|c| c.meta.id == "CL_AREA")
        .ok_or_else(|| IlmsError::Invalid {
            file: TABLE_PATH.to_owned(),
            subject: "CL_AREA".to_owned(),
            message: "CL_AREA must be listed in [codelists]".to_owned(),
        })?;
    let (provider_scheme, provision_agreements) = providers::build(t, areas, &version)?;
    let indicators = &t.ilms.indicators;
    Ok(IlmsSet {
        concept_scheme: concepts::build(t, &version),
        data_structures: indicators
            .iter()
            .map(|i| dsds::build(t, i, &version))
            .collect(),
        dataflows: indicators
            .iter()
            .map(|i| dataflows::build(t, i, &version))
            .collect(),
        constraints: indicators
            .iter()
            .map(|i| constraints::build(t, i, &codelists, &version))
            .collect::<Result<_, _>>()?,
        provider_scheme,
        provision_agreements,
        codelists,
    })
}

/// Reads `dsd/ilms.toml` and its TSV inputs under `root` and builds the set.
pub fn build(root: &Path) -> Result<IlmsSet, IlmsError> {
    build_from(&Inputs::load(root)?)
}

/// Renders one file as SDMX-ML 2.1 with the fixed default header, so that the
/// output depends on the inputs only.
pub fn render(file: &GeneratedFile) -> Result<String, IlmsError> {
    let mut out = Vec::new();
    crate::structure::xml21::write(&file.structures, &MessageHeader::default(), &mut out).map_err(
        |cause| IlmsError::Write {
            file: file.path.to_owned(),
            cause,
        },
    )?;
    String::from_utf8(out).map_err(|e| IlmsError::Invalid {
        file: file.path.to_owned(),
        subject: "output".to_owned(),
        message: format!("the writer produced invalid UTF-8: {e}"),
    })
}

/// Builds the set under `root` and renders every file in memory: `(path, text)`,
/// the SDMX-ML files of [`GENERATED_FILES`] then the indicator table [`DOC_PATH`].
pub fn generate(root: &Path) -> Result<Vec<(&'static str, String)>, IlmsError> {
    let inputs = Inputs::load(root)?;
    let mut out = build_from(&inputs)?
        .files()
        .iter()
        .map(|f| Ok((f.path, render(f)?)))
        .collect::<Result<Vec<_>, IlmsError>>()?;
    out.push((DOC_PATH, indicators_markdown(&inputs.table)));
    Ok(out)
}

/// How a committed file compares with what the generator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    /// Identical.
    Same,
    /// Present but different.
    Differs,
    /// Not present.
    Missing,
}

/// Compares the committed files under `root` with the generator's output.
pub fn check(root: &Path) -> Result<Vec<(&'static str, FileStatus)>, IlmsError> {
    generate(root)?
        .into_iter()
        .map(|(path, text)| Ok((path, status(root, path, &text)?)))
        .collect()
}

fn status(root: &Path, rel: &str, text: &str) -> Result<FileStatus, IlmsError> {
    let path = root.join(rel);
    match std::fs::read(&path) {
        Ok(bytes) if bytes == text.as_bytes() => Ok(FileStatus::Same),
        Ok(_) => Ok(FileStatus::Differs),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileStatus::Missing),
        Err(cause) => Err(IlmsError::Io { path, cause }),
    }
}

/// Regenerates the files under `root`, writing only those that changed; returns
/// each file's status before writing.
pub fn write_files(root: &Path) -> Result<Vec<(&'static str, FileStatus)>, IlmsError> {
    let mut out = Vec::new();
    for (rel, text) in generate(root)? {
        let st = status(root, rel, &text)?;
        if st != FileStatus::Same {
            let path = root.join(rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|cause| IlmsError::Io {
                    path: dir.to_owned(),
                    cause,
                })?;
            }
            std::fs::write(&path, text).map_err(|cause| IlmsError::Io { path, cause })?;
        }
        out.push((rel, st));
    }
    Ok(out)
}
