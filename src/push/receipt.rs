//! Reading what a collector answered: the receipt of an accepted message, the
//! findings of a refused one.

/// One line about a receipt: for a `SubmitDataResponse` (SDMX-ML or the JSON
/// `sdmxgw serve` gives) the submission id, whether it was a repeat, and the
/// observations written; for anything else its first 200 characters.
pub fn summarize(receipt: &str) -> String {
    if let Ok(doc) = roxmltree::Document::parse(receipt)
        && let Some(r) = doc
            .descendants()
            .find(|n| n.tag_name().name() == "SubmitDataResponse")
    {
        let mut parts = Vec::new();
        if let Some(id) = r.attribute("submissionId") {
            parts.push(format!("submission {id}"));
        }
        if let Some(n) = r.attribute("observationsWritten") {
            parts.push(format!("{n} observations written"));
        }
        if r.attribute("duplicate") == Some("true") {
            parts.push("a repeat of a message the collector already applied".to_owned());
        }
        if !parts.is_empty() {
            return parts.join(", ");
        }
    }
    let json = serde_json::from_str::<serde_json::Value>(receipt).ok();
    if let Some(v) = &json
        && let (Some(file), Some(sha)) = (
            v.get("file").and_then(|f| f.as_str()),
            v.get("sha256").and_then(|f| f.as_str()),
        )
    {
        return format!("written as {file} (sha256 {sha}), listed in the manifest");
    }
    if let Some(v) = &json
        && let Some(id) = v.get("submission_id")
    {
        let mut s = format!("submission {id}");
        if let Some(n) = v.get("observations_written") {
            s.push_str(&format!(", {n} observations written"));
        }
        if v.get("duplicate") == Some(&serde_json::Value::Bool(true)) {
            s.push_str(", a repeat of a message the collector already applied");
        }
        return s;
    }
    one_line(receipt, 200)
}

/// What a refusal says: the texts of an SDMX error message one per line, else
/// the body itself (cut to 64 KiB).
pub fn collector_message(body: &str) -> String {
    if let Ok(doc) = roxmltree::Document::parse(body) {
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "Text")
            .filter_map(|n| n.text())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if !texts.is_empty() {
            return texts.join("\n");
        }
    }
    let body = body.trim();
    if body.len() <= 64 * 1024 {
        return body.to_owned();
    }
    let mut cut = 64 * 1024;
    while !body.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &body[..cut])
}

/// The start of `text` on one line.
pub fn one_line(text: &str, max: usize) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdmx_ml_receipt() {
        let xml = r#"<mes:RegistryInterface xmlns:mes="m"><mes:SubmitDataResponse submissionId="7" duplicate="true" observationsWritten="90"/></mes:RegistryInterface>"#;
        assert_eq!(
            summarize(xml),
            "submission 7, 90 observations written, a repeat of a message the collector already applied"
        );
        assert_eq!(summarize("  all\n good  "), "all good");
    }

    #[test]
    fn error_texts() {
        let xml = r#"<mes:Error xmlns:mes="m" xmlns:com="c"><mes:ErrorMessage code="422"><com:Text>invalid</com:Text><com:Text>E301 row 3</com:Text></mes:ErrorMessage></mes:Error>"#;
        assert_eq!(collector_message(xml), "invalid\nE301 row 3");
        assert_eq!(collector_message(" plain "), "plain");
    }
}
