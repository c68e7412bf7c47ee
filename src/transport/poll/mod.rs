//! Short polling: `GET /poll?since=S` on a fixed schedule, answered at once.

mod client;
mod server;

use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, LocalBoxFuture};
use http::Response;

use crate::client::{Client, ClientSide, Tally};
use crate::server::{Body, Call, ServerSide};
use crate::transport_kind::{Arrival, RequestStyle, Setting, Settings, TransportKind, Value};

/// `[transport.poll] interval`: how often each client polls; 0s, as soon as its answer is in.
const INTERVAL: Setting = Setting {
    key: "interval",
    default: Value::Duration(Duration::from_secs(1)),
    // 0s: each client polls again as soon as its answer is in (a closed loop, as wrk runs).
    accepts_zero: true,
    check: Setting::any,
};

pub struct Poll;

impl TransportKind for Poll {
    fn name(&self) -> &'static str {
        "poll"
    }

    fn settings(&self) -> &'static [Setting] {
        &[INTERVAL]
    }

    /// A poll may go out up to one interval after the window closes.
    fn drain(&self, settings: &Settings) -> Duration {
        settings.get(&INTERVAL) + Duration::from_secs(1)
    }

    fn colour(&self) -> (u8, u8, u8) {
        (213, 94, 0) // vermillion (Okabe–Ito)
    }

    fn request_style(&self) -> RequestStyle {
        RequestStyle::Fetch {
            accept: "*/*",
            no_cache: false,
        }
    }

    fn arrival(&self, settings: &Settings) -> Arrival {
        Arrival::Poll {
            interval: settings.get(&INTERVAL),
        }
    }

    fn frontier_setting(&self) -> Option<&'static Setting> {
        Some(&INTERVAL)
    }

    /// Each client polls first at a random point of its first interval.
    fn first_request_within(&self, settings: &Settings) -> Option<(&'static Setting, Duration)> {
        Some((&INTERVAL, settings.get(&INTERVAL)))
    }
}

impl ClientSide for Poll {
    fn run_client(&self, client: Client) -> LocalBoxFuture<'static, Tally> {
        let interval = client.plan.settings.get(&INTERVAL);
        client::run(client, interval).boxed_local()
    }
}

impl ServerSide for Poll {
    fn serve(&self, call: Call) -> BoxFuture<'static, Response<Body>> {
        async move { server::handle(&call) }.boxed()
    }
}
