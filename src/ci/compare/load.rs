//! Reading the two sides of a comparison, and what makes them hard to compare.

use std::path::Path;

use serde_json::Value;

use super::CompareError;
use crate::figures::{Style, Unit, show};
use crate::results::{Machine, Results, TransportResult, readable};

/// A results directory (its `results.json`) or a results.json path, checked for its schema
/// before it is read as a record, so that a wrong file is named as such.
pub fn load(path: &Path) -> Result<Results, CompareError> {
    // A record names its transports: an entry point of the library, it installs them.
    crate::transport::install();
    let file = if path.is_dir() {
        path.join("results.json")
    } else {
        path.to_owned()
    };
    if !file.exists() {
        return Err(CompareError::Missing { path: file });
    }
    let text = std::fs::read_to_string(&file).map_err(|error| CompareError::Read {
        path: file.clone(),
        error,
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|error| CompareError::NotJson {
        path: file.clone(),
        error,
    })?;
    let schema = match value.get("schema") {
        Some(Value::String(schema)) if readable(schema) => schema.clone(),
        Some(other) => {
            let found = format!("{other}");
            return Err(CompareError::WrongSchema { path: file, found });
        }
        None => {
            let found = "missing (no `schema` field)".to_string();
            return Err(CompareError::WrongSchema { path: file, found });
        }
    };
    serde_json::from_value(value).map_err(|error| CompareError::Malformed {
        path: file,
        schema,
        error,
    })
}

/// What differs between the machines that measured the two sides (host, CPU model,
/// kernel, cores), in words; `None` when they are one machine. A timed figure measured on
/// two machines says more about the machines than about the change.
pub fn machines_differ(baseline: &Results, current: &Results) -> Option<String> {
    let (b, c) = (&baseline.machine, &current.machine);
    let cores = |m: &Machine| show(m.cores.map(|c| c as f64), Unit::Count, Style::Text);
    let differing: Vec<String> = [
        ("host", b.hostname.clone(), c.hostname.clone()),
        ("CPU", b.cpu_model.clone(), c.cpu_model.clone()),
        ("kernel", b.kernel.clone(), c.kernel.clone()),
        ("cores", cores(b), cores(c)),
    ]
    .into_iter()
    // One boot of one machine: only where both records name theirs (older ones do not).
    .chain(
        b.boot_id
            .clone()
            .zip(c.boot_id.clone())
            .map(|(before, after)| ("boot", short(&before), short(&after))),
    )
    .filter(|(_, before, after)| before != after)
    .map(|(what, before, after)| format!("{what} {} against {}", known(&before), known(&after)))
    .collect();
    (!differing.is_empty()).then(|| differing.join(", "))
}

/// Cores of other work by which two entries' conditions may differ before their timed
/// figures stop comparing: other work inflates CPU per event and latency alike (caches,
/// run queues, the hypervisor's steal), and no number of rounds in one session sees it.
pub const OTHER_WORK_CORES: f64 = 0.25;

/// Why two entries' timed figures do not compare when the rest of the machine was busier
/// on one side than the other (`cpu.others_cores`, median of the rounds), or `None`.
pub fn other_work_differs(baseline: &TransportResult, current: &TransportResult) -> Option<String> {
    let (b, c) = (baseline.cpu.others_cores?, current.cpu.others_cores?);
    ((b - c).abs() > OTHER_WORK_CORES).then(|| {
        format!(
            "a timed figure does not compare when the machine's other work differed: {b:.2} \
             against {c:.2} cores beside the server and load generator (baseline, current)"
        )
    })
}

/// A boot id's first 8 hex digits: enough to tell two boots apart in a sentence.
fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

fn known(text: &str) -> &str {
    if text.is_empty() { "unknown" } else { text }
}

/// Differences that make absolute figures hard to compare.
pub fn notes(baseline: &Results, current: &Results) -> Vec<String> {
    let mut notes = Vec::new();
    let mut differing = Vec::new();
    differences(&baseline.scenario, &current.scenario, "", &mut differing);
    if !differing.is_empty() {
        notes.push(format!(
            "the scenarios differ in {}: the workloads are not the same",
            differing.join(", ")
        ));
    }
    if let Some(differ) = machines_differ(baseline, current) {
        notes.push(format!(
            "measured on different machines ({differ}): counted figures (bytes per event, \
             loss) are compared, timed ones (latency, CPU, memory) skipped; to gate those, \
             make the baseline on the machine the comparison runs on (wsbench baseline)"
        ));
    }
    for (side, run) in [("baseline", baseline), ("current", current)] {
        if !run.complete {
            notes.push(format!("the {side} run is incomplete"));
        }
    }
    notes
}

/// Paths (`clients.count`) whose values differ between two scenarios as run. A key only
/// one side has was added by a later version (its value then was the default): it is not a
/// difference of workload, and is not named.
fn differences(a: &Value, b: &Value, prefix: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().filter(|k| y.contains_key(*k)).collect();
            keys.sort();
            for key in keys {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                differences(&x[key], &y[key], &path, out);
            }
        }
        _ if a != b => out.push(if prefix.is_empty() {
            "the whole".into()
        } else {
            prefix.into()
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::fixture::{entry, results};

    #[test]
    fn differing_scenarios_machines_and_incomplete_runs_are_noted() {
        let baseline = results(vec![entry("ws", 1.0, 1.0, 0)]);
        assert_eq!(notes(&baseline, &baseline), Vec::<String>::new());
        let mut current = baseline.clone();
        current.scenario = serde_json::json!({"name": "other", "clients": {"count": 60}});
        current.machine.cores = Some(4);
        current.machine.cpu_model = "EPYC".into();
        current.complete = false;
        assert_eq!(
            notes(&baseline, &current),
            vec![
                "the scenarios differ in name: the workloads are not the same",
                "measured on different machines (CPU unknown against EPYC, cores 2 against 4): \
                 counted figures (bytes per event, loss) are compared, timed ones (latency, \
                 CPU, memory) skipped; to gate those, make the baseline on the machine the \
                 comparison runs on (wsbench baseline)",
                "the current run is incomplete",
            ]
        );
        let mut a = baseline.clone();
        a.scenario = serde_json::json!({"clients": {"count": 50, "ramp": "1s"}, "duration": "5s"});
        let mut b = a.clone();
        b.scenario["clients"]["count"] = 60.into();
        b.scenario["duration"] = "10s".into();
        // A key only one side has came with a later version: not a difference.
        b.scenario["drain_limit"] = "10s".into();
        assert_eq!(
            notes(&a, &b),
            vec!["the scenarios differ in clients.count, duration: the workloads are not the same"]
        );
    }
}
