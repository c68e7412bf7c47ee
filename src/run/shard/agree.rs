//! Whether results directories are the shards of one run: the same wsbench, scenario,
//! windows, shard count and target, every index once, the same entries. A refusal names
//! the directories and what differs.

use super::merge::{MergeError, Shard};

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
                first_difference(&a.scenario, &b.scenario, "scenario")
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

/// The first key at which two JSON values differ, like `scenario.clients.count`.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> String {
    use serde_json::Value::Object;
    if let (Object(a), Object(b)) = (a, b) {
        for (key, value) in a {
            match b.get(key) {
                Some(other) if other == value => continue,
                Some(other) => return first_difference(value, other, &format!("{path}.{key}")),
                None => return format!("{path}.{key}"),
            }
        }
        if let Some(key) = b.keys().find(|k| !a.contains_key(*k)) {
            return format!("{path}.{key}");
        }
    }
    path.to_string()
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
            "scenario.clients.count"
        );
        assert_eq!(first_difference(&a, &a, "scenario"), "scenario");
    }
}
