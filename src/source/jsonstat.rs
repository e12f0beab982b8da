//! JSON-stat 2.0 datasets (what PX-Web answers with `json-stat2`) as a long
//! CSV table the mapping layer reads: one column per dimension with the
//! category labels, one with its codes, then `value` and `status`.

use std::io::Write;

use serde_json::Value;

/// Why a JSON-stat document cannot be read as a table.
#[derive(Debug, thiserror::Error)]
#[error("JSON-stat: {0}")]
pub struct JsonStatError(String);

/// The CSV table of a JSON-stat 2.0 dataset: columns `LABEL` (category label)
/// and `ID code` (category code) per dimension in `id` order, then `value`
/// (empty or the status symbol when the value is missing) and `status`.
/// Returns the number of data rows.
pub fn jsonstat2_to_csv(doc: &[u8], out: &mut dyn Write) -> Result<u64, JsonStatError> {
    let v: Value =
        serde_json::from_slice(doc).map_err(|e| JsonStatError(format!("not JSON: {e}")))?;
    let err = |m: &str| JsonStatError(m.to_owned());
    if v.get("class").and_then(Value::as_str) != Some("dataset") {
        return Err(err(
            "the document is not a JSON-stat 2.0 dataset (class \"dataset\"); ask for response format json-stat2",
        ));
    }
    let ids: Vec<&str> = v
        .get("id")
        .and_then(Value::as_array)
        .ok_or_else(|| err("no \"id\" array"))?
        .iter()
        .map(|x| x.as_str().unwrap_or_default())
        .collect();
    let sizes: Vec<usize> = v
        .get("size")
        .and_then(Value::as_array)
        .ok_or_else(|| err("no \"size\" array"))?
        .iter()
        .map(|x| x.as_u64().unwrap_or(0) as usize)
        .collect();
    if ids.len() != sizes.len() {
        return Err(err("\"id\" and \"size\" differ in length"));
    }
    let dims = v
        .get("dimension")
        .and_then(Value::as_object)
        .ok_or_else(|| err("no \"dimension\" object"))?;
    // Per dimension: its label and the (code, label) of each category by position.
    let mut cats: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (id, size) in ids.iter().zip(&sizes) {
        let d = dims.get(*id).ok_or_else(|| {
            JsonStatError(format!(
                "dimension {id} is listed in \"id\" but not described"
            ))
        })?;
        let label = d
            .get("label")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_owned();
        let cat = d.get("category");
        let mut codes: Vec<Option<String>> = vec![None; *size];
        match cat.and_then(|c| c.get("index")) {
            Some(Value::Object(m)) => {
                for (code, pos) in m {
                    let p = pos.as_u64().unwrap_or(u64::MAX) as usize;
                    if p < *size {
                        codes[p] = Some(code.clone());
                    }
                }
            }
            Some(Value::Array(a)) => {
                for (p, code) in a.iter().enumerate().take(*size) {
                    codes[p] = code.as_str().map(str::to_owned);
                }
            }
            _ => {
                // A single category may omit the index: its label keys it.
                if let Some(Value::Object(m)) = cat.and_then(|c| c.get("label"))
                    && m.len() == 1
                    && *size == 1
                {
                    codes[0] = m.keys().next().cloned();
                }
            }
        }
        let labels = cat.and_then(|c| c.get("label")).and_then(Value::as_object);
        let mut list = Vec::with_capacity(*size);
        for (p, code) in codes.into_iter().enumerate() {
            let code = code.ok_or_else(|| {
                JsonStatError(format!("dimension {id} has no category at position {p}"))
            })?;
            let text = labels
                .and_then(|l| l.get(&code))
                .and_then(Value::as_str)
                .unwrap_or(&code)
                .to_owned();
            list.push((code, text));
        }
        cats.push((label, list));
    }
    let total: usize = sizes.iter().product();
    let value_at = |i: usize| -> Option<String> {
        let x = match v.get("value")? {
            Value::Array(a) => a.get(i)?.clone(),
            Value::Object(m) => m.get(&i.to_string())?.clone(),
            _ => return None,
        };
        match x {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        }
    };
    let status_at = |i: usize| -> Option<String> {
        match v.get("status")? {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) => a.get(i)?.as_str().map(str::to_owned),
            Value::Object(m) => m.get(&i.to_string())?.as_str().map(str::to_owned),
            _ => None,
        }
    };
    let io = |e: csv::Error| JsonStatError(format!("cannot write the table: {e}"));
    let mut w = csv::Writer::from_writer(out);
    let mut head: Vec<String> = Vec::new();
    for ((label, _), id) in cats.iter().zip(&ids) {
        head.push(label.clone());
        head.push(format!("{id} code"));
    }
    head.push("value".into());
    head.push("status".into());
    w.write_record(&head).map_err(io)?;
    let mut idx = vec![0usize; sizes.len()];
    let mut row: Vec<String> = Vec::new();
    for i in 0..total {
        row.clear();
        for (d, p) in idx.iter().enumerate() {
            let (code, label) = &cats[d].1[*p];
            row.push(label.clone());
            row.push(code.clone());
        }
        let status = status_at(i).unwrap_or_default();
        row.push(value_at(i).unwrap_or_else(|| status.clone()));
        row.push(status);
        w.write_record(&row).map_err(io)?;
        // Row-major: the last dimension varies fastest.
        for d in (0..idx.len()).rev() {
            idx[d] += 1;
            if idx[d] < sizes[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    w.flush()
        .map_err(|e| JsonStatError(format!("cannot write the table: {e}")))?;
    Ok(total as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_major_labels_codes_and_missing_values() {
        let doc = br#"{"class":"dataset","id":["Year","Sex"],"size":[2,2],
          "dimension":{"Year":{"label":"Year","category":{"index":["2022","2023"]}},
                       "Sex":{"label":"Sex","category":{"index":{"M":0,"F":1},"label":{"M":"Male","F":"Female"}}}},
          "value":[1,2,null,4],"status":{"2":".."}}"#;
        let mut out = Vec::new();
        assert_eq!(jsonstat2_to_csv(doc, &mut out).unwrap(), 4);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "Year,Year code,Sex,Sex code,value,status\n2022,2022,Male,M,1,\n2022,2022,Female,F,2,\n2023,2023,Male,M,..,..\n2023,2023,Female,F,4,\n"
        );
    }

    #[test]
    fn refuses_what_is_not_a_dataset() {
        let e = jsonstat2_to_csv(br#"{"class":"collection"}"#, &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("json-stat2"), "{e}");
    }
}
