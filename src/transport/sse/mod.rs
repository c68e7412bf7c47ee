//! Server-Sent Events: one held `text/event-stream` response per client, one message per
//! event (`id: SEQ\ndata: JSON\n\n`), comment keep-alives when idle.

pub(crate) mod client;
mod server;

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, LocalBoxFuture};
use http::Response;

use crate::client::{Client, ClientSide, Tally};
use crate::feed::Event;
use crate::server::{Body, Call, ServerSide};
use crate::transport_kind::{Arrival, RequestStyle, Setting, Settings, TransportKind, Value};

/// `[transport.sse] keepalive`: the period of comment lines on an idle stream.
const KEEPALIVE: Setting = Setting {
    key: "keepalive",
    default: Value::Duration(Duration::from_secs(15)),
    accepts_zero: false,
    check: Setting::any,
};

pub struct Sse;

impl TransportKind for Sse {
    fn name(&self) -> &'static str {
        "sse"
    }

    fn settings(&self) -> &'static [Setting] {
        &[KEEPALIVE]
    }

    fn colour(&self) -> (u8, u8, u8) {
        (0, 158, 115) // bluish green (Okabe–Ito)
    }

    /// What EventSource sends.
    fn request_style(&self) -> RequestStyle {
        RequestStyle::Fetch {
            accept: "text/event-stream",
            no_cache: true,
        }
    }

    fn arrival(&self, _settings: &Settings) -> Arrival {
        Arrival::EventStream
    }
}

impl ClientSide for Sse {
    fn run_client(&self, client: Client) -> LocalBoxFuture<'static, Tally> {
        client::run(client).boxed_local()
    }
}

impl ServerSide for Sse {
    fn serve(&self, call: Call) -> BoxFuture<'static, Response<Body>> {
        let keepalive = call.app.settings(call.transport).get(&KEEPALIVE);
        let response = server::handle(&call, keepalive);
        async move { response }.boxed()
    }
}

/// The event as one SSE message.
fn encode(event: &Event) -> Bytes {
    let mut message = BytesMut::with_capacity(event.json.len() + 32);
    message.put_slice(b"id: ");
    message.put_slice(itoa::Buffer::new().format(event.seq).as_bytes());
    message.put_slice(b"\ndata: ");
    message.put_slice(&event.json);
    message.put_slice(b"\n\n");
    message.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::Hub;

    #[test]
    fn an_event_is_one_message_with_its_seq_as_id() {
        let event = Hub::sample_event("\"sym\":\"A\"");
        assert_eq!(
            &encode(&event)[..],
            b"id: 1\ndata: {\"seq\":1,\"ts\":77,\"sym\":\"A\"}\n\n"
        );
    }
}
