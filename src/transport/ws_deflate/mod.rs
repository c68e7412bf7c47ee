//! WebSocket with permessage-deflate (RFC 7692): `GET /ws-deflate` upgrades as `/ws` does
//! and, when the client offers it, compresses each event with the connection's own
//! compressor. The load generator runs the `ws` client offering the extension, and
//! inflates. Opt-in: a scenario that lists no transports does not run it (docs/DEFLATE.md).

mod codec;
mod extension;
mod server;
pub(super) mod wire;

use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, LocalBoxFuture};
use http::Response;

pub use codec::Inflater;
pub use extension::{MIN_BITS, Params};

use crate::client::{Client, ClientSide, Tally};
use crate::server::{Body, Call, ServerSide};
use crate::transport_kind::{Arrival, RequestStyle, Setting, Settings, TransportKind, Value};

/// `[transport.ws-deflate] keepalive`: the period of pings on an idle connection.
const KEEPALIVE: Setting = Setting {
    key: "keepalive",
    default: Value::Duration(Duration::from_secs(15)),
    accepts_zero: false,
    check: Setting::any,
};

/// The server starts each message from an empty window (less memory kept in use, larger
/// messages).
const SERVER_NO_CONTEXT_TAKEOVER: Setting = Setting {
    key: "server_no_context_takeover",
    default: Value::Flag(false),
    accepts_zero: false,
    check: Setting::any,
};

/// The client starts each message it sends from an empty window.
const CLIENT_NO_CONTEXT_TAKEOVER: Setting = Setting {
    key: "client_no_context_takeover",
    default: Value::Flag(false),
    accepts_zero: false,
    check: Setting::any,
};

/// The server's LZ77 window, 2^bits bytes.
const SERVER_MAX_WINDOW_BITS: Setting = Setting {
    key: "server_max_window_bits",
    default: Value::Number(extension::MAX_BITS as i64),
    accepts_zero: false,
    check: window_bits,
};

/// The most the client's window may be.
const CLIENT_MAX_WINDOW_BITS: Setting = Setting {
    key: "client_max_window_bits",
    default: Value::Number(extension::MAX_BITS as i64),
    accepts_zero: false,
    check: window_bits,
};

/// RFC 7692 allows 8 to 15; zlib writes raw deflate with 9 at least.
fn window_bits(value: Value) -> Result<(), String> {
    match value {
        Value::Number(bits) if !(9..=15).contains(&bits) => Err(format!(
            "must be 9 to 15 (RFC 7692 allows 8, which zlib does not write), found {bits}"
        )),
        _ => Ok(()),
    }
}

/// The extension's parameters a scenario's settings ask for.
pub fn params(settings: &Settings) -> Params {
    let bits = |setting| settings.number(setting).clamp(9, 15) as u8;
    Params {
        server_no_context_takeover: settings.flag(&SERVER_NO_CONTEXT_TAKEOVER),
        client_no_context_takeover: settings.flag(&CLIENT_NO_CONTEXT_TAKEOVER),
        server_max_window_bits: bits(&SERVER_MAX_WINDOW_BITS),
        client_max_window_bits: bits(&CLIENT_MAX_WINDOW_BITS),
    }
}

pub struct WsDeflate;

impl TransportKind for WsDeflate {
    fn name(&self) -> &'static str {
        "ws-deflate"
    }

    /// A chat client sends on its socket, uncompressed (RFC 7692 lets each message choose).
    fn sends_on_its_socket(&self) -> bool {
        true
    }

    /// Inflated: the limit is on the message, however well it compresses.
    fn max_message(&self) -> Option<usize> {
        Some(crate::transport::ws::frames::MAX_MESSAGE)
    }

    fn settings(&self) -> &'static [Setting] {
        &[
            KEEPALIVE,
            SERVER_NO_CONTEXT_TAKEOVER,
            CLIENT_NO_CONTEXT_TAKEOVER,
            SERVER_MAX_WINDOW_BITS,
            CLIENT_MAX_WINDOW_BITS,
        ]
    }

    /// A variant of `ws` to compare with it, not another way of pushing: run when named.
    fn by_default(&self) -> bool {
        false
    }

    fn colour(&self) -> (u8, u8, u8) {
        (86, 180, 233) // sky blue (Okabe–Ito), beside ws's blue
    }

    fn request_style(&self) -> RequestStyle {
        RequestStyle::Handshake
    }

    fn arrival(&self, _settings: &Settings) -> Arrival {
        Arrival::WebSocket
    }

    fn compression(&self) -> Option<&'static str> {
        Some("permessage-deflate")
    }
}

impl ClientSide for WsDeflate {
    fn run_client(&self, client: Client) -> LocalBoxFuture<'static, Tally> {
        let offer = params(&client.plan.settings);
        super::ws::client::run(client, Some(offer)).boxed_local()
    }
}

impl ServerSide for WsDeflate {
    fn serve(&self, call: Call) -> BoxFuture<'static, Response<Body>> {
        let settings = call.app.settings(call.transport);
        let (keepalive, ours) = (settings.get(&KEEPALIVE), params(settings));
        let response = server::handle(call, keepalive, ours);
        async move { response }.boxed()
    }
}
