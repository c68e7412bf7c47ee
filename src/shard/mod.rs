//! Sharded runs: `--shard i/N` runs the i-th of N equal parts of a run's clients, keeping
//! the ids, seeds and ramp offsets they have in the whole run, and `wsbench merge` adds the
//! shards' raw records into the run they are parts of. Shards never talk to each other:
//! they agree on each window by the wall clock (`--window-start`, see `Schedule`).

mod agree;
mod merge;
mod record;
mod schedule;

use std::ops::Range;

pub use merge::{MergeError, merge};
pub use record::{FORMAT, RawEntry, SHARD_FILE, ShardRecord};
pub use schedule::{Schedule, Slot, instant_at, parse_window_start};

/// The environment variable Kubernetes sets in each pod of an Indexed Job.
pub const INDEX_ENV: &str = "JOB_COMPLETION_INDEX";

/// Bad `--shard`, `--shard-from-env` or `--window-start` input, naming the flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("--shard {given}: expected INDEX/COUNT, like 0/3 (the first of three)")]
    Syntax { given: String },
    #[error("--shard {given}: the count must be at least 1")]
    NoShards { given: String },
    #[error("--shard {given}: the index must be below the count (0 to {last})", last = .count - 1)]
    IndexTooHigh { given: String, count: u64 },
    #[error(
        "--shard-from-env {count}: ${INDEX_ENV} {problem} (Kubernetes sets it in each pod of a \
         Job with completionMode: Indexed)"
    )]
    Env { count: u64, problem: String },
    #[error(
        "--shard {index}/{count}: the run's {clients} clients cannot be split into {count} parts \
         of at least one client each; use at most {clients} shards"
    )]
    TooFewClients {
        index: u64,
        count: u64,
        clients: u64,
    },
    #[error(
        "--shard {index}/{count} needs --window-start: shards agree on their windows by the \
         clock, not by talking to each other"
    )]
    NoWindowStart { index: u64, count: u64 },
    #[error(
        "--shard {index}/{count} needs --target URL: the shards share one server (start it \
         with `wsbench serve`), or each would measure a server of its own"
    )]
    NoTarget { index: u64, count: u64 },
    #[error("--window-start needs --target URL: a run's own server starts per transport")]
    WindowWithoutTarget,
    #[error(
        "--window-start {given}: expected a UTC instant in RFC 3339, like 2026-12-02T17:00:00Z \
         (fractions of a second allowed)"
    )]
    WindowStart { given: String },
    #[error("--window-start and --repeat {repeat}: a scheduled run measures each entry once")]
    Repeat { repeat: u32 },
}

/// The i-th of N equal parts of a run's clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShardSpec {
    pub index: u64,
    pub count: u64,
}

impl ShardSpec {
    /// The whole run, as one shard.
    pub const WHOLE: ShardSpec = ShardSpec { index: 0, count: 1 };

    /// `INDEX/COUNT`, like `0/3`.
    pub fn parse(given: &str) -> Result<Self, ShardError> {
        let syntax = || ShardError::Syntax {
            given: given.into(),
        };
        let (index, count) = given.trim().split_once('/').ok_or_else(syntax)?;
        let index: u64 = index.trim().parse().map_err(|_| syntax())?;
        let count: u64 = count.trim().parse().map_err(|_| syntax())?;
        Self::new(index, count, given)
    }

    /// The index from `$JOB_COMPLETION_INDEX` (as a pod of an Indexed Job has it), of `count`.
    pub fn from_env(count: u64) -> Result<Self, ShardError> {
        Self::from_index_value(std::env::var(INDEX_ENV).ok().as_deref(), count)
    }

    fn from_index_value(value: Option<&str>, count: u64) -> Result<Self, ShardError> {
        let env = |problem: String| ShardError::Env { count, problem };
        let value = value.ok_or_else(|| env("is not set".into()))?;
        let index = value
            .trim()
            .parse()
            .map_err(|_| env(format!("is {value:?}, not a whole number")))?;
        Self::new(index, count, &format!("{value}/{count}"))
    }

    fn new(index: u64, count: u64, given: &str) -> Result<Self, ShardError> {
        if count == 0 {
            return Err(ShardError::NoShards {
                given: given.into(),
            });
        }
        if index >= count {
            return Err(ShardError::IndexTooHigh {
                given: given.into(),
                count,
            });
        }
        Ok(Self { index, count })
    }

    /// This shard's client ids among the run's `clients`: the contiguous i-th part, sized
    /// within one of the others'.
    pub fn clients(&self, clients: u64) -> Range<u64> {
        let at = |part: u64| (clients as u128 * part as u128 / self.count as u128) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// The most clients this shard holds at once, over entries of `counts` clients each:
    /// what its process needs open files for.
    pub fn most_clients(&self, counts: impl IntoIterator<Item = u64>) -> u64 {
        counts
            .into_iter()
            .map(|clients| self.clients(clients).count() as u64)
            .max()
            .unwrap_or(1)
    }

    /// Every shard must get a client, at the smallest client count of the run.
    pub fn check_clients(&self, clients: u64) -> Result<(), ShardError> {
        match clients >= self.count {
            true => Ok(()),
            false => Err(ShardError::TooFewClients {
                index: self.index,
                count: self.count,
                clients,
            }),
        }
    }
}

/// Whether the shard and schedule flags fit together, and with the fewest clients of any
/// entry of the run.
pub fn check_flags(
    shard: Option<ShardSpec>,
    window_start: bool,
    target: bool,
    repeat: Option<u32>,
    fewest_clients: u64,
) -> Result<(), ShardError> {
    if let Some(spec) = shard.filter(|s| s.count > 1) {
        let (index, count) = (spec.index, spec.count);
        if !target {
            return Err(ShardError::NoTarget { index, count });
        }
        if !window_start {
            return Err(ShardError::NoWindowStart { index, count });
        }
        spec.check_clients(fewest_clients)?;
    }
    if window_start {
        if !target {
            return Err(ShardError::WindowWithoutTarget);
        }
        if let Some(repeat) = repeat.filter(|r| *r > 1) {
            return Err(ShardError::Repeat { repeat });
        }
    }
    Ok(())
}

/// A shard's results directory is named by its shard (and, by the caller, its window's
/// start), so that the shards of one run sort together: `ticker-shard-1of3-20261202T170000Z`.
pub fn dir_slug(slug: &str, shard: Option<ShardSpec>) -> String {
    match shard {
        Some(spec) if spec.count > 1 => format!("{slug}-shard-{}of{}", spec.index, spec.count),
        _ => slug.to_string(),
    }
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(given: &str) -> String {
        ShardSpec::parse(given).unwrap_err().to_string()
    }

    #[test]
    fn a_shard_needs_open_files_for_its_own_part_only() {
        let shard = ShardSpec { index: 7, count: 8 };
        assert_eq!(shard.most_clients([1_000, 100_000, 10_000]), 12_500);
        assert_eq!(ShardSpec::WHOLE.most_clients([1_000, 100_000]), 100_000);
    }

    #[test]
    fn shards_parse_and_bad_ones_name_the_flag() {
        assert_eq!(
            ShardSpec::parse("2/3").unwrap(),
            ShardSpec { index: 2, count: 3 }
        );
        assert_eq!(
            error("3/3"),
            "--shard 3/3: the index must be below the count (0 to 2)"
        );
        assert_eq!(error("0/0"), "--shard 0/0: the count must be at least 1");
        assert_eq!(
            error("1-3"),
            "--shard 1-3: expected INDEX/COUNT, like 0/3 (the first of three)"
        );
        assert_eq!(
            error("-1/3"),
            "--shard -1/3: expected INDEX/COUNT, like 0/3 (the first of three)"
        );
    }

    #[test]
    fn the_index_comes_from_the_job_completion_index() {
        assert_eq!(
            ShardSpec::from_index_value(Some("1"), 3).unwrap(),
            ShardSpec { index: 1, count: 3 }
        );
        assert_eq!(
            ShardSpec::from_index_value(None, 3)
                .unwrap_err()
                .to_string(),
            "--shard-from-env 3: $JOB_COMPLETION_INDEX is not set (Kubernetes sets it in each \
             pod of a Job with completionMode: Indexed)"
        );
        assert_eq!(
            ShardSpec::from_index_value(Some("x"), 3)
                .unwrap_err()
                .to_string(),
            "--shard-from-env 3: $JOB_COMPLETION_INDEX is \"x\", not a whole number (Kubernetes \
             sets it in each pod of a Job with completionMode: Indexed)"
        );
        assert_eq!(
            ShardSpec::from_index_value(Some("3"), 3)
                .unwrap_err()
                .to_string(),
            "--shard 3/3: the index must be below the count (0 to 2)"
        );
    }

    #[test]
    fn parts_cover_every_client_once_and_differ_by_at_most_one() {
        for clients in [3u64, 10, 50, 100_001] {
            for count in 1..=clients.min(7) {
                let parts: Vec<Range<u64>> = (0..count)
                    .map(|index| ShardSpec { index, count }.clients(clients))
                    .collect();
                assert_eq!(parts[0].start, 0);
                assert_eq!(parts[count as usize - 1].end, clients);
                for pair in parts.windows(2) {
                    assert_eq!(pair[0].end, pair[1].start);
                }
                let sizes: Vec<u64> = parts.iter().map(|p| p.end - p.start).collect();
                let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(
                    max - min <= 1 && *min >= 1,
                    "{clients} over {count}: {sizes:?}"
                );
            }
        }
        assert_eq!(
            ShardSpec { index: 0, count: 4 }
                .check_clients(3)
                .unwrap_err()
                .to_string(),
            "--shard 0/4: the run's 3 clients cannot be split into 4 parts of at least one \
             client each; use at most 3 shards"
        );
    }
}
