//! One transport, measured: a fresh server, clients ramped, warm-up, the window, a drain.

use std::net::IpAddr;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::time::Instant;

use hdrhistogram::Histogram;

use super::observe::RunObserver;
use super::shard::{RawEntry, Slot, instant_at};
use super::{RunError, workers};
use crate::client::{Phase, Plan, Recorder, RunControl, request_headers};
use crate::feed::{Semantics, wall_clock_ns};
use crate::figures::{figure_warnings, publisher_warning, source_warnings};
use crate::metrics::probe::{ProbeAnswers, Probes};
use crate::metrics::receive_stamp::StampingOn;
use crate::results::*;
use crate::scenario::Scenario;
use crate::signals::StopSignals;
use crate::transport_kind::{RequestStyle, Transport};
use crate::under_test::{Target, TargetError};

/// How long to wait for every client to connect, beyond the ramp.
const CONNECT_GRACE: Duration = Duration::from_secs(15);

/// A transport's figures and its histogram log intervals.
pub struct Measured {
    pub result: TransportResult,
    pub hlog: Vec<u8>,
    pub warnings: Vec<String>,
    /// What the clients counted, raw, for a shard's record.
    pub raw: RawEntry,
}

/// Which of the run's clients this process drives, from which address, and when: the
/// whole run at once, or a shard's part on the schedule the shards share.
#[derive(Debug, Clone)]
pub struct Part {
    pub ids: Range<u64>,
    pub slot: Option<Slot>,
    pub bind: Option<IpAddr>,
}

impl Part {
    /// Every client of `scenario`, as soon as the target is ready.
    pub fn whole(scenario: &Scenario) -> Self {
        Self {
            ids: 0..scenario.clients.count,
            slot: None,
            bind: None,
        }
    }
}

/// Measures one transport against a fresh target. A stop signal or the target's death
/// ends it early; either way the clients and the target are stopped before it returns.
pub async fn measure<T: Target>(
    scenario: &Scenario,
    transport: Transport,
    launch: &T::Launch,
    part: &Part,
    observer: &dyn RunObserver,
    signals: &StopSignals,
) -> Result<Measured, RunError> {
    let target = tokio::select! {
        biased;
        which = signals.wait() => return Err(RunError::Stopped(which)),
        target = T::start(launch, scenario) => target?,
    };
    let probes = target.probes();
    let outcome = async {
        target.check(transport).await?;
        let measured = drive(scenario, transport, part, &target, &probes, observer).await?;
        target.judge(&measured.result)?;
        Ok(measured)
    };
    let outcome = tokio::select! {
        biased;
        which = signals.wait() => Err(RunError::Stopped(which)),
        died = target.died(transport.name()) => Err(died.into()),
        outcome = outcome => outcome,
    };
    // A request that failed because the target died is told as the death.
    let outcome = match outcome {
        Err(RunError::UnderTest(TargetError::Control { .. }) | RunError::Clients(_)) => {
            match tokio::time::timeout(Duration::from_millis(500), target.died(transport.name()))
                .await
            {
                Ok(died) => Err(died.into()),
                Err(_) => outcome,
            }
        }
        other => other,
    };
    observer.transport_ended();
    target.stop().await;
    outcome
}

async fn drive(
    scenario: &Scenario,
    transport: Transport,
    part: &Part,
    target: &impl Target,
    probes: &Probes,
    observer: &dyn RunObserver,
) -> Result<Measured, RunError> {
    let clients = part.ids.end - part.ids.start;
    let mut warnings = Vec::new();
    // Switched on before the clients connect (and the sleep gives the kernel its moment), so
    // their first events are stamped. A kernel that refuses is told by every client socket.
    let _stamping = StampingOn::new().ok();
    tokio::time::sleep(Duration::from_millis(100)).await;
    if let Some(slot) = &part.slot {
        slot.wait_for_begin(transport)
            .await
            .map_err(RunError::Schedule)?;
    }
    let rss_idle = probes.server_memory.read().map(|rss| rss.current);
    let control = RunControl::new();
    // However `drive` ends (finished, or dropped on a signal), its clients stop.
    let _stop_clients = StopOnDrop(control.clone());
    let started_unix_s = wall_clock_ns() as f64 / 1e9;
    let dialect = target.dialect();
    let path = dialect.path(transport).ok_or_else(|| {
        RunError::Clients(format!(
            "the {} dialect has no {transport} transport",
            dialect.name()
        ))
    })?;
    let plan = Plan {
        transport,
        side: crate::transport::client_side(transport),
        dialect,
        path,
        addr: target.addr(),
        headers: request_headers(
            scenario.clients.headers,
            transport.kind().request_style(),
            &target.addr().to_string(),
            scenario.clients.cookie_bytes,
        ),
        settings: scenario.transport.of(transport).clone(),
        key_field: scenario.feed.state_key_field(),
        seed: scenario.seed,
        sockets: probes.sockets.clone(),
        feed: scenario.feed.clone(),
        clients: scenario.clients.count,
        // What a page's `fetch()` sends, as its polls do.
        publish_headers: request_headers(
            scenario.clients.headers,
            RequestStyle::PAGE_FETCH,
            &target.addr().to_string(),
            scenario.clients.cookie_bytes,
        ),
        bind: part.bind,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = workers::start(
        plan,
        control.clone(),
        part.ids.clone(),
        scenario.clients.ramp,
        threads,
    )
    .map_err(|e| RunError::Clients(format!("cannot start client threads: {e}")))?;

    // Ramp: until every client is connected, or the grace period (on a schedule, the
    // window) is over.
    let deadline = match &part.slot {
        Some(slot) => instant_at(slot.window_start_ns),
        None => Instant::now() + scenario.clients.ramp + CONNECT_GRACE,
    };
    observer.phase(Phase::Connecting, &control, clients);
    while control.connected.load(Relaxed) < clients && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        observer.tick(&control, clients);
    }
    let connected = control.connected.load(Relaxed);
    if connected == 0 {
        control.stop();
        let _ = tokio::task::spawn_blocking(move || workers.join()).await;
        return Err(RunError::Clients(format!(
            "no {transport} client could connect to {} within {}s",
            target.addr(),
            (scenario.clients.ramp + CONNECT_GRACE).as_secs()
        )));
    }
    if connected < clients {
        warnings.push(format!(
            "{transport}: only {connected} of {clients} clients connected"
        ));
    }

    control.start_warm_up();
    observer.phase(Phase::WarmUp, &control, clients);
    let warmup = match &part.slot {
        Some(slot) => instant_at(slot.window_start_ns) - Instant::now(),
        None => scenario.warmup,
    };
    sleep_observed(warmup, observer, &control, clients).await;
    let rss_connected = probes.server_memory.read().map(|rss| rss.current);

    let cpu_window = probes.open_window();
    let bytes0 = control.bytes.snapshot();
    let window_started = Instant::now();
    // On a schedule the window is the schedule's, to the ns, in every shard alike.
    let window_start_ns = part.slot.map_or_else(wall_clock_ns, |s| s.window_start_ns);
    control.start_window(window_start_ns);
    // The server counts the window's events exactly, however long the window lasts.
    target.mark_window_start(window_start_ns).await?;
    observer.phase(Phase::Measuring, &control, clients);
    let duration = match &part.slot {
        Some(slot) => instant_at(slot.window_end_ns) - Instant::now(),
        None => scenario.duration,
    };
    sleep_observed(duration, observer, &control, clients).await;
    // The window's figures are read together, before anything else happens.
    let bytes1 = control.bytes.snapshot();
    let (server_cpu, client_cpu) = cpu_window.close(probes);
    let (window_s, window_end_ns) = match &part.slot {
        Some(slot) => (
            (slot.window_end_ns - slot.window_start_ns) as f64 / 1e9,
            slot.window_end_ns,
        ),
        None => (window_started.elapsed().as_secs_f64(), wall_clock_ns()),
    };
    control.end_window(window_end_ns);
    let window_seconds = window_started.duration_since(control.started).as_secs()
        ..Instant::now().duration_since(control.started).as_secs() + 1;
    // No event is published after the window, so the drain only delivers what is in flight.
    target.stop_publishing().await?;

    observer.phase(Phase::Draining, &control, clients);
    let drain = super::drain::drain(
        scenario, transport, target, probes, observer, &control, clients,
    )
    .await?;
    control.stop();
    let output = tokio::task::spawn_blocking(move || workers.join())
        .await
        .map_err(|e| RunError::Clients(format!("a client worker failed: {e}")))?;
    // Their counts are missing: figures without them would blame the transport for our bug.
    if output.panicked > 0 {
        return Err(RunError::Clients(format!(
            "{} of {clients} {transport} clients ended in a panic, a wsbench bug (the panic \
             is on stderr); their counts are missing, so this entry's figures would not be true",
            output.panicked
        )));
    }

    let (window_start_ns, _) = control.window_ns();
    let stats = target.stats(window_start_ns, window_end_ns).await?;
    let window = (window_start_ns, window_end_ns);
    if let Some(what) = super::disturbance::disturbed(stats.control.as_ref(), window) {
        return Err(RunError::Disturbed {
            transport: transport.name().into(),
            what,
        });
    }
    warnings.extend(super::disturbance::refused_warning(
        stats.control.as_ref(),
        transport.name(),
    ));
    // After the clients closed: a stream per connection ends with its connection.
    let emitted = target.emitted(window_start_ns, window_end_ns).await?;
    let final_state = match scenario.feed.semantics() {
        Semantics::State => Some(target.final_state(scenario.feed.state_key_field()).await?),
        Semantics::Events => None,
    };
    let rss_peak = probes.server_memory.read().map(|rss| rss.peak);

    let server_bytes = probes.server_counters.bytes(&stats, transport.name());
    let mut raw = RawEntry {
        log_name: String::new(),
        transport,
        sweep_value: None,
        ids: (part.ids.start, part.ids.end),
        connected,
        threads,
        window_ns: (window_start_ns, window_end_ns),
        window_s,
        window_start_s: Some(window_started.duration_since(control.started).as_secs_f64()),
        window_seconds: (window_seconds.start, window_seconds.end),
        started_unix_s,
        server_addr: Some(target.addr().to_string()),
        header_profile: scenario.clients.headers.name().into(),
        window_bytes: [bytes0, bytes1],
        run_bytes: control.bytes.snapshot(),
        final_state,
        window_counted_by: target.window_counted_by(),
        emitted,
        probes: ProbeAnswers {
            rss_idle,
            rss_connected,
            rss_peak,
            server_cpu,
            client_cpu,
            segments: output.recorder.segments.answer(),
            server_bytes,
        },
        drain,
        events: Default::default(),
        event_reasons: Default::default(),
        stats,
        recorder: output.recorder,
    };
    let result = raw.figures(scenario, target.external(), Some(&output.tallies));
    raw.events = result.events.clone();
    raw.event_reasons = result
        .not_measured
        .iter()
        .filter(|(path, _)| path.split('.').next() == Some("events"))
        .map(|(path, reason)| (path.clone(), reason.clone()))
        .collect();
    let stats = &raw.stats;
    warnings.extend(figure_warnings(&result));
    let scheduled = scenario.feed.rate().is_some();
    warnings.extend(publisher_warning(stats, transport, scheduled));
    warnings.extend(source_warnings(stats, transport));
    let hlog = histogram_log(started_unix_s, &raw.recorder)?;
    Ok(Measured {
        result,
        hlog,
        warnings,
        raw,
    })
}

/// The entry's per-second latency histograms as an HdrHistogram interval log.
pub(super) fn histogram_log(started_unix_s: f64, recorder: &Recorder) -> Result<Vec<u8>, RunError> {
    let intervals: Vec<(f64, f64, &Histogram<u64>)> = recorder
        .timeline
        .iter()
        .map(|(second, histogram)| (second as f64, 1.0, histogram))
        .collect();
    let mut out = Vec::new();
    crate::export::hlog::write_interval_log(&mut out, started_unix_s, &intervals)?;
    Ok(out)
}

struct StopOnDrop(Arc<RunControl>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

pub(super) async fn sleep_observed(
    span: Duration,
    observer: &dyn RunObserver,
    control: &Arc<RunControl>,
    clients: u64,
) {
    let end = Instant::now() + span;
    while Instant::now() < end {
        tokio::time::sleep_until((Instant::now() + Duration::from_millis(250)).min(end)).await;
        observer.tick(control, clients);
    }
}
