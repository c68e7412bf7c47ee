//! WebSocket: `GET /ws` upgrades to one text message per event; pings when idle.

pub(super) mod client;
pub(crate) mod frames;
pub(super) mod server;

use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, LocalBoxFuture};
use http::Response;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::client::{Client, ClientSide, Tally};
use crate::feed::Event;
use crate::server::{Body, Call, ServerSide};
use crate::transport_kind::{Arrival, RequestStyle, Setting, Settings, TransportKind, Value};

/// `[transport.ws] keepalive`: the period of pings on an idle connection.
const KEEPALIVE: Setting = Setting {
    key: "keepalive",
    default: Value::Duration(Duration::from_secs(15)),
    accepts_zero: false,
    check: Setting::any,
};

pub struct Ws;

impl TransportKind for Ws {
    fn name(&self) -> &'static str {
        "ws"
    }

    fn sends_on_its_socket(&self) -> bool {
        true
    }

    fn max_message(&self) -> Option<usize> {
        Some(frames::MAX_MESSAGE)
    }

    fn settings(&self) -> &'static [Setting] {
        &[KEEPALIVE]
    }

    fn colour(&self) -> (u8, u8, u8) {
        (0, 114, 178) // blue (Okabe–Ito)
    }

    fn request_style(&self) -> RequestStyle {
        RequestStyle::Handshake
    }

    fn arrival(&self, _settings: &Settings) -> Arrival {
        Arrival::WebSocket
    }
}

impl ClientSide for Ws {
    fn run_client(&self, client: Client) -> LocalBoxFuture<'static, Tally> {
        client::run(client, None).boxed_local()
    }
}

impl ServerSide for Ws {
    fn serve(&self, call: Call) -> BoxFuture<'static, Response<Body>> {
        let keepalive = call.app.settings(call.transport).get(&KEEPALIVE);
        let response = server::handle(call, keepalive);
        async move { response }.boxed()
    }
}

/// Small buffers: the library's 128 KiB read buffer would cost over a gigabyte at 10k
/// connections. Client messages (chat) are short. Messages queued together are written
/// with one flush, as hyper writes the SSE chunks it has ready: the same care for both.
pub fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(Some(frames::MAX_MESSAGE))
        .max_frame_size(Some(frames::MAX_MESSAGE))
}

/// The event as a text message's payload, sharing the JSON's bytes: only the 2-4 byte
/// frame header is written per send.
fn encode(event: &Event) -> Utf8Bytes {
    Utf8Bytes::try_from(event.json.clone())
        .unwrap_or_else(|_| String::from_utf8_lossy(&event.json).into_owned().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::Hub;

    #[test]
    fn a_text_message_shares_the_json_bytes() {
        let event = Hub::sample_event("\"sym\":\"A\"");
        let text = event.encoded(0, encode).unwrap();
        assert_eq!(text.as_str().as_bytes().as_ptr(), event.json.as_ptr());
        assert_eq!(text.as_str(), r#"{"seq":1,"ts":77,"sym":"A"}"#);
    }
}
