//! What a run leaves on stdout when it is over: the table and the assertions, or with
//! `--json` the results record naming its directory.

use crate::results::Results;

/// Prints the run's summary on stdout at its end: the table, the assertions and where the
/// results are, or with `--json` the results record itself, naming its directory.
pub struct ConsoleSummary {
    pub json: bool,
    pub dir: std::path::PathBuf,
}

/// What `--json` prints: results.json's fields, then `results_dir`, which the file itself
/// does not hold (a results directory can be moved or committed as a baseline).
#[derive(serde::Serialize)]
struct Printed<'a> {
    #[serde(flatten)]
    results: &'a Results,
    /// The results directory as given (relative to the working directory unless `--out`
    /// was absolute), as the table's `results:` line names it.
    results_dir: String,
}

impl ConsoleSummary {
    /// The `--json` record, pretty and ending with a newline as results.json does.
    pub fn json_record(&self, results: &Results) -> serde_json::Result<String> {
        let printed = Printed {
            results,
            results_dir: self.dir.display().to_string(),
        };
        Ok(serde_json::to_string_pretty(&printed)? + "\n")
    }
}

impl super::observe::RunObserver for ConsoleSummary {
    fn finished(&self, results: &Results) {
        if self.json {
            match self.json_record(results) {
                Ok(text) => print!("{text}"),
                // Its results.json, written the same way, says the same; the run goes on.
                Err(error) => eprintln!("wsbench run: the summary on stdout: {error}"),
            }
        } else {
            print!("{}", super::table::render(results));
            print!("{}", crate::ci::render_text(&results.assertions));
            println!("results: {}", self.dir.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_record_is_results_json_with_its_directory() {
        use crate::export::Exporter;
        let results = crate::export::fixture::results();
        let summary = ConsoleSummary {
            json: true,
            dir: "results/ci \"x\"".into(),
        };
        let printed = summary.json_record(&results).unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&printed).unwrap();
        let dir = value.as_object_mut().unwrap().remove("results_dir");
        assert_eq!(dir, Some("results/ci \"x\"".into()));
        let file = crate::export::json::JsonExporter
            .serialize(&results)
            .unwrap();
        let file: serde_json::Value = serde_json::from_slice(&file).unwrap();
        assert_eq!(value, file);
        assert!(printed.starts_with("{\n  \"schema\": ") && printed.ends_with("\"\n}\n"));
    }
}
