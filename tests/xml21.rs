//! SDMX-ML 2.1 structure reader and writer.

use sdmx_gateway::structure::xml21;

use crate::util::fixture;

fn load(
    name: &str,
) -> Result<sdmx_gateway::structure::ReadOutcome, sdmx_gateway::structure::StructureError> {
    let path = fixture(&format!("structure/tck/{name}"));
    let text = std::fs::read_to_string(&path).unwrap();
    xml21::read(&text, name)
}

#[test]
fn dump_all() {
    for e in std::fs::read_dir(fixture("structure/tck")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        match load(&name) {
            Ok(o) => {
                let s = &o.structures;
                eprintln!(
                    "{name}: cl={} cs={} dsd={} df={} cc={} as={} dps={} pa={} warnings={}",
                    s.codelists.len(),
                    s.concept_schemes.len(),
                    s.data_structures.len(),
                    s.dataflows.len(),
                    s.constraints.len(),
                    s.agency_schemes.len(),
                    s.data_provider_schemes.len(),
                    s.provision_agreements.len(),
                    o.warnings.len()
                );
                for w in o.warnings.iter().take(3) {
                    eprintln!("   {w}");
                }
            }
            Err(e) => eprintln!("{name}: ERROR {e}"),
        }
    }
}
