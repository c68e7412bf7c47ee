//! The drain after the window: nothing new is published, and the run waits until the
//! clients have read every byte the server wrote to them, so that a backlog in their
//! sockets is read (or, past the limit, reported as unread) rather than counted as loss.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::RunError;
use crate::client::RunControl;
use crate::console::RunObserver;
use crate::metrics::probe::Probes;
use crate::results::Drain;
use crate::scenario::Scenario;
use crate::transport_kind::Transport;
use crate::under_test::Target;

/// How often the server's written bytes are compared with the clients' read bytes.
const CHECK_EVERY: Duration = Duration::from_millis(50);

/// Drains one transport: the scenario's drain period first (polling clients need it to
/// ask once more), then until the clients have read all the server wrote, up to the
/// scenario's `drain_limit`.
pub async fn drain(
    scenario: &Scenario,
    transport: Transport,
    target: &impl Target,
    probes: &Probes,
    observer: &dyn RunObserver,
    control: &Arc<RunControl>,
    clients: u64,
) -> Result<Drain, RunError> {
    let started = Instant::now();
    let period = scenario.drain_period(transport);
    let limit = started + period.max(scenario.drain_limit);
    sleep_observed(period, observer, control, clients).await;
    let (from_ns, to_ns) = control.window_ns();
    loop {
        let stats = target.stats(from_ns, to_ns).await?;
        let Ok(server) = probes.server_counters.bytes(&stats, transport.name()) else {
            // Without the target's counters there is nothing to wait for.
            return Ok(Drain {
                seconds: started.elapsed().as_secs_f64(),
                unread_bytes: None,
            });
        };
        let unread = server.written.saturating_sub(control.bytes.snapshot().0);
        if unread == 0 || Instant::now() >= limit {
            return Ok(Drain {
                seconds: started.elapsed().as_secs_f64(),
                unread_bytes: Some(unread),
            });
        }
        tokio::time::sleep(CHECK_EVERY.min(limit - Instant::now())).await;
        observer.tick(control, clients);
    }
}

/// Sleeps `span`, telling the observer about four times a second.
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
