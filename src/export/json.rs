//! `results.json`: the whole record, the contract scripts read (schema `wsbench.results.v3`).

use super::{ExportError, Exporter};
use crate::results::Results;

pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn file_name(&self) -> &str {
        "results.json"
    }

    fn serialize(&self, results: &Results) -> Result<Vec<u8>, ExportError> {
        let mut bytes = serde_json::to_vec_pretty(results)?;
        // Text files end with a newline; `cat` and diff tools expect one.
        bytes.push(b'\n');
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixture;

    #[test]
    fn pretty_json_that_reads_back_the_same() {
        let results = fixture::results();
        let bytes = JsonExporter.serialize(&results).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("{\n  \"schema\": \"wsbench.results.v3\",\n"));
        assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
        let back: Results = serde_json::from_str(&text).unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&results).unwrap()
        );
        assert_eq!(back.transports[0].events.lost, Some(10));
    }
}
