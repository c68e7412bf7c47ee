//! `wsbench merge DIR... --out DIR`: the shards of one run added into the run. Counts and
//! bytes sum, histograms add (the merged one is the histogram of all the samples, to the
//! bit), each process's CPU is its own: the shards' generators sum, the one server they
//! shared is read once. Every figure is then computed from the sums by the run's own code
//! (`RawEntry::figures`), so no percentile or ratio is ever averaged.

use std::path::{Path, PathBuf};

use super::agree::{check, check_out, names, window_difference};
use super::record::{FORMAT, RawEntry, SHARD_FILE, ShardRecord};
use crate::client::Recorder;
use crate::figures::figure_warnings;
use crate::metrics::cpu::CpuSample;
use crate::metrics::probe::{Answer, ProbeAnswers, Segments};
use crate::output::{OutputDir, OutputError};
use crate::results::{Events, PublishedSource, Results};
use crate::scenario::Scenario;

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    /// Shards that are not parts of one run; the message names the directories.
    #[error("{0}")]
    Refused(String),
    /// `--out` names a shard's own directory.
    #[error(
        "--out {} is the shard directory {}: merging there would replace that shard's files; \
         choose another --out (a directory inside a shard's is fine)",
        out.display(), shard.display()
    )]
    OutIsShard { out: PathBuf, shard: PathBuf },
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
}

impl MergeError {
    /// Bad input, or an --out another run holds: exit status 2 (else writing failed: 3).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            MergeError::Read { .. }
                | MergeError::Refused(_)
                | MergeError::OutIsShard { .. }
                | MergeError::Output(OutputError::InUse(_))
        )
    }
}

pub(super) struct Shard {
    pub dir: PathBuf,
    pub record: ShardRecord,
    pub results: Results,
}

/// Merges the shards in `dirs` into `out` (a results directory like a run's); returns it.
pub fn merge(dirs: &[PathBuf], out: &Path, force: bool) -> Result<Results, MergeError> {
    // The shards' records name transports: a library user that starts here has them.
    crate::transport::install();
    check_out(dirs, out)?;
    let mut shards = dirs
        .iter()
        .map(|dir| load(dir))
        .collect::<Result<Vec<_>, _>>()?;
    check(&mut shards)?;
    let first = &shards[0];
    let scenario: Scenario = serde_json::from_value(first.record.scenario.clone())
        .map_err(|e| read_error(&first.dir.join(SHARD_FILE), format!("scenario: {e}")))?;
    let points = scenario.sweep_points();
    let external = first.record.target.is_some();
    let mut results = first.results.clone();
    results.transports.clear();
    results.assertions.clear();
    results.complete = shards.iter().all(|s| s.results.complete);
    results.finished_at = shards
        .iter()
        .filter_map(|s| s.results.finished_at.clone())
        .max();
    results.warnings.push(format!(
        "merged from {} shards by wsbench merge: {}",
        shards.len(),
        names(shards.iter())
    ));
    let mut logs = Vec::new();
    for k in 0..first.record.entries.len() {
        let merged = merge_entry(&shards, k)?;
        let point = points
            .iter()
            .find(|(value, _)| *value == merged.sweep_value)
            .map_or(&scenario, |(_, s)| s);
        let mut result = merged.figures(point, external, None);
        crate::calibrate::apply(&mut result, results.calibration.as_ref());
        result.sweep_value = merged.sweep_value;
        result.histogram_log = Some(merged.log_name.clone());
        results.warnings.extend(figure_warnings(&result));
        results.transports.push(result);
        let hlog =
            crate::export::hlog::interval_log(merged.started_unix_s, &merged.recorder.timeline)?;
        logs.push((merged.log_name.clone(), hlog));
    }
    if results.complete {
        results.assertions = crate::ci::evaluate(&scenario.asserts, &results);
    }
    let dir = OutputDir::create(Some(out), &scenario.slug(), &results.started_at, force)?;
    dir.write(&results, &logs)?;
    dir.finish(&results)?;
    Ok(results)
}

fn read_error(path: &Path, reason: String) -> MergeError {
    MergeError::Read {
        path: path.to_owned(),
        reason,
    }
}

fn load(dir: &Path) -> Result<Shard, MergeError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| {
            let reason = match e.kind() {
                std::io::ErrorKind::NotFound if name == SHARD_FILE => {
                    "no shard record: not the results of a run with --shard or --window-start"
                        .to_string()
                }
                _ => e.to_string(),
            };
            read_error(&path, reason)
        })
    };
    let record: ShardRecord = serde_json::from_slice(&read(SHARD_FILE)?)
        .map_err(|e| read_error(&dir.join(SHARD_FILE), e.to_string()))?;
    if record.format != FORMAT {
        return Err(read_error(
            &dir.join(SHARD_FILE),
            format!("format {:?}, not {FORMAT:?}", record.format),
        ));
    }
    let results = serde_json::from_slice(&read("results.json")?)
        .map_err(|e| read_error(&dir.join("results.json"), e.to_string()))?;
    Ok(Shard {
        dir: dir.to_owned(),
        record,
        results,
    })
}

/// Entry `k` of every shard, added up.
fn merge_entry(shards: &[Shard], k: usize) -> Result<RawEntry, MergeError> {
    let raws: Vec<&RawEntry> = shards.iter().map(|s| &s.record.entries[k]).collect();
    let first = raws[0];
    for (shard, raw) in shards.iter().zip(&raws).skip(1) {
        // The same server window, or the shards did not measure the same events.
        let what = window_difference(
            (first.window_ns, first.stats.window.as_ref()),
            (raw.window_ns, raw.stats.window.as_ref()),
        );
        if let Some(what) = what {
            return Err(MergeError::Refused(format!(
                "{}: {} and {} {what}",
                first.log_name,
                shards[0].dir.display(),
                shard.dir.display(),
            )));
        }
    }
    let sum = |f: fn(&RawEntry) -> u64| raws.iter().map(|r| f(r)).sum::<u64>();
    let pair = |f: fn(&RawEntry) -> (u64, u64)| {
        raws.iter()
            .map(|r| f(r))
            .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
    };
    let recorder = add_recorders(raws.iter().map(|r| &r.recorder));
    let mut drain = first.drain.clone();
    drain.unread_bytes = raws
        .iter()
        .map(|r| r.drain.unread_bytes)
        .sum::<Option<u64>>();
    Ok(RawEntry {
        log_name: first.log_name.clone(),
        transport: first.transport,
        sweep_value: first.sweep_value,
        ids: (
            raws.iter().map(|r| r.ids.0).min().unwrap_or(0),
            raws.iter().map(|r| r.ids.1).max().unwrap_or(0),
        ),
        connected: sum(|r| r.connected),
        threads: raws.iter().map(|r| r.threads).sum(),
        window_ns: first.window_ns,
        window_s: first.window_s,
        window_start_s: first.window_start_s,
        window_seconds: (
            raws.iter().map(|r| r.window_seconds.0).min().unwrap_or(0),
            raws.iter().map(|r| r.window_seconds.1).max().unwrap_or(0),
        ),
        started_unix_s: first.started_unix_s,
        server_addr: first.server_addr.clone(),
        header_profile: first.header_profile.clone(),
        window_bytes: [pair(|r| r.window_bytes[0]), pair(|r| r.window_bytes[1])],
        run_bytes: pair(|r| r.run_bytes),
        stats: first.stats.clone(),
        window_counted_by: first.window_counted_by,
        emitted: first.emitted,
        final_state: first.final_state.clone(),
        probes: merge_probes(shards, &raws),
        drain,
        events: sum_events(raws.iter().map(|r| &r.events)),
        event_reasons: first.event_reasons.clone(),
        recorder,
    })
}

/// Each process's own: the generators' CPU and sockets' segments sum over the shards; the
/// server's CPU, memory and counters are the one server every shard read over the same
/// window, taken from the first shard (summing them would count it N times).
fn merge_probes(shards: &[Shard], raws: &[&RawEntry]) -> ProbeAnswers {
    let first = &raws[0].probes;
    let add_cpu = |a: CpuSample, b: CpuSample| CpuSample {
        total_ns: a.total_ns + b.total_ns,
        user_s: a.user_s + b.user_s,
        system_s: a.system_s + b.system_s,
    };
    let add_segments = |a: Segments, b: Segments| Segments {
        sent: a.sent + b.sent,
        received: a.received + b.received,
    };
    ProbeAnswers {
        client_cpu: sum_answers(shards, raws.iter().map(|r| &r.probes.client_cpu), add_cpu),
        segments: sum_answers(
            shards,
            raws.iter().map(|r| &r.probes.segments),
            add_segments,
        ),
        ..first.clone()
    }
}

/// The sum of every shard's answer, or the first shard's reason for having none.
fn sum_answers<'a, T: Clone + 'a>(
    shards: &[Shard],
    answers: impl Iterator<Item = &'a Answer<T>>,
    add: impl Fn(T, T) -> T,
) -> Answer<T> {
    let mut total: Option<T> = None;
    for (shard, answer) in shards.iter().zip(answers) {
        match answer {
            Ok(value) => {
                total = Some(match total {
                    None => value.clone(),
                    Some(sum) => add(sum, value.clone()),
                })
            }
            Err(error) => {
                let mut error = error.clone();
                let (crate::metrics::probe::ProbeError::Absent(reason)
                | crate::metrics::probe::ProbeError::Failed(reason)) = &mut error;
                *reason = format!("shard {}: {reason}", shard.record.shard);
                return Err(error);
            }
        }
    }
    Ok(total.expect("at least one shard"))
}

/// Sums over disjoint clients judged against the same window: exactly the sums one
/// process would have made over all of them. `published` is the window's, not a sum,
/// unless the clients published it themselves (an echo's messages): then each shard's
/// clients published their own.
fn sum_events<'a>(events: impl Iterator<Item = &'a Events>) -> Events {
    let events: Vec<&Events> = events.collect();
    let total = |f: fn(&Events) -> Option<u64>| events.iter().map(|e| f(e)).sum::<Option<u64>>();
    let published_source = events[0].published_source;
    Events {
        published: match published_source {
            PublishedSource::Clients => total(|e| e.published),
            _ => events[0].published,
        },
        expected: total(|e| e.expected),
        delivered: events.iter().map(|e| e.delivered).sum(),
        lost: total(|e| e.lost),
        unread_at_stop: total(|e| e.unread_at_stop),
        duplicated: total(|e| e.duplicated),
        out_of_order: total(|e| e.out_of_order),
        coalesced: total(|e| e.coalesced),
        received_in_window: events.iter().map(|e| e.received_in_window).sum(),
        published_source,
    }
}

/// The shards' recorders added as one process adds its workers'.
fn add_recorders<'a>(recorders: impl Iterator<Item = &'a Recorder>) -> Recorder {
    let mut sum = Recorder::default();
    for recorder in recorders {
        sum.merge(recorder);
    }
    sum
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::metrics::histogram_codec::encode;
    use crate::metrics::latency;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Samples dealt to shards at random, each shard's recorder through its record's
        /// JSON and back, added: the histogram of all the samples, to the bit.
        #[test]
        fn merged_histograms_are_those_of_all_samples(
            samples in prop::collection::vec((1u64..120_000_000, 0usize..5, 0u64..4), 1..400),
            shards in 1usize..5,
        ) {
            let mut whole = Recorder::default();
            let mut parts: Vec<Recorder> = (0..shards).map(|_| Recorder::default()).collect();
            for &(value_us, to, second) in &samples {
                for recorder in [&mut whole, &mut parts[to % shards]] {
                    latency::record(&mut recorder.latency, value_us);
                    latency::record(&mut recorder.generator_delay, value_us / 7);
                    recorder.timeline.record(second, value_us);
                    recorder.received_in_window += 1;
                }
            }
            let read_back: Vec<Recorder> = parts
                .iter()
                .map(|r| serde_json::from_slice(&serde_json::to_vec(r).unwrap()).unwrap())
                .collect();
            let merged = add_recorders(read_back.iter());
            // What one process makes of the same clients: its workers' recorders, added.
            let one_process = add_recorders(parts.iter());
            prop_assert!(merged.latency == whole.latency);
            prop_assert_eq!(encode(&merged.latency).unwrap(), encode(&whole.latency).unwrap());
            prop_assert_eq!(
                encode(&merged.generator_delay).unwrap(),
                encode(&whole.generator_delay).unwrap()
            );
            prop_assert_eq!(merged.received_in_window, samples.len() as u64);
            // Per-second histograms grow to fit their values, so their encoded bounds
            // depend on how they grew: every count equals the whole's, and the encoding
            // equals one process's.
            let seconds = |r: &Recorder| {
                r.timeline
                    .iter()
                    .map(|(s, h)| (s, encode(h).unwrap()))
                    .collect::<Vec<_>>()
            };
            prop_assert_eq!(seconds(&merged), seconds(&one_process));
            let whole_seconds: Vec<_> = whole.timeline.iter().collect();
            let merged_seconds: Vec<_> = merged.timeline.iter().collect();
            prop_assert_eq!(whole_seconds.len(), merged_seconds.len());
            for ((a, ours), (b, theirs)) in merged_seconds.iter().zip(&whole_seconds) {
                prop_assert_eq!(a, b);
                prop_assert!(ours == theirs, "second {}", a);
            }
        }
    }

    #[test]
    fn events_sum_over_shards_but_the_window_is_counted_once() {
        let shard = |delivered, lost| Events {
            published: Some(40),
            expected: Some(40 * 4),
            delivered,
            lost: Some(lost),
            unread_at_stop: Some(0),
            duplicated: Some(0),
            out_of_order: Some(1),
            coalesced: Some(0),
            received_in_window: delivered,
            published_source: PublishedSource::TargetStats,
        };
        let (a, b) = (shard(160, 0), shard(150, 10));
        let sum = sum_events([&a, &b].into_iter());
        assert_eq!(sum.published, Some(40));
        assert_eq!(sum.expected, Some(320));
        assert_eq!(
            (sum.delivered, sum.lost, sum.out_of_order),
            (310, Some(10), Some(2))
        );
        let unknown = Events {
            lost: None,
            ..shard(150, 0)
        };
        assert_eq!(sum_events([&a, &unknown].into_iter()).lost, None);
    }
}
