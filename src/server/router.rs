//! Routes each request to its transport's handler and attributes the connection's bytes.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use futures_util::future::BoxFuture;
use http::{Method, Request, Response, StatusCode, Version, header};
use hyper::body::Incoming;
use tokio::sync::watch;

use super::conn::ConnTag;
use super::control::{self, Control};
use super::cors;
use super::response::{self, Body, query_text, query_u64};
use super::stats::{ServerStats, other_slot};
use crate::feed::{Dropped, Hub, Intake, TopicError, TopicWindows, Window};
use crate::transport_kind::{Settings, Transport, TransportSettings};
use crate::wire::{TopicsDropped, WindowStats};

/// How the matched server serves one transport: that transport's own handler (its
/// folder's server code, handed to the server when it starts by whoever starts it).
pub trait ServerSide: Sync {
    /// Answers one request routed to it.
    fn serve(&self, call: Call) -> BoxFuture<'static, Response<Body>>;
}

/// Each transport's handler, as whoever starts a server hands them over; `None`: not served.
pub type ServerSides = fn(Transport) -> Option<&'static dyn ServerSide>;

/// Everything a handler may need, shared by every connection.
pub struct App {
    /// The transports' handlers.
    pub sides: ServerSides,
    pub hub: Arc<Hub>,
    pub stats: Arc<ServerStats>,
    pub transport: TransportSettings,
    /// How long a write may make no progress before the connection is cut.
    pub stall_timeout: Duration,
    /// `server.head_timeout` and `server.body_timeout`: how long a request's head, and then
    /// its whole body, may take to arrive.
    pub head_timeout: Duration,
    pub body_timeout: Duration,
    /// `server.coalesce`: how long a streaming connection gathers events into one write.
    pub coalesce: Duration,
    /// For a feed that publishes what clients send: what takes each message.
    pub intake: Option<Arc<dyn Intake>>,
    /// An echo feed: a WebSocket client's messages go back to it alone.
    pub echo: bool,
    /// The control plane (`/control/*`), served to the holder of its token alone (the
    /// `wsbench run` that started this server); `None`: not served.
    pub control: Option<Control>,
    pub shutdown: watch::Receiver<bool>,
    /// What the browser page is told of the feed (`GET /feed`).
    pub feed: super::page::FeedInfo,
    /// One process of a server of several: what `/stats` says of the group.
    pub group: Option<crate::wire::ProcessGroup>,
}

impl App {
    pub fn settings(&self, transport: Transport) -> &Settings {
        self.transport.of(transport)
    }
}

/// One request routed to a transport's handler.
pub struct Call {
    pub transport: Transport,
    pub app: Arc<App>,
    /// The hub of the feed it asks for: the request's `?topic=`, or the whole feed.
    pub hub: Arc<Hub>,
    /// `?skip_from=ID`: the client asking, which is not sent the messages it sent itself.
    pub skip_from: Option<u64>,
    pub tag: Arc<ConnTag>,
    pub req: Request<Incoming>,
}

pub async fn route(
    app: Arc<App>,
    tag: Arc<ConnTag>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let transport = Transport::at_path(req.uri().path());
    let publish = req.method() == Method::POST && req.uri().path() == "/publish";
    // A message a client sends is counted with the transport it says it uses (`via=`), so
    // that its bytes are set against that transport's clients'.
    let via = publish
        .then(|| query_text(req.uri().query(), "via"))
        .flatten()
        .and_then(|name| Transport::named(&name));
    let slot = transport.or(via).map_or(other_slot(), Transport::index);
    tag.set_slot(slot);
    app.stats.slots[slot].requests.fetch_add(1, Relaxed);
    // No page may read a control answer, nor be granted a preflight for one.
    let control_path = control::is_control_path(req.uri().path());
    let origin = cors::origin(&req).filter(|_| !control_path);
    let response = match transport {
        _ if tag.reserve && !super::reserve::serves(&req) => super::reserve::refuse(&app.stats),
        _ if missing_host(&req) => response::error(
            StatusCode::BAD_REQUEST,
            "an HTTP/1.1 request needs exactly one Host header",
        ),
        _ if req.method() == Method::OPTIONS && control_path => cors::not_granted(),
        _ if req.method() == Method::OPTIONS => cors::preflight(&req),
        Some(_) if req.method() != Method::GET => method_not_allowed(&req),
        Some(transport) => match (
            topic_hub(&app, &req),
            query_u64(req.uri().query(), "skip_from"),
        ) {
            (Ok(hub), Ok(skip_from)) => {
                let side = (app.sides)(transport);
                let app = app.clone();
                let call = Call {
                    transport,
                    app,
                    hub,
                    skip_from,
                    tag,
                    req,
                };
                match side {
                    Some(side) => side.serve(call).await,
                    None => not_found(call.req.uri().path()),
                }
            }
            (Err(refusal), _) => *refusal,
            (_, Err(reason)) => response::error(StatusCode::BAD_REQUEST, &reason),
        },
        None if publish => super::publish::handle(&app, slot, req).await,
        None => other(&app, &req),
    };
    let response = cors::allow(origin, response);
    app.stats.slots[slot].responses.fetch_add(1, Relaxed);
    if response.status().is_client_error() || response.status().is_server_error() {
        app.stats.slots[slot].errors.fetch_add(1, Relaxed);
    }
    Ok(response)
}

/// The hub a request asks for: its `?topic=`'s, or the whole feed's. A feed without
/// topics refuses `topic=`, a malformed name is a 400, and one topic too many a 503.
fn topic_hub(app: &App, req: &Request<Incoming>) -> Result<Arc<Hub>, Box<Response<Body>>> {
    let Some(name) = query_text(req.uri().query(), "topic") else {
        return Ok(app.hub.clone());
    };
    app.hub.client_topic(&name).map_err(|e| {
        let status = match e {
            TopicError::TooMany(_) => StatusCode::SERVICE_UNAVAILABLE,
            TopicError::NoTopics | TopicError::Malformed(_) => StatusCode::BAD_REQUEST,
        };
        Box::new(response::error(status, &e.to_string()))
    })
}

/// RFC 9112 §3.2: an HTTP/1.1 request without a Host, or with two, is a 400.
fn missing_host(req: &Request<Incoming>) -> bool {
    req.version() == Version::HTTP_11 && req.headers().get_all(header::HOST).iter().count() != 1
}

fn method_not_allowed(req: &Request<Incoming>) -> Response<Body> {
    response::error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "{} {} is not served; use GET",
            req.method(),
            req.uri().path()
        ),
    )
}

fn other(app: &App, req: &Request<Incoming>) -> Response<Body> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/stats") => stats(app, req.uri().query()),
        (&Method::GET, "/") => super::page::page(),
        (&Method::GET, "/feed") => super::page::feed(app),
        (_, path) if control::is_control_path(path) => match &app.control {
            Some(control) => control::handle(&app.hub, control, req),
            None => not_found(path),
        },
        (_, "/stats") => method_not_allowed(req),
        (method, "/publish") => response::error(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("{method} /publish is not served; use POST with a JSON body"),
        ),
        (_, path) => not_found(path),
    }
}

fn not_found(path: &str) -> Response<Body> {
    let served: Vec<_> = Transport::all().iter().map(|t| t.path()).collect();
    response::error(
        StatusCode::NOT_FOUND,
        &format!(
            "no such path `{path}`; served: {}, /stats, /feed, /, POST /publish",
            served.join(", ")
        ),
    )
}

/// `GET /stats[?from_ns=A&to_ns=B]`: counters, and with a window the seq range published in it.
fn stats(app: &App, query: Option<&str>) -> Response<Body> {
    let window = match (query_u64(query, "from_ns"), query_u64(query, "to_ns")) {
        (Ok(from), Ok(to)) => from.zip(to),
        (Err(e), _) | (_, Err(e)) => return response::error(StatusCode::BAD_REQUEST, &e),
    };
    let mut body = app.stats.reply(app.hub.last_seq(), app.hub.schedule());
    app.hub.source_report().fill(&mut body.publisher);
    body.group = app.group.clone();
    body.control = app.control.as_ref().map(Control::stats);
    if let Some(totals) = app.hub.topic_totals() {
        body.topics = Some(totals.held as u64);
        body.topics_dropped = Some(TopicsDropped {
            unused: totals.dropped_unused,
            idle: totals.dropped_idle,
        });
        body.events_published = totals.events;
    }
    body.window = window.map(|(from, to)| match app.hub.topic_windows(from, to) {
        Some(windows) => topics_window(windows),
        None => window_stats(app.hub.window(from, to)),
    });
    response::reply(&body)
}

/// A window count as `/stats` answers it: null counts, with the reason, when unknown.
pub fn window_stats(window: Window) -> WindowStats {
    match window {
        Window::Events {
            first,
            last,
            late,
            max_late_us,
        } => WindowStats::counted(first, last, last - first + 1, late, max_late_us),
        Window::Empty => WindowStats::empty(),
        // Null, never 0: a count the server cannot know must not read as "none published".
        Window::NotRetained { oldest_seq } => WindowStats {
            oldest_seq: Some(oldest_seq),
            error: Some(format!(
                "the window starts before the oldest publish instant the server keeps \
                 (seq {oldest_seq}) and was not marked with POST /control/mark; \
                 raise server.window_log"
            )),
            ..Default::default()
        },
    }
}

/// A feed with topics counts its window per topic: the whole is their sum (with the
/// topics dropped since), without one seq range, and is unknown when any part is.
fn topics_window(windows: TopicWindows) -> WindowStats {
    let dropped = dropped_window(windows.dropped);
    let topics: std::collections::BTreeMap<String, WindowStats> = windows
        .topics
        .into_iter()
        .map(|topic| {
            let stats = WindowStats {
                senders: topic.senders,
                ..window_stats(topic.window)
            };
            (topic.name.to_string(), stats)
        })
        .collect();
    let parts = || topics.values().chain(dropped.as_ref());
    let sum = |field: fn(&WindowStats) -> Option<u64>| -> Option<u64> { parts().map(field).sum() };
    let unknown = topics
        .iter()
        .map(|(name, w)| (format!("topic `{name}`"), w))
        .chain(dropped.as_ref().map(|w| ("dropped topics".to_string(), w)))
        .find(|(_, w)| w.events.is_none());
    WindowStats {
        first_seq: None,
        last_seq: None,
        events: sum(|w| w.events),
        late_events: sum(|w| w.late_events),
        max_late_us: parts().filter_map(|w| w.max_late_us).max().or(Some(0)),
        oldest_seq: None,
        error: unknown
            .map(|(part, w)| format!("{part}: {}", w.error.as_deref().unwrap_or("not counted"))),
        topics,
        senders: None,
        dropped_topics: dropped.map(Box::new),
    }
}

/// What topics dropped idle had published in a window, as a part of its sum; `None`: nothing.
fn dropped_window(dropped: Dropped) -> Option<WindowStats> {
    match dropped {
        Dropped::Nothing => None,
        Dropped::Counted(tally) => Some(WindowStats {
            first_seq: None,
            last_seq: None,
            ..WindowStats::counted(0, 0, tally.events, tally.late, tally.max_late_us)
        }),
        // Null, never a guess: their events were dropped before the window was marked.
        Dropped::Unknown { topics, newest_ns } => Some(WindowStats {
            error: Some(format!(
                "the window reaches back to events of topics the server dropped after they \
                 idled for server.topic_idle ({topics} so far, the latest event at \
                 {newest_ns} ns), and its start was not marked (POST /control/mark) before \
                 they were dropped; raise server.topic_idle"
            )),
            ..Default::default()
        }),
    }
}

/// `since` from the query, or the reason it is malformed.
pub fn since_param(req: &Request<Incoming>) -> Result<Option<u64>, String> {
    query_u64(req.uri().query(), "since")
}

/// The 400 answer for a malformed parameter.
pub fn bad_request(reason: String) -> Response<Body> {
    response::error(StatusCode::BAD_REQUEST, &reason)
}
