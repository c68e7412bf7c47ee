//! The matched server: one feed hub served over every transport with the same care.
//! `router` hands each request to its transport (whose handler lives in its folder under
//! `transport/`), `conn` counts bytes per connection, `stream` is the session every
//! streaming transport shares.

pub mod conn;
pub mod control;
mod cors;
mod limits;
mod page;
pub mod processes;
mod publish;
mod reserve;
pub mod response;
mod router;
pub mod settings;
pub mod stall;
mod stats;
pub mod stream;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;

pub use limits::{ensure_open_files, raise_open_files};
pub use response::Body;
pub use router::{App, Call, ServerSide, ServerSides, bad_request, since_param, window_stats};
pub use settings::{
    DEADLINE_MAX, DEFAULT_DEADLINE, ServerSettings, Serving, TOPIC_IDLE_DEFAULT,
    WINDOW_LOG_DEFAULT_RANGE, WINDOW_LOG_DEFAULT_SPAN,
};
pub use stats::ServerStats;

use crate::feed::{FeedSource, Hub, HubLimits, SourceContext};
use crate::transport_kind::Transport;
use crate::wire::ProcessGroup;
use conn::{ConnTag, CountedStream};
pub use control::ControlToken;
use reserve::Admission;

/// How often the topics nobody uses are looked for.
const TOPIC_SWEEP: Duration = Duration::from_secs(1);

/// How long shutdown waits for open connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {error}")]
    Bind {
        addr: SocketAddr,
        error: std::io::Error,
    },
    /// The feed's source could not start (a program that cannot be run): nothing to serve.
    #[error("cannot start the feed: {0}")]
    Feed(std::io::Error),
}

/// One process of a server of several sharing one port (`wsbench serve --processes K`).
#[derive(Debug, Clone)]
pub struct Member {
    /// The address every process listens on.
    pub shared: SocketAddr,
    pub index: u32,
    /// Each process's own port, by index, on the shared address's IP.
    pub ports: Vec<u16>,
    /// The wall-clock instant (ns) every process's feed schedule starts from.
    pub feed_start_ns: u64,
}

impl Member {
    /// Where this process, and no other, answers.
    pub fn own_addr(&self) -> SocketAddr {
        SocketAddr::new(self.shared.ip(), self.ports[self.index as usize])
    }
}

/// A server bound to its address, not yet serving.
pub struct Server {
    /// The address clients use first; a member's own address after it.
    listeners: Vec<TcpListener>,
    app: Arc<App>,
    max_connections: u64,
    publisher: Box<dyn FeedSource>,
    shutdown_tx: watch::Sender<bool>,
}

impl Server {
    /// Binds `addr` (port 0 takes a free port) to serve each transport with its own
    /// handler (`sides`: the transport registry's `server_side`). With a `control` token, the
    /// control plane (`/control/*`) is served to whoever presents it.
    pub fn bind(
        serving: Serving<'_>,
        sides: ServerSides,
        addr: SocketAddr,
        control: Option<ControlToken>,
    ) -> Result<Self, ServeError> {
        let listener = listen(addr, false).map_err(|error| ServeError::Bind { addr, error })?;
        Ok(Self::new(serving, sides, vec![listener], control, None))
    }

    /// Binds one process of a group: the shared address with `SO_REUSEPORT`, so that the
    /// kernel spreads connections over the processes, and the process's own port.
    pub fn bind_member(
        serving: Serving<'_>,
        sides: ServerSides,
        member: &Member,
        control: Option<ControlToken>,
    ) -> Result<Self, ServeError> {
        let listeners = [member.shared, member.own_addr()]
            .into_iter()
            .map(|addr| listen(addr, true).map_err(|error| ServeError::Bind { addr, error }))
            .collect::<Result<_, _>>()?;
        Ok(Self::new(serving, sides, listeners, control, Some(member)))
    }

    fn new(
        serving: Serving<'_>,
        sides: ServerSides,
        listeners: Vec<TcpListener>,
        control: Option<ControlToken>,
        member: Option<&Member>,
    ) -> Self {
        let hub = new_hub(&serving);
        let (shutdown_tx, shutdown) = watch::channel(false);
        let app = Arc::new(App {
            sides,
            hub,
            stats: Arc::new(ServerStats::default()),
            transport: serving.transport.clone(),
            stall_timeout: serving.server.stall_timeout,
            head_timeout: serving.server.head_timeout,
            body_timeout: serving.server.body_timeout,
            coalesce: serving.server.coalesce,
            intake: serving.feed.intake(),
            echo: serving.feed.echoes(),
            control: control.map(control::Control::new),
            shutdown,
            feed: page::FeedInfo::new(serving.feed, serving.transport),
            group: member.map(|m| ProcessGroup {
                index: Some(m.index),
                ports: m.ports.clone(),
            }),
        });
        Self {
            listeners,
            app,
            max_connections: serving.server.max_connections,
            publisher: serving.feed.source(&SourceContext {
                seed: serving.seed,
                stderr: serving.feed_stderr.map(ToOwned::to_owned),
                start_ns: member.map(|m| m.feed_start_ns),
            }),
            shutdown_tx,
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listeners[0]
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn hub(&self) -> Arc<Hub> {
        self.app.hub.clone()
    }

    /// A handle that stops the server when `stop()` is called or it is dropped... by the caller.
    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown_tx.clone()
    }

    /// Publishes the feed and serves until the shutdown handle fires, then closes
    /// streams and waits briefly for connections to finish. Fails at once when the feed
    /// cannot start.
    pub async fn run(self) -> Result<(), ServeError> {
        let Server {
            listeners,
            app,
            max_connections,
            publisher,
            shutdown_tx,
        } = self;
        // However this task ends (shutdown, or dropped with its runtime), publishing stops.
        let _stop_publishing = StopOnDrop(app.hub.clone());
        publisher.start(app.hub.clone()).map_err(ServeError::Feed)?;
        let mut accepting = tokio::task::JoinSet::new();
        if app.hub.has_topics() {
            tokio::spawn(sweep_topics(app.hub.clone(), shutdown_tx.subscribe()));
        }
        for listener in listeners {
            let shutdown = shutdown_tx.subscribe();
            accepting.spawn(accept(listener, app.clone(), max_connections, shutdown));
        }
        accepting.join_all().await;
        app.hub.stop();
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        while app.stats.connections_open() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}

/// Accepts connections on `listener` until shutdown, each served by a task of its own.
async fn accept(
    listener: TcpListener,
    app: Arc<App>,
    max_connections: u64,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut warned_accept = false;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                app.stats.accept_errors.fetch_add(1, Relaxed);
                if !warned_accept {
                    warned_accept = true;
                    eprintln!(
                        "wsbench serve: accept failed: {e} (is the open-files limit too low?)"
                    );
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let reserve = match reserve::admit(&app.stats, max_connections) {
            Admission::Regular => false,
            Admission::Reserve => true,
            Admission::Refused => {
                drop(stream);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        // Counted live from here, not from when its task first runs: the next accept's
        // admission sees it.
        let tag = ConnTag::new(app.stats.clone(), reserve);
        tokio::spawn(serve_connection(app.clone(), stream, tag));
    }
}

/// Drops the topics nobody uses, every `TOPIC_SWEEP` until shutdown: the topics' idle time
/// is counted to within it.
async fn sweep_topics(hub: Arc<Hub>, mut shutdown: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(TOPIC_SWEEP);
    loop {
        tokio::select! {
            _ = ticks.tick() => hub.sweep_topics(std::time::Instant::now()),
            _ = shutdown.changed() => return,
        }
    }
}

/// The hub a scenario's feed is published into, bounded by its server settings: the
/// matched server's, and each `wsbench emit` process's, so that both publish alike.
pub fn new_hub(serving: &Serving<'_>) -> Arc<Hub> {
    let limits = HubLimits {
        history: serving.server.history as usize,
        max_lag: serving.server.max_lag as usize,
        window_log: serving.server.window_log_events(serving.feed.rate()) as usize,
        encodings: Transport::count(),
    };
    match serving.feed.topics() {
        Some(topics) => Hub::with_topics(
            serving.feed.semantics(),
            limits,
            topics,
            serving.server.topic_idle,
        ),
        None => Hub::new(serving.feed.semantics(), limits),
    }
}

/// A listening socket on `addr`; `shared`: in a `SO_REUSEPORT` group with the other
/// processes of a server.
fn listen(addr: SocketAddr, shared: bool) -> std::io::Result<TcpListener> {
    let socket = reserve(addr, shared)?;
    // A deep accept queue: ramping thousands of clients must not meet SYN drops.
    socket.listen(8192)
}

/// A socket bound to `addr` and not listening: it holds the port (for the processes of a
/// group, which bind it with `SO_REUSEPORT` too) without taking connections.
pub fn reserve(addr: SocketAddr, shared: bool) -> std::io::Result<TcpSocket> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    if shared {
        socket.set_reuseport(true)?;
    }
    socket.bind(addr)?;
    Ok(socket)
}

async fn serve_connection(app: Arc<App>, stream: tokio::net::TcpStream, tag: Arc<ConnTag>) {
    let io = TokioIo::new(CountedStream::new(stream, tag.clone()));
    let service = {
        let app = app.clone();
        let tag = tag.clone();
        service_fn(move |req| router::route(app.clone(), tag.clone(), req))
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(app.head_timeout)
        .max_buf_size(16 * 1024)
        .max_headers(64);
    if tag.reserve {
        // One request each, soon: a reserve place is not held for long.
        builder
            .keep_alive(false)
            .header_read_timeout(app.head_timeout.min(reserve::RESERVE_HEAD_TIMEOUT));
    }
    if !app.coalesce.is_zero() {
        // A coalesced SSE batch is many body chunks: copied into one buffer, they go out
        // in one write, where hyper's queue for a writev holds only 16 of them.
        builder.writev(false);
    }
    let connection = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(connection);
    let mut shutdown = app.shutdown.clone();
    let served = async {
        tokio::select! {
            served = connection.as_mut() => {
                match served {
                    // hyper answered a malformed or oversized request head itself (400, 431).
                    Err(e) if e.is_parse() => tag.rejected_request(),
                    // hyper closes, unanswered, a connection whose head is late.
                    Err(e) if e.is_timeout() => tag.head_timed_out(),
                    _ => {}
                }
            }
            _ = shutdown.changed() => {
                connection.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection.as_mut()).await;
            }
        }
    };
    stall::guard(&tag, app.stall_timeout, served).await;
}

/// Warns on stderr when `addr` is reachable from other hosts: the feed and the counters
/// have no authentication, and a benchmark feed should not be served to a network
/// unnoticed. `control`: the control plane is served too.
pub fn warn_if_exposed(addr: SocketAddr, control: bool) {
    if let Some(warning) = exposure_warning(addr, control) {
        eprintln!("wsbench serve: warning: {warning}");
    }
}

fn exposure_warning(addr: SocketAddr, control: bool) -> Option<String> {
    let control = match control {
        true => {
            "; --control serves /control/stop and /control/mark to it too, guarded only by \
             the printed token, which crosses the network in clear text"
        }
        false => "",
    };
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "listening on {addr}, which is not a loopback address: anyone who can reach it \
             can read the feed and the counters, without authentication{control}"
        )
    })
}

/// Resolves when SIGINT, SIGTERM or SIGHUP arrives.
pub async fn termination_signal() {
    match crate::signals::StopSignals::listen() {
        Ok(signals) => {
            signals.wait().await;
        }
        Err(error) => {
            eprintln!("wsbench serve: cannot listen for stop signals: {error}");
            std::future::pending::<()>().await;
        }
    }
}

/// Stops the hub's publisher when dropped.
struct StopOnDrop(Arc<Hub>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_served_without_a_warning() {
        for quiet in ["127.0.0.1:8080", "127.1.2.3:0", "[::1]:8080"] {
            for control in [false, true] {
                let warning = exposure_warning(quiet.parse().unwrap(), control);
                assert_eq!(warning, None, "{quiet}");
            }
        }
        for exposed in ["0.0.0.0:8080", "192.168.1.5:80", "[::]:8080"] {
            let warning = exposure_warning(exposed.parse().unwrap(), false).expect(exposed);
            assert!(warning.contains(exposed), "{warning}");
            assert!(!warning.contains("--control"), "{warning}");
            let warning = exposure_warning(exposed.parse().unwrap(), true).expect(exposed);
            assert!(
                warning.contains("--control serves /control/stop"),
                "{warning}"
            );
        }
    }
}
