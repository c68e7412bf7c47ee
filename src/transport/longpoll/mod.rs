//! Long polling (Comet): `GET /longpoll?since=S&timeout_ms=T`, held until an event newer
//! than S exists; each client asks again at once.

mod client;
mod server;

use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, LocalBoxFuture};
use http::Response;

use crate::client::{Client, ClientSide, Tally};
use crate::server::{Body, Call, ServerSide};
use crate::transport_kind::{Arrival, RequestStyle, Setting, Settings, TransportKind, Value};
use crate::units::format_duration;

/// Longest `timeout_ms` a long poll may ask for.
const MAX_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// `[transport.longpoll] timeout`: how long the server holds a request with nothing new.
/// Clients send it as `timeout_ms`, which the server refuses above its cap.
const TIMEOUT: Setting = Setting {
    key: "timeout",
    default: Value::Duration(Duration::from_secs(30)),
    accepts_zero: false,
    check: |timeout| {
        let Value::Duration(timeout) = timeout else {
            return Ok(());
        };
        if timeout < Duration::from_millis(1) || timeout > MAX_TIMEOUT {
            return Err(format!(
                "must be 1ms to {} (the server's `timeout_ms` range)",
                format_duration(MAX_TIMEOUT)
            ));
        }
        Ok(())
    },
};

pub struct Longpoll;

impl TransportKind for Longpoll {
    fn name(&self) -> &'static str {
        "longpoll"
    }

    fn settings(&self) -> &'static [Setting] {
        &[TIMEOUT]
    }

    fn colour(&self) -> (u8, u8, u8) {
        (230, 159, 0) // orange (Okabe–Ito)
    }

    fn request_style(&self) -> RequestStyle {
        RequestStyle::Fetch {
            accept: "*/*",
            no_cache: false,
        }
    }

    fn frontier_setting(&self) -> Option<&'static Setting> {
        Some(&TIMEOUT)
    }

    fn frontier_acts_when_idle(&self) -> bool {
        true
    }

    fn arrival(&self, settings: &Settings) -> Arrival {
        Arrival::LongPoll {
            timeout: settings.get(&TIMEOUT),
        }
    }
}

impl ClientSide for Longpoll {
    fn run_client(&self, client: Client) -> LocalBoxFuture<'static, Tally> {
        let timeout = client.plan.settings.get(&TIMEOUT);
        client::run(client, timeout).boxed_local()
    }
}

impl ServerSide for Longpoll {
    fn serve(&self, call: Call) -> BoxFuture<'static, Response<Body>> {
        let timeout = call.app.settings(call.transport).get(&TIMEOUT);
        server::handle(call, timeout).boxed()
    }
}
