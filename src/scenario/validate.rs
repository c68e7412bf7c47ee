//! Turns the file as written into a `Scenario`: defaults filled in, impossible values
//! refused with the key that holds them.

use std::time::Duration;

use super::raw::{self, RawScenario};
use super::*;
use crate::server::settings::{CONNECTIONS_MAX, memory_problem};
use crate::transport_kind::{RawTransports, Setting, Value};
use crate::units::{HumanDuration, thousands};

pub fn validate(raw: RawScenario) -> Result<Scenario, Issue> {
    let duration = raw.duration.map_or(Duration::from_secs(30), |d| d.0);
    if duration.is_zero() {
        return Err(Issue::new(
            "duration",
            "must be longer than 0s, like \"30s\"",
        ));
    }
    let warmup = raw.warmup.map_or(Duration::from_secs(3), |d| d.0);
    let feed_table = raw.feed.ok_or_else(|| {
        Issue::new(
            "feed",
            format!(
                "a [feed] table is required; kinds: {}",
                FeedSpec::kind_names()
            ),
        )
    })?;
    let feed = FeedSpec::from_table(&feed_table)?;
    let transports = feed_transports(&feed, raw.transports)?;
    if transports.is_empty() {
        return Err(Issue::new(
            "transports",
            format!(
                "lists no transport; accepted: {}",
                Transport::accepted_names()
            ),
        ));
    }
    if let Some(dup) = transports
        .iter()
        .enumerate()
        .find_map(|(i, t)| transports[..i].contains(t).then_some(t))
    {
        return Err(Issue::new("transports", format!("lists `{dup}` twice")));
    }
    if let Some(reference) = raw.reference.as_deref()
        && !REFERENCES.contains(&reference)
    {
        return Err(Issue::new(
            "reference",
            format!(
                "unknown reference `{reference}`; accepted: {}",
                REFERENCES.join(", ")
            ),
        ));
    }
    let clients = validate_clients(raw.clients)?;
    let transport = validate_transports(raw.transport.unwrap_or_default())?;
    let server = validate_server(raw.server)?;
    if server.processes > 1 && !feed.same_in_every_process() {
        return Err(Issue::new(
            "server.processes",
            format!(
                "must be 1 for the {} feed: only a feed published on a schedule to every \
                 client (ticker, tickets) is the same in every process, and clients spread \
                 over the processes must see one feed",
                feed.kind_name()
            ),
        ));
    }
    let sweep = raw.sweep.map(validate_sweep).transpose()?;
    let frontier = super::frontier::validate(raw.frontier, &transport, sweep.as_ref())?;
    let cpus = raw.cpus.map(validate_cpus).transpose()?;
    if let Some(sweep) = sweep
        .as_ref()
        .filter(|s| s.parameter == SweepParameter::Rate)
    {
        for (i, &rate) in sweep.values.iter().enumerate() {
            feed.with_rate(rate)
                .map_err(|issue| Issue::new(format!("sweep.rate[{i}]"), issue.message))?;
        }
    }
    super::runnable::check(
        &feed,
        (&transports, &transport),
        clients.count,
        (sweep.as_ref(), &frontier),
        (warmup, duration),
    )?;
    let drain_limit = raw.drain_limit.map_or(super::DEFAULT_DRAIN_LIMIT, |d| d.0);
    if let Some(drain) = raw.drain.as_ref().map(|d| d.0)
        && drain > drain_limit
    {
        return Err(Issue::new(
            "drain_limit",
            format!(
                "must be at least `drain` ({}), like \"{}\"",
                humantime::format_duration(drain),
                humantime::format_duration(drain.max(super::DEFAULT_DRAIN_LIMIT))
            ),
        ));
    }
    let asserts = raw
        .asserts
        .into_iter()
        .enumerate()
        .map(|(i, a)| validate_assert(i, a))
        .collect::<Result<_, _>>()?;
    Ok(Scenario {
        name: raw.name.unwrap_or_else(|| "scenario".into()),
        description: raw.description.unwrap_or_default(),
        duration,
        warmup,
        drain: raw.drain.map(|d| d.0),
        drain_limit,
        schedule_margin: raw
            .schedule_margin
            .map_or(super::DEFAULT_SCHEDULE_MARGIN, |d| d.0),
        seed: raw.seed.unwrap_or(1),
        reference: raw.reference,
        transports,
        feed,
        clients,
        transport,
        server,
        sweep,
        frontier,
        cpus,
        asserts,
        feed_stderr: None,
    })
}

fn validate_clients(raw: Option<raw::RawClients>) -> Result<Clients, Issue> {
    let count = raw.as_ref().and_then(|c| c.count).map_or(100, |c| c.0);
    let count = check_connections("clients.count", count, CLIENTS)?;
    let headers = match raw.as_ref().and_then(|c| c.headers.as_deref()) {
        None | Some("minimal") => HeaderProfile::Minimal,
        Some("browser") => HeaderProfile::Browser,
        Some(other) => {
            return Err(Issue::new(
                "clients.headers",
                format!("unknown header profile `{other}`; accepted: minimal, browser"),
            ));
        }
    };
    let cookie_bytes = raw
        .as_ref()
        .and_then(|c| c.cookie_bytes)
        .map_or(256, |c| c.0);
    let Some(cookie_bytes) = u64::try_from(cookie_bytes).ok().filter(|b| *b <= 4096) else {
        return Err(Issue::new(
            "clients.cookie_bytes",
            format!(
                "must be 0 to 4096 (browsers cap a cookie at 4096 bytes), found {}",
                thousands(cookie_bytes)
            ),
        ));
    };
    Ok(Clients {
        count,
        ramp: raw
            .as_ref()
            .and_then(|c| c.ramp)
            .map_or(Duration::from_secs(1), |d| d.0),
        headers,
        cookie_bytes,
    })
}

fn positive(
    key: &str,
    value: Option<crate::units::HumanDuration>,
    default: Duration,
) -> Result<Duration, Issue> {
    let value = value.map_or(default, |d| d.0);
    if value.is_zero() {
        return Err(Issue::new(
            key,
            "must be longer than 0s, like \"1s\" or \"250ms\"",
        ));
    }
    Ok(value)
}

/// The transports to run: those listed, or the defaults the feed can run over. A feed
/// that runs over some only (an echo, over those whose clients send on their socket)
/// refuses any other by name rather than skip it, so that a run never silently measures
/// less than it was asked to.
fn feed_transports(
    feed: &FeedSpec,
    listed: Option<Vec<Transport>>,
) -> Result<Vec<Transport>, Issue> {
    let allowed =
        |t: &Transport| !feed.sends_on_the_socket_it_reads() || t.kind().sends_on_its_socket();
    let Some(listed) = listed else {
        return Ok(Transport::defaults().into_iter().filter(allowed).collect());
    };
    match listed.iter().find(|t| !allowed(t)) {
        None => Ok(listed),
        Some(other) => {
            let over: Vec<_> = Transport::all()
                .iter()
                .filter(|t| allowed(t))
                .map(|t| t.name())
                .collect();
            Err(Issue::new(
                "transports",
                format!(
                    "feed kind `{}` runs over {} only: each client sends its messages on the \
                     socket it reads them back from; `{other}` does not apply",
                    feed.kind_name(),
                    over.join(", ")
                ),
            ))
        }
    }
}

/// Each transport's keys: of their kind (a duration longer than 0s unless the key takes
/// 0s), then what the transport itself accepts.
fn validate_transports(raw: RawTransports) -> Result<TransportSettings, Issue> {
    let mut settings = TransportSettings::default();
    for &transport in Transport::all() {
        for setting in transport.kind().settings() {
            let key = format!("transport.{transport}.{}", setting.key);
            let value = raw.get(transport, setting).unwrap_or(setting.default);
            let value = check_setting(&key, setting, value)?;
            settings.set(transport, setting.key, value);
        }
    }
    Ok(settings)
}

/// A transport setting's value, as its table or `[frontier]` gives it: of its kind, longer
/// than 0s unless 0s means something, and what the transport accepts.
pub(super) fn check_setting(key: &str, setting: &Setting, value: Value) -> Result<Value, Issue> {
    let value = match value {
        _ if !value.same_kind(setting.default) => {
            return Err(Issue::new(key, value.mismatch(setting.default)));
        }
        Value::Duration(d) if !setting.accepts_zero => {
            Value::Duration(positive(key, Some(HumanDuration(d)), Duration::ZERO)?)
        }
        other => other,
    };
    (setting.check)(value).map_err(|message| Issue::new(key, message))?;
    // A key whose own check has no lower bound still takes no negative number.
    if let Value::Number(n @ ..0) = value {
        return Err(Issue::new(key, format!("must be 0 or more, found {n}")));
    }
    Ok(value)
}

fn validate_server(raw: Option<raw::RawServer>) -> Result<ServerSettings, Issue> {
    let max_connections = raw
        .as_ref()
        .and_then(|s| s.max_connections)
        .map_or(100_000, |c| c.0);
    let max_lag = raw.as_ref().and_then(|s| s.max_lag).map_or(4096, |c| c.0);
    let history = raw
        .as_ref()
        .and_then(|s| s.history)
        .map_or(100_000, |c| c.0);
    let max_connections = check_connections(
        "server.max_connections",
        max_connections,
        "connections (each is a file descriptor, a C int)",
    )?;
    let window_log = raw.as_ref().and_then(|s| s.window_log).map(|c| c.0);
    for (key, value) in [
        ("max_lag", Some(max_lag)),
        ("history", Some(history)),
        ("window_log", window_log),
    ] {
        if let Some(problem) = value.and_then(|value| memory_problem(key, value)) {
            return Err(Issue::new(format!("server.{key}"), problem));
        }
    }
    // Each is 1 or more now: checked above.
    let [max_lag, history] = [max_lag, history].map(|v| v as u64);
    let window_log = window_log.map(|v| v as u64);
    let coalesce = raw
        .as_ref()
        .and_then(|s| s.coalesce)
        .map_or(Duration::ZERO, |d| d.0);
    check_coalesce(coalesce).map_err(|message| Issue::new("server.coalesce", message))?;
    let processes = raw.as_ref().and_then(|s| s.processes).map_or(1, |c| c.0);
    let Some(processes) = u64::try_from(processes)
        .ok()
        .filter(|p| (1..=PROCESSES_MAX).contains(p))
    else {
        return Err(Issue::new(
            "server.processes",
            format!(
                "must be 1 to {PROCESSES_MAX}, found {}",
                thousands(processes)
            ),
        ));
    };
    let head_timeout = deadline(
        "server.head_timeout",
        raw.as_ref().and_then(|s| s.head_timeout),
    )?;
    let body_timeout = deadline(
        "server.body_timeout",
        raw.as_ref().and_then(|s| s.body_timeout),
    )?;
    Ok(ServerSettings {
        max_connections,
        max_lag,
        history,
        window_log,
        stall_timeout: positive(
            "server.stall_timeout",
            raw.as_ref().and_then(|s| s.stall_timeout),
            Duration::from_secs(10),
        )?,
        coalesce,
        processes,
        head_timeout,
        body_timeout,
        topic_idle: positive(
            "server.topic_idle",
            raw.and_then(|s| s.topic_idle),
            crate::server::TOPIC_IDLE_DEFAULT,
        )?,
    })
}

/// A request's head or body deadline: above 0, at most `DEADLINE_MAX`.
fn deadline(key: &str, value: Option<HumanDuration>) -> Result<Duration, Issue> {
    let value = positive(key, value, DEFAULT_DEADLINE)?;
    if value > DEADLINE_MAX {
        return Err(Issue::new(
            key,
            format!(
                "must be at most {} (a client that sends nothing holds its connection this \
                 long), found {}",
                crate::units::format_duration(DEADLINE_MAX),
                crate::units::format_duration(value)
            ),
        ));
    }
    Ok(value)
}

/// Most server processes: each is a runtime and a publisher thread of its own.
pub const PROCESSES_MAX: u64 = 64;

/// The longest `server.coalesce`: every event may wait this long before it is written, so
/// beyond it the feed is no longer pushed as it happens.
pub const COALESCE_MAX: Duration = Duration::from_secs(1);

fn check_coalesce(delay: Duration) -> Result<(), String> {
    if delay > COALESCE_MAX {
        return Err(format!(
            "must be 0s (off) to {} (each event may wait this long before it is written), found {}",
            crate::units::format_duration(COALESCE_MAX),
            crate::units::format_duration(delay)
        ));
    }
    Ok(())
}

const CLIENTS: &str = "clients (each holds a connection, a file descriptor: a C int)";

/// A count of connections (`what`: their unit and why) that a process can hold: each is a
/// file descriptor. What this machine's open-files limit allows is checked when a run or
/// a server starts.
fn check_connections(key: &str, value: i128, what: &str) -> Result<u64, Issue> {
    if let Some(value) = u64::try_from(value)
        .ok()
        .filter(|v| (1..=CONNECTIONS_MAX).contains(v))
    {
        return Ok(value);
    }
    Err(Issue::new(
        key,
        format!(
            "must be 1 to {} {what}, found {}",
            thousands(CONNECTIONS_MAX),
            thousands(value)
        ),
    ))
}

fn validate_sweep(raw: raw::RawSweep) -> Result<Sweep, Issue> {
    let mut chosen = Vec::new();
    if let Some(values) = raw.clients {
        for (i, count) in values.iter().enumerate() {
            check_connections(&format!("sweep.clients[{i}]"), count.0, CLIENTS)?;
        }
        chosen.push((
            SweepParameter::Clients,
            values.iter().map(|c| c.0 as f64).collect(),
        ));
    }
    if let Some(values) = raw.rate {
        // Each rate is checked by the feed kind itself, once the feed is known.
        chosen.push((SweepParameter::Rate, values));
    }
    if let Some(values) = raw.poll_interval {
        // 0s is the closed loop, as for `transport.poll.interval`: the sweep's heaviest load.
        chosen.push((
            SweepParameter::PollInterval,
            values.iter().map(|d| d.0.as_secs_f64()).collect(),
        ));
    }
    if let Some(values) = raw.coalesce {
        for (i, delay) in values.iter().enumerate() {
            check_coalesce(delay.0)
                .map_err(|message| Issue::new(format!("sweep.coalesce[{i}]"), message))?;
        }
        chosen.push((
            SweepParameter::Coalesce,
            values.iter().map(|d| d.0.as_secs_f64() * 1e3).collect(),
        ));
    }
    match chosen.len() {
        1 => {
            let (parameter, values) = chosen.remove(0);
            if values.is_empty() {
                return Err(Issue::new("sweep", "the swept list is empty"));
            }
            Ok(Sweep { parameter, values })
        }
        0 => Err(Issue::new(
            "sweep",
            "names no parameter; accepted: clients, rate, poll_interval, coalesce",
        )),
        _ => Err(Issue::new(
            "sweep",
            "sweeps one parameter at a time; keep one of clients, rate, poll_interval, coalesce",
        )),
    }
}

fn validate_assert(index: usize, raw: raw::RawAssert) -> Result<AssertSpec, Issue> {
    let key = |field: &str| format!("assert[{index}].{field}");
    let transport = |field: &str, value: Option<String>| {
        value
            .map(|name| {
                name.parse::<Transport>()
                    .map_err(|e| Issue::new(key(field), e))
            })
            .transpose()
    };
    if let Err(message) = crate::results::check_metric_path(&raw.metric) {
        return Err(Issue::new(key("metric"), message));
    }
    let spec = AssertSpec {
        transport: transport("transport", raw.transport)?,
        relative_to: transport("relative_to", raw.relative_to)?,
        metric: raw.metric,
        min: raw.min,
        max: raw.max,
        min_ratio: raw.min_ratio,
        max_ratio: raw.max_ratio,
    };
    for (field, bound) in [
        ("min", spec.min),
        ("max", spec.max),
        ("min_ratio", spec.min_ratio),
        ("max_ratio", spec.max_ratio),
    ] {
        if bound.is_some_and(|b| !b.is_finite()) {
            return Err(Issue::new(
                key(field),
                format!(
                    "must be a finite number, found {}",
                    bound.unwrap_or_default()
                ),
            ));
        }
    }
    for (low, high, names) in [
        (spec.min, spec.max, ("min", "max")),
        (spec.min_ratio, spec.max_ratio, ("min_ratio", "max_ratio")),
    ] {
        if let (Some(low), Some(high)) = (low, high)
            && low > high
        {
            return Err(Issue::new(
                key(names.1),
                format!(
                    "must be at least {} ({low}), found {high}: no value could pass",
                    names.0
                ),
            ));
        }
    }
    let has_ratio = spec.min_ratio.is_some() || spec.max_ratio.is_some();
    let has_bound = spec.min.is_some() || spec.max.is_some();
    match (spec.relative_to.is_some(), has_ratio, has_bound) {
        (true, true, false) => {}
        (false, false, true) => {}
        (true, false, _) => {
            return Err(Issue::new(
                key("relative_to"),
                "needs min_ratio or max_ratio",
            ));
        }
        (false, true, _) => {
            let written = if spec.max_ratio.is_some() {
                "max_ratio"
            } else {
                "min_ratio"
            };
            return Err(Issue::new(
                key(written),
                "needs relative_to = \"<transport>\"",
            ));
        }
        (true, true, true) => {
            let written = if spec.max.is_some() { "max" } else { "min" };
            return Err(Issue::new(
                key(written),
                "use min_ratio/max_ratio with relative_to, not min/max",
            ));
        }
        (false, false, false) => {
            return Err(Issue::new(
                key("metric"),
                "needs a bound: min, max, or relative_to with min_ratio/max_ratio",
            ));
        }
    }
    if spec.relative_to.is_some() && spec.transport.is_none() {
        return Err(Issue::new(
            key("transport"),
            "a ratio needs the transport it is about",
        ));
    }
    Ok(spec)
}

/// Both CPU lists, usable on this machine and apart.
fn validate_cpus(raw: raw::RawCpus) -> Result<crate::placement::Placement, Issue> {
    use crate::placement::{Placement, available_cpus, parse_cpu_list};
    let list = |side: &str, value: Option<toml::Value>| {
        let key = format!("cpus.{side}");
        let text = match value {
            Some(toml::Value::String(text)) => text,
            Some(toml::Value::Integer(cpu)) => cpu.to_string(),
            Some(other) => {
                return Err(Issue::new(
                    key,
                    format!(
                        "expected a CPU list like \"0,2-3\", found {}",
                        other.type_str()
                    ),
                ));
            }
            None => return Err(Issue::new(key, "is required with the other side")),
        };
        parse_cpu_list(&text).map_err(|message| Issue::new(key, message))
    };
    let placement = Placement {
        server: list("server", raw.server)?,
        clients: list("clients", raw.clients)?,
    };
    let available = available_cpus().map_err(|e| Issue::new("cpus", e.to_string()))?;
    placement
        .check(&available)
        .map_err(|(side, message)| Issue::new(format!("cpus.{side}"), message))?;
    Ok(placement)
}
