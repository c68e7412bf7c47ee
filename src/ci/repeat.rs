//! `--repeat N`: each transport runs N times, interleaved (A B C A B C) so that drift on a
//! shared machine hits every transport alike, and the figures reported are medians, with
//! the min and max of the headline metrics beside them.

use serde_json::{Map, Value};

use crate::results::TransportResult;
use crate::transport_kind::Transport;

/// Metrics whose rounds go into `spread` (each round's value, and their min and max): what
/// `wsbench compare` can test for a change beyond the noise.
pub const HEADLINE_METRICS: [&str; 7] = [
    "latency_us.p50",
    "latency_us.p99",
    "bytes.per_event",
    "cpu.server_us_per_event",
    "cpu.client_us_per_event",
    "cpu.floor_multiple",
    "memory.server_rss_per_conn_bytes",
];

/// The order of a repeated run: every transport once per round, rounds numbered from 1.
pub fn interleaved_order(transports: &[Transport], n: u32) -> Vec<(Transport, u32)> {
    (1..=n)
        .flat_map(|round| transports.iter().map(move |&t| (t, round)))
        .collect()
}

/// One entry from N runs of the same transport: the median of every numeric field, found
/// through the JSON form so that fields added later are covered too. An even count takes
/// the mean of the middle two, rounded half away from zero for integer fields. Arrays of
/// equal length (the percentile curve) are merged element by element; a figure not
/// measured (`null`) in some runs is the median of the others, `null` if none measured
/// it. Arrays whose lengths differ (a timeline a second longer), strings and booleans come
/// from the first run, but for the load generator's saturation: a majority of rounds.
/// With more than one run, `spread` holds each headline metric's rounds (the runs that
/// measured it, in round order), their min and their max.
/// No runs give an empty (default) entry.
pub fn median(runs: &[TransportResult]) -> TransportResult {
    let Some(first) = runs.first() else {
        return TransportResult::default();
    };
    if runs.len() == 1 {
        return first.clone();
    }
    let values: Vec<Value> = runs
        .iter()
        .filter_map(|r| serde_json::to_value(r).ok())
        .collect();
    let merged = merge(&values.iter().collect::<Vec<_>>());
    // Merging keeps every field's type (integers stay integers), so this cannot fail on a
    // record that serialised; the first run is the fallback rather than a panic.
    let mut result: TransportResult =
        serde_json::from_value(merged).unwrap_or_else(|_| first.clone());
    result.spread = Some(spread(runs));
    // A figure is null only where no run measured it; its reason is the first such run's.
    let reasons = result
        .null_figures()
        .into_iter()
        .filter_map(|path| {
            let why = runs.iter().find_map(|r| r.not_measured_reason(&path))?;
            Some((path, why.to_string()))
        })
        .collect();
    result.not_measured = result.fold_reasons(reasons);
    judge_saturation(&mut result, runs);
    result
}

/// The medians stand for most rounds, so the entry counts as saturated when most of its
/// rounds were, with their reasons; one marginal round of five (its generator a few polls
/// late while the machine was busy) is left to the medians, and said as a warning where
/// the round ended.
fn judge_saturation(result: &mut TransportResult, runs: &[TransportResult]) {
    let saturated: Vec<&TransportResult> = runs.iter().filter(|r| r.generator_saturated).collect();
    result.generator_saturated = saturated.len() * 2 > runs.len();
    result.generator_saturation = if result.generator_saturated {
        let mut reasons: Vec<String> = Vec::new();
        for reason in saturated.iter().flat_map(|r| &r.generator_saturation) {
            if !reasons.contains(reason) {
                reasons.push(reason.clone());
            }
        }
        let rounds = format!("in {} of {} rounds", saturated.len(), runs.len());
        reasons.iter().map(|r| format!("{r} ({rounds})")).collect()
    } else {
        Vec::new()
    };
}

fn merge(values: &[&Value]) -> Value {
    let present: Vec<&Value> = values.iter().copied().filter(|v| !v.is_null()).collect();
    let Some(first) = present.first() else {
        return Value::Null;
    };
    match first {
        Value::Number(_) => median_number(&present),
        Value::Object(_) => {
            let mut out = Map::new();
            for value in &present {
                for key in value.as_object().into_iter().flat_map(|m| m.keys()) {
                    if !out.contains_key(key) {
                        let children: Vec<&Value> =
                            present.iter().filter_map(|v| v.get(key)).collect();
                        out.insert(key.clone(), merge(&children));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items)
            if present
                .iter()
                .all(|v| v.as_array().is_some_and(|a| a.len() == items.len())) =>
        {
            let merged =
                (0..items.len()).map(|i| merge(&present.iter().map(|v| &v[i]).collect::<Vec<_>>()));
            Value::Array(merged.collect())
        }
        other => (*other).clone(),
    }
}

fn median_number(values: &[&Value]) -> Value {
    let mut numbers: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
    numbers.sort_by(f64::total_cmp);
    let n = numbers.len();
    let middle = if n % 2 == 1 {
        numbers[n / 2]
    } else {
        (numbers[n / 2 - 1] + numbers[n / 2]) / 2.0
    };
    if values.iter().all(|v| v.is_u64()) {
        Value::from(middle.round() as u64)
    } else if values.iter().all(|v| v.is_i64()) {
        Value::from(middle.round() as i64)
    } else {
        Value::from(middle)
    }
}

fn spread(runs: &[TransportResult]) -> Map<String, Value> {
    let mut spread = Map::new();
    for metric in HEADLINE_METRICS {
        let values: Vec<f64> = runs.iter().filter_map(|r| r.metric(metric)).collect();
        let min = values.iter().copied().reduce(f64::min);
        let max = values.iter().copied().reduce(f64::max);
        if let (Some(min), Some(max)) = (min, max) {
            spread.insert(
                metric.to_string(),
                serde_json::json!({"min": min, "max": max, "values": values}),
            );
        }
    }
    spread
}

#[cfg(test)]
mod tests;
