//! The browser page (`GET /`, assets/page.html, built in: no build step, no external
//! asset) and what it asks the server first (`GET /feed`): the feed's kind, the
//! transports and their paths, and the poll timings, so that the page subscribes to
//! whatever the scenario serves and shows the chat box only for a chat feed.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde::Serialize;

use super::response::{self, Body};
use super::router::App;
use crate::feed::FeedSpec;
use crate::transport_kind::{Arrival, Transport, TransportSettings};

const PAGE: &str = include_str!("../../assets/page.html");

/// What `GET /feed` tells the page.
#[derive(Debug, Clone, Serialize)]
pub struct FeedInfo {
    /// `feed.kind`: `ticker`, `tickets`, `command`, ...
    pub kind: &'static str,
    /// The field naming a state feed's key (`train`); `null` for an event feed, whose seq
    /// gaps are losses.
    pub key_field: Option<&'static str>,
    /// Every transport served: what the page needs to open and show it.
    pub transports: Vec<TransportPanel>,
    /// A feed with topics: the one the page follows (a chat's first room, the first
    /// user's notifications); `null` for a feed without topics.
    pub topic: Option<String>,
}

/// One transport's panel on the page, from the registry: a transport the page has never
/// heard of is shown with the API its arrival names.
#[derive(Debug, Clone, Serialize)]
pub struct TransportPanel {
    pub name: &'static str,
    pub path: &'static str,
    /// `#rrggbb`, as on the charts.
    pub colour: String,
    /// How the page opens it: the browser API, and its timing (`Arrival`).
    pub arrival: Arrival,
    /// Its compression, when it compresses (`permessage-deflate`): the page shows what
    /// the browser agreed.
    pub compression: Option<&'static str>,
    /// Whether a page may send a chat message on its socket.
    pub sends_on_its_socket: bool,
}

impl FeedInfo {
    pub fn new(feed: &FeedSpec, settings: &TransportSettings) -> Self {
        Self {
            kind: feed.kind_name(),
            key_field: feed.state_key_field(),
            transports: Transport::all()
                .iter()
                .map(|&t| {
                    let (r, g, b) = t.kind().colour();
                    TransportPanel {
                        name: t.name(),
                        path: t.path(),
                        colour: format!("#{r:02x}{g:02x}{b:02x}"),
                        arrival: t.kind().arrival(settings.of(t)),
                        compression: t.kind().compression(),
                        sends_on_its_socket: t.kind().sends_on_its_socket(),
                    }
                })
                .collect(),
            topic: feed.client_topic(0, 1),
        }
    }
}

/// `GET /`: the page.
pub fn page() -> Response<Body> {
    let mut page = Response::new(response::full(Bytes::from_static(PAGE.as_bytes())));
    let headers = page.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::SERVER, HeaderValue::from_static("wsbench"));
    page
}

/// `GET /feed`: what the page needs to know of the feed.
pub fn feed(app: &App) -> Response<Body> {
    match serde_json::to_string(&app.feed) {
        Ok(text) => response::json(StatusCode::OK, text + "\n"),
        Err(e) => response::error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}
