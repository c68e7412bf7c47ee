//! What a valid scenario must also be to run: something to measure in the run (an event,
//! a message, a poll), and messages its transports can carry.

use std::time::Duration;

use super::{FrontierPoint, Sweep, SweepParameter};
use crate::feed::FeedSpec;
use crate::issue::Issue;
use crate::transport_kind::{Transport, TransportSettings};
use crate::units::{MAX_DURATION, format_duration as show, thousands};

/// Checks what the run needs of the feed (`clients` of it, or of each sweep point) over
/// `transports` with their settings, for the warm-up and the window.
pub(super) fn check(
    feed: &FeedSpec,
    (transports, settings): (&[Transport], &TransportSettings),
    clients: u64,
    (sweep, frontier): (Option<&Sweep>, &[FrontierPoint]),
    run: (Duration, Duration),
) -> Result<(), Issue> {
    check_event_rate(feed, clients, sweep, run)?;
    check_first_requests(transports, settings, (sweep, frontier), run)?;
    check_message_size(feed, transports)
}

/// The values a sweep of `parameter` puts in place, by index; `None`: not swept.
fn swept(
    sweep: Option<&Sweep>,
    parameter: SweepParameter,
) -> Option<impl Iterator<Item = (usize, f64)>> {
    sweep
        .filter(|s| s.parameter == parameter)
        .map(|s| s.values.iter().copied().enumerate())
}

/// `every` as a message says it: whole milliseconds, or more than the longest duration.
fn show_every(every: Option<Duration>) -> String {
    match every.filter(|every| *every <= MAX_DURATION) {
        Some(every) => show(Duration::from_millis(every.as_millis().max(1) as u64)),
        None => format!("more than {}", show(MAX_DURATION)),
    }
}

/// What a refusal says of the run: `longer than the run (warmup 0s + duration 1s = 1s)`.
fn longer_than((warmup, duration): (Duration, Duration)) -> String {
    format!(
        "longer than the run (warmup {} + duration {} = {})",
        show(warmup),
        show(duration),
        show(warmup + duration)
    )
}

/// Each point of the run must be able to see an event: a feed whose events come further
/// apart than the warm-up and the window last would measure nothing. Its rate is a
/// schedule's (`feed.rate`, or a rate sweep's value), or every client's sends together.
fn check_event_rate(
    feed: &FeedSpec,
    clients: u64,
    sweep: Option<&Sweep>,
    (warmup, duration): (Duration, Duration),
) -> Result<(), Issue> {
    let run = warmup + duration;
    let run_s = run.as_secs_f64();
    // Each point: its key, its events per second over the feed, and what the message says
    // of it and of the least that would do.
    let mut points = Vec::new();
    let scheduled = |key: String, rate: f64| {
        let what = format!("at {rate} events per second an event comes");
        let least = format!("{} events per second", round_up(1.0 / run_s));
        (key, rate, what, least, "event")
    };
    if let Some(rate) = feed.rate() {
        match swept(sweep, SweepParameter::Rate) {
            Some(values) => {
                points.extend(values.map(|(i, rate)| scheduled(format!("sweep.rate[{i}]"), rate)))
            }
            None => points.push(scheduled("feed.rate".into(), rate)),
        }
    }
    if let Some(plan) = feed.sends() {
        let sends = |key: String, count: u64| {
            let what = format!(
                "{count} clients at {} messages per second each send a message between them",
                plan.rate
            );
            let least = format!(
                "{} messages per second each",
                round_up(1.0 / (run_s * count as f64))
            );
            (key, plan.rate * count as f64, what, least, "message")
        };
        match swept(sweep, SweepParameter::Clients) {
            Some(values) => points.extend(
                values.map(|(i, count)| sends(format!("sweep.clients[{i}]"), count as u64)),
            ),
            None => points.push(sends("feed.send_rate".into(), clients)),
        }
    }
    match points.into_iter().find(|(_, rate, ..)| rate * run_s < 1.0) {
        None => Ok(()),
        Some((key, rate, what, least, noun)) => Err(Issue::new(
            key,
            format!(
                "{what} every {}, {}: no {noun} would fall in it; use at least {least}, or a \
                 longer run",
                show_every(Duration::try_from_secs_f64(1.0 / rate).ok()),
                longer_than((warmup, duration)),
            ),
        )),
    }
}

/// A transport whose clients ask first at a random point of a span (a poll, of its
/// interval) needs that span to fit the run: with a longer one most clients would never
/// ask, and the run would find none connected.
fn check_first_requests(
    transports: &[Transport],
    settings: &TransportSettings,
    (sweep, frontier): (Option<&Sweep>, &[FrontierPoint]),
    (warmup, duration): (Duration, Duration),
) -> Result<(), Issue> {
    // Each point the run measures: the file's settings, or each swept value in place, and
    // each `[frontier]` value in place.
    let mut points: Vec<(Option<String>, TransportSettings)> =
        match swept(sweep, SweepParameter::PollInterval) {
            Some(values) => values
                .map(|(i, s)| {
                    let mut point = settings.clone();
                    let name = SweepParameter::PollInterval.name();
                    point.set_flat(name, Duration::from_secs_f64(s));
                    (Some(format!("sweep.{name}[{i}]")), point)
                })
                .collect(),
            None => vec![(None, settings.clone())],
        };
    points.extend(
        super::frontier::settings_at_points(frontier, settings)
            .into_iter()
            .map(|(key, at)| (Some(key), at)),
    );
    let too_long = points.iter().find_map(|(key, point)| {
        transports.iter().find_map(|&t| {
            let (setting, span) = t.kind().first_request_within(point.of(t))?;
            let key = key
                .clone()
                .unwrap_or_else(|| format!("transport.{t}.{}", setting.key));
            (span > warmup + duration).then_some((key, t, span))
        })
    });
    match too_long {
        None => Ok(()),
        Some((key, transport, span)) => Err(Issue::new(
            key,
            format!(
                "`{transport}` clients ask first at a random point of their first {}, which \
                 is {}: most would never ask; use at most {}, or a longer run",
                show(span),
                longer_than((warmup, duration)),
                show(warmup + duration)
            ),
        )),
    }
}

/// `x` rounded up to three significant digits, for a message.
fn round_up(x: f64) -> String {
    let decimals = (2 - x.log10().floor() as i32).max(0);
    let scale = 10f64.powi(decimals);
    let text = format!("{:.*}", decimals as usize, (x * scale).ceil() / scale);
    match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => text,
    }
}

/// A client's message must fit every transport it goes over: a WebSocket message beyond
/// the limit would cut its connection, every time.
fn check_message_size(feed: &FeedSpec, transports: &[Transport]) -> Result<(), Issue> {
    let Some(plan) = feed.sends() else {
        return Ok(());
    };
    let bytes = plan.message_bytes();
    let over = transports.iter().find_map(|t| {
        t.kind()
            .max_message()
            .filter(|&limit| bytes > limit)
            .map(|limit| (t, limit))
    });
    match over {
        None => Ok(()),
        Some((transport, limit)) => Err(Issue::new(
            plan.size_key(),
            format!(
                "{} bytes and the message's JSON around them, {} bytes in all, exceed the {} \
                 bytes of the largest `{transport}` message (each would cut its connection); \
                 at most {} fit",
                plan.text_bytes,
                thousands(bytes as u64),
                thousands(limit as u64),
                thousands((limit - (bytes - plan.text_bytes)) as u64)
            ),
        )),
    }
}
