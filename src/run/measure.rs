//! One transport, measured: a fresh server, clients ramped, warm-up, the window, a drain.

use std::time::Duration;

use super::RunError;
pub use super::phases::Part;
use super::phases::{Running, StopOnDrop, Window};
use super::workers::WorkerOutput;
use crate::client::Tally;
use crate::console::RunObserver;
use crate::feed::{Semantics, wall_clock_ns};
use crate::figures::{figure_warnings, publisher_warning, source_warnings};
use crate::metrics::probe::{Answer, ProbeAnswers, Probes, ServerBytes};
use crate::metrics::receive_stamp::StampingOn;
use crate::results::{Drain, TransportResult};
use crate::scenario::Scenario;
use crate::shard::RawEntry;
use crate::signals::StopSignals;
use crate::transport_kind::Transport;
use crate::under_test::{Target, TargetError};
use crate::wire::StatsReply;

/// A transport's figures and its histogram log intervals.
pub struct Measured {
    pub result: TransportResult,
    pub hlog: Vec<u8>,
    pub warnings: Vec<String>,
    /// What the clients counted, raw, for a shard's record.
    pub raw: RawEntry,
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

/// One entry's steps, against a started target: the clients through their phases, then
/// what the target says of the window, then the figures.
async fn drive(
    scenario: &Scenario,
    transport: Transport,
    part: &Part,
    target: &impl Target,
    probes: &Probes,
    observer: &dyn RunObserver,
) -> Result<Measured, RunError> {
    let gathered = gather(scenario, transport, part, target, probes, observer).await?;
    let mut warnings = Vec::new();
    if gathered.connected < gathered.clients {
        warnings.push(format!(
            "{transport}: only {} of {} clients connected",
            gathered.connected, gathered.clients
        ));
    }
    let told = told_by_target(
        scenario,
        transport,
        target,
        gathered.window.ns,
        &mut warnings,
    )
    .await?;
    let rss_peak = probes.server_memory.read().map(|rss| rss.peak);
    let server_bytes = probes.server_counters.bytes(&told.stats, transport.name());
    let (raw, tallies) = gathered.into_raw(scenario, part, target, told, (rss_peak, server_bytes));
    entry_figures(raw, scenario, target.external(), &tallies, warnings)
}

/// What one entry's clients gathered, phase by phase, before the target is asked.
struct Gathered {
    transport: Transport,
    started_unix_s: f64,
    rss_idle: Answer<u64>,
    rss_connected: Answer<u64>,
    connected: u64,
    clients: u64,
    threads: usize,
    window: Window,
    run_bytes: (u64, u64),
    drain: Drain,
    output: WorkerOutput,
}

/// The clients started, ramped, warmed up, through the window and the drain, and joined.
async fn gather(
    scenario: &Scenario,
    transport: Transport,
    part: &Part,
    target: &impl Target,
    probes: &Probes,
    observer: &dyn RunObserver,
) -> Result<Gathered, RunError> {
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
    let started_unix_s = wall_clock_ns() as f64 / 1e9;
    let running = Running::start(scenario, transport, part, target, probes)?;
    let _stop_clients = StopOnDrop(running.control.clone());
    let (running, connected) = running.ramp(scenario, part, target, observer).await?;
    running.warm_up(scenario, part, observer).await;
    let rss_connected = probes.server_memory.read().map(|rss| rss.current);
    let window = running
        .window(scenario, part, target, probes, observer)
        .await?;
    let (control, threads, clients) = (running.control.clone(), running.threads, running.clients);
    let (drain, output) = running.drain(scenario, target, probes, observer).await?;
    Ok(Gathered {
        transport,
        started_unix_s,
        rss_idle,
        rss_connected,
        connected,
        clients,
        threads,
        window,
        run_bytes: control.bytes.snapshot(),
        drain,
        output,
    })
}

impl Gathered {
    /// The entry's raw record (what a shard keeps), and each client's tally.
    fn into_raw(
        self,
        scenario: &Scenario,
        part: &Part,
        target: &impl Target,
        told: Told,
        (rss_peak, server_bytes): (Answer<u64>, Answer<ServerBytes>),
    ) -> (RawEntry, Vec<Tally>) {
        let raw = RawEntry {
            log_name: String::new(),
            transport: self.transport,
            sweep_value: None,
            ids: (part.ids.start, part.ids.end),
            connected: self.connected,
            threads: self.threads,
            window_ns: self.window.ns,
            window_s: self.window.seconds,
            window_start_s: Some(self.window.start_s),
            window_seconds: (self.window.timeline.start, self.window.timeline.end),
            started_unix_s: self.started_unix_s,
            server_addr: Some(target.addr().to_string()),
            header_profile: scenario.clients.headers.name().into(),
            window_bytes: self.window.bytes,
            run_bytes: self.run_bytes,
            final_state: told.final_state,
            window_counted_by: target.window_counted_by(),
            emitted: told.emitted,
            probes: ProbeAnswers {
                rss_idle: self.rss_idle,
                rss_connected: self.rss_connected,
                rss_peak,
                server_cpu: self.window.server_cpu,
                client_cpu: self.window.client_cpu,
                machine_cpu: self.window.machine_cpu,
                segments: self.output.recorder.segments.answer(),
                server_bytes,
            },
            drain: self.drain,
            events: Default::default(),
            event_reasons: Default::default(),
            stats: told.stats,
            recorder: self.output.recorder,
        };
        (raw, self.output.tallies)
    }
}

/// What the target says of the window, asked once the clients have closed (a stream per
/// connection ends with its connection): its counters and the events it published, what
/// each connection's own publisher wrote, and a state feed's final state. A window someone
/// else disturbed through the control plane fails the entry.
struct Told {
    stats: StatsReply,
    emitted: Option<crate::emit::Emitted>,
    final_state: Option<std::collections::HashMap<String, u64>>,
}

async fn told_by_target(
    scenario: &Scenario,
    transport: Transport,
    target: &impl Target,
    (from_ns, to_ns): (u64, u64),
    warnings: &mut Vec<String>,
) -> Result<Told, RunError> {
    let stats = target.stats(from_ns, to_ns).await?;
    if let Some(what) = super::disturbance::disturbed(stats.control.as_ref(), (from_ns, to_ns)) {
        return Err(RunError::Disturbed {
            transport: transport.name().into(),
            what,
        });
    }
    let control = stats.control.as_ref();
    warnings.extend(super::disturbance::refused_warning(
        control,
        transport.name(),
    ));
    let emitted = target.emitted(from_ns, to_ns).await?;
    let final_state = match scenario.feed.semantics() {
        Semantics::State => Some(target.final_state(scenario.feed.state_key_field()).await?),
        Semantics::Events => None,
    };
    Ok(Told {
        stats,
        emitted,
        final_state,
    })
}

/// The entry's figures from its raw counts, its warnings and its histogram log; the raw
/// entry keeps the events as judged, for a shard's record.
fn entry_figures(
    mut raw: RawEntry,
    scenario: &Scenario,
    external: bool,
    tallies: &[Tally],
    mut warnings: Vec<String>,
) -> Result<Measured, RunError> {
    let result = raw.figures(scenario, external, Some(tallies));
    raw.events = result.events.clone();
    raw.event_reasons = result
        .not_measured
        .iter()
        .filter(|(path, _)| path.split('.').next() == Some("events"))
        .map(|(path, reason)| (path.clone(), reason.clone()))
        .collect();
    let transport = raw.transport;
    warnings.extend(figure_warnings(&result));
    let scheduled = scenario.feed.rate().is_some();
    warnings.extend(publisher_warning(&raw.stats, transport, scheduled));
    warnings.extend(source_warnings(&raw.stats, transport));
    let hlog = crate::export::hlog::interval_log(raw.started_unix_s, &raw.recorder.timeline)?;
    Ok(Measured {
        result,
        hlog,
        warnings,
        raw,
    })
}
