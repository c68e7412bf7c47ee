//! Whether results directories are the shards of one run: the same wsbench, scenario,
//! windows, shard count and target, every index once, the same entries, the same events
//! in each window; and whether `--out` stands apart from them. A refusal names the
//! directories and what differs.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::merge::{MergeError, Shard};
use crate::wire::WindowStats;

/// Refuses an `--out` that is one of the shards' directories, under any name (a symlink,
/// `..`): the merge would replace that shard's files, and with --force remove its record.
/// A directory inside a shard's, or holding one, is accepted: a results directory's files
/// are its own and its `charts/`'s, never a subdirectory's.
pub(super) fn check_out(dirs: &[PathBuf], out: &Path) -> Result<(), MergeError> {
    let identity = |dir: &Path| std::fs::metadata(dir).map(|m| (m.dev(), m.ino())).ok();
    // An --out not made yet is no shard's.
    let Some(out_id) = identity(out) else {
        return Ok(());
    };
    match dirs.iter().find(|dir| identity(dir) == Some(out_id)) {
        Some(shard) => Err(MergeError::OutIsShard {
            out: out.to_owned(),
            shard: shard.clone(),
        }),
        None => Ok(()),
    }
}

/// What two shards' records of one entry's window disagree on, or `None`: the same
/// instants on the clock, and the same window as the target told it.
pub(super) fn window_difference(
    (ns_a, a): ((u64, u64), Option<&WindowStats>),
    (ns_b, b): ((u64, u64), Option<&WindowStats>),
) -> Option<String> {
    if ns_a != ns_b {
        let span = |(from, to): (u64, u64)| format!("{} to {}", rfc3339(from), rfc3339(to));
        return Some(format!(
            "measured different windows ({} and {})",
            span(ns_a),
            span(ns_b)
        ));
    }
    if a == b {
        return None;
    }
    let told = |w: Option<&WindowStats>| w.map_or("no window".into(), WindowStats::published);
    let what = match (a, b) {
        (Some(x), Some(y)) if x.same_events(y) => {
            // The same events; something else the target said of them differs.
            let json = |w: &WindowStats| serde_json::to_value(w).unwrap_or_default();
            let (x, y) = (json(x), json(y));
            let (key, x, y) = first_difference(&x, &y, "window");
            let show = |v: Option<&serde_json::Value>| v.map_or("absent".into(), |v| v.to_string());
            format!("{key} {} and {}", show(x), show(y))
        }
        _ => format!("published {} and {}", told(a), told(b)),
    };
    Some(format!("were told different windows by the target: {what}"))
}

pub(super) fn names<'a>(shards: impl Iterator<Item = &'a Shard>) -> String {
    shards
        .map(|s| s.dir.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses shards that are not the parts of one run, naming the directories; sorts them
/// by index.
pub(super) fn check(shards: &mut [Shard]) -> Result<(), MergeError> {
    let refuse = |text: String| Err(MergeError::Refused(text));
    let Some(first) = shards.first() else {
        return refuse("nothing to merge: name the shards' results directories".into());
    };
    let one = |s: &Shard| s.dir.display().to_string();
    for other in &shards[1..] {
        let (a, b) = (&first.record, &other.record);
        let why = if a.wsbench_version != b.wsbench_version {
            format!(
                "were written by wsbench {} and {}",
                a.wsbench_version, b.wsbench_version
            )
        } else if a.scenario != b.scenario {
            format!(
                "ran different scenarios ({})",
                first_difference(&a.scenario, &b.scenario, "scenario").0
            )
        } else if a.window_start_ns != b.window_start_ns {
            format!(
                "measured different windows (--window-start {} and {})",
                rfc3339(a.window_start_ns),
                rfc3339(b.window_start_ns)
            )
        } else if a.shard.count != b.shard.count {
            format!(
                "are parts of {} and of {} shards",
                a.shard.count, b.shard.count
            )
        } else if a.target != b.target {
            format!(
                "measured different targets ({} and {})",
                a.target.as_deref().unwrap_or("none"),
                b.target.as_deref().unwrap_or("none")
            )
        } else {
            continue;
        };
        return refuse(format!("{} and {} {why}", one(first), one(other)));
    }
    shards.sort_by_key(|s| s.record.shard.index);
    for pair in shards.windows(2) {
        if pair[0].record.shard.index == pair[1].record.shard.index {
            return refuse(format!(
                "{} and {} are both shard {}",
                one(&pair[0]),
                one(&pair[1]),
                pair[0].record.shard
            ));
        }
    }
    let count = shards[0].record.shard.count;
    let missing: Vec<String> = (0..count)
        .filter(|i| !shards.iter().any(|s| s.record.shard.index == *i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return refuse(format!(
            "shard {} missing: {} hold {} of {count}",
            missing.join(", "),
            names(shards.iter()),
            shards.len()
        ));
    }
    let entries = |s: &Shard| {
        s.record
            .entries
            .iter()
            .map(|e| e.log_name.clone())
            .collect::<Vec<_>>()
    };
    for other in &shards[1..] {
        if entries(other) != entries(&shards[0]) {
            return refuse(format!(
                "{} measured {} but {} measured {} (a shard stopped early?)",
                one(&shards[0]),
                entries(&shards[0]).join(", "),
                one(other),
                entries(other).join(", ")
            ));
        }
    }
    Ok(())
}

fn rfc3339(ns: u64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns);
    humantime::format_rfc3339_nanos(at).to_string()
}

/// The first key at which two JSON values differ, like `scenario.clients.count`, and the
/// values there (`None` where one has no such key).
fn first_difference<'a>(
    a: &'a serde_json::Value,
    b: &'a serde_json::Value,
    path: &str,
) -> (
    String,
    Option<&'a serde_json::Value>,
    Option<&'a serde_json::Value>,
) {
    use serde_json::Value::Object;
    if let (Object(a), Object(b)) = (a, b) {
        for (key, value) in a {
            match b.get(key) {
                Some(other) if other == value => continue,
                Some(other) => return first_difference(value, other, &format!("{path}.{key}")),
                None => return (format!("{path}.{key}"), Some(value), None),
            }
        }
        if let Some((key, value)) = b.iter().find(|(k, _)| !a.contains_key(*k)) {
            return (format!("{path}.{key}"), None, Some(value));
        }
    }
    (path.to_string(), Some(a), Some(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_difference_between_scenarios_is_named() {
        let a = serde_json::json!({"clients": {"count": 50, "ramp": 1}, "seed": 42});
        let b = serde_json::json!({"clients": {"count": 60, "ramp": 1}, "seed": 42});
        assert_eq!(
            first_difference(&a, &b, "scenario"),
            (
                "scenario.clients.count".into(),
                Some(&serde_json::json!(50)),
                Some(&serde_json::json!(60))
            )
        );
        assert_eq!(first_difference(&a, &a, "scenario").0, "scenario");
    }

    #[test]
    fn a_window_that_differs_is_named_by_what_differs_with_both_values() {
        let ns = (1_000_000_000, 3_500_000_000);
        let sixty = WindowStats::counted(11, 70, 60, 0, 0);
        let same = window_difference((ns, Some(&sixty)), (ns, Some(&sixty.clone())));
        assert_eq!(same, None);
        // The same events, told apart by their lateness: no Debug text, no equal values.
        let late = WindowStats::counted(11, 70, 60, 2, 900);
        assert_eq!(
            window_difference((ns, Some(&sixty)), (ns, Some(&late))).unwrap(),
            "were told different windows by the target: window.late_events 0 and 2"
        );
        let shifted = WindowStats::counted(12, 71, 60, 0, 0);
        assert_eq!(
            window_difference((ns, Some(&sixty)), (ns, Some(&shifted))).unwrap(),
            "were told different windows by the target: published seq 11 to 70 (60 events) \
             and seq 12 to 71 (60 events)"
        );
        let unknown = WindowStats {
            events: None,
            ..WindowStats::counted(11, 70, 0, 0, 0)
        };
        assert_eq!(
            window_difference((ns, None), (ns, Some(&unknown))).unwrap(),
            "were told different windows by the target: published no window and seq 11 to 70 \
             (unknown events)"
        );
        let later = (ns.0 + 1_000_000, ns.1 + 1_000_000);
        assert_eq!(
            window_difference((ns, Some(&sixty)), (later, Some(&sixty))).unwrap(),
            "measured different windows (1970-01-01T00:00:01.000000000Z to 1970-01-01T00:00:03.500000000Z \
             and 1970-01-01T00:00:01.001000000Z to 1970-01-01T00:00:03.501000000Z)"
        );
    }
}
