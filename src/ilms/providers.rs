//! The data provider scheme and the provision agreements: each provider reports
//! the dataflows whose usual source kind it lists in the table.

use crate::model::{
    ArtefactClass, ArtefactRef, DataProvider, DataProviderScheme, Item, LocalisedText,
    MaintainableMeta, ProvisionAgreement, Version,
};

use super::dataflows::dataflow_ref;
use super::{IlmsError, IlmsTable, TABLE_PATH};
use crate::model::Codelist;

/// SDMX fixes the id of a data provider scheme.
const SCHEME_ID: &str = "DATA_PROVIDERS";

/// Builds the provider scheme and the provision agreements.
pub(crate) fn build(
    t: &IlmsTable,
    areas: &Codelist,
    version: &Version,
) -> Result<(DataProviderScheme, Vec<ProvisionAgreement>), IlmsError> {
    let mut meta = MaintainableMeta::new(
        &t.agency,
        SCHEME_ID,
        version.clone(),
        "ILMS data providers (ASEAN Member States)",
    );
    // SDMX 2.1 fixes isFinal="false" on organisation schemes: leave it unset.
    meta.is_final = None;
    let scheme_ref = ArtefactRef::new(
        ArtefactClass::DataProviderScheme,
        &t.agency,
        SCHEME_ID,
        version.clone(),
    );
    let mut providers = Vec::new();
    let mut agreements = Vec::new();
    for p in &t.reporting.providers {
        let area = areas.code(&p.area).ok_or_else(|| IlmsError::Invalid {
            file: TABLE_PATH.to_owned(),
            subject: p.id.clone(),
            message: format!("area {} is not a code of CL_AREA", p.area),
        })?;
        let mut item = Item::new(&p.id, &p.name);
        let kinds: Vec<&str> = p
            .reports
            .iter()
            .filter_map(|k| t.source_kinds.get(k).map(String::as_str))
            .collect();
        item.descriptions = LocalisedText::en(format!(
            "{}; reports the ILMS dataflows usually drawn from: {} (illustrative assignment, see dsd/ilms.toml).",
            area.names.best().unwrap_or(&p.area),
            kinds.join("; ")
        ));
        providers.push(DataProvider {
            item,
            contacts: Vec::new(),
        });
        for ind in t
            .ilms
            .indicators
            .iter()
            .filter(|i| p.reports.contains(&i.source))
        {
            let id = format!("PA_{}_{}", p.id, ind.id);
            let mut meta = MaintainableMeta::new(
                &t.agency,
                &id,
                version.clone(),
                &format!("{} reports {}", p.name, ind.dataflow_id()),
            );
            meta.is_final = Some(true);
            agreements.push(ProvisionAgreement {
                meta,
                dataflow: dataflow_ref(t, ind, version),
                data_provider: scheme_ref.item(&p.id),
            });
        }
    }
    Ok((DataProviderScheme { meta, providers }, agreements))
}
