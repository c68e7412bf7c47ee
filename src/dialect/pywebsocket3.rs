//! pywebsocket3's standalone server (PyPI `pywebsocket3`) with the echo handler this
//! project ships (scripts/targets/pywebsocket3/echo_wsh.py): a handler file `NAME_wsh.py`
//! is served at `/NAME`, so the echo is at `/echo`. It serves WebSocket only, and sends
//! each message back as it came, so an echo's events are wsbench events as the client
//! wrote them.

use serde_json::value::RawValue;

use super::{Dialect, Wsbench};
use crate::transport_kind::Transport;
use crate::wire::EventHead;

pub struct Pywebsocket3;

impl Dialect for Pywebsocket3 {
    fn name(&self) -> &'static str {
        "pywebsocket3"
    }

    fn path(&self, transport: Transport) -> Option<&'static str> {
        (transport.name() == "ws").then_some("/echo")
    }

    /// The echo is the client's own message, `{"seq":N,"ts":N,"pad":"..."}`.
    fn event_head(&self, event: &[u8], key_field: Option<&str>) -> Result<EventHead, String> {
        Wsbench.event_head(event, key_field)
    }

    fn poll_events<'b>(&self, _body: &'b [u8]) -> Result<Vec<&'b RawValue>, String> {
        Err("pywebsocket3 serves WebSocket only: there are no poll answers".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::http1::parse_head;
    use crate::transport::ws::frames::{FrameDecoder, Incoming};

    const DIR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dialects/pywebsocket3"
    );

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{DIR}/{name}")).unwrap_or_else(|e| panic!("{DIR}/{name}: {e}"))
    }

    /// pywebsocket3's recorded answer (tests/fixtures/dialects/pywebsocket3/record.py): a 101,
    /// then each message echoed as one unmasked text frame, which the dialect reads back as
    /// the events the client wrote.
    #[test]
    fn a_recorded_echo_reads_back_as_the_messages_sent() {
        let server = fixture("server.bin");
        let (head, used) = parse_head(&server).unwrap().expect("a whole response head");
        assert_eq!(head.status, 101);
        assert_eq!(
            head.websocket_accept.as_deref(),
            Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            "the accept key of RFC 6455's sample nonce"
        );
        let mut rest = &server[used..];
        let mut decoder = FrameDecoder::default();
        let mut echoed = Vec::new();
        while let Some((incoming, used)) = decoder.next(rest).unwrap() {
            let Incoming::Text(text) = incoming else {
                panic!("only text frames were recorded");
            };
            let head = Pywebsocket3.event_head(text, None).unwrap();
            echoed.push((head.seq, head.ts_ns, text.to_vec()));
            rest = &rest[used..];
        }
        assert!(rest.is_empty(), "{} bytes left undecoded", rest.len());
        let sent: Vec<serde_json::Value> =
            serde_json::from_slice(&fixture("messages.json")).unwrap();
        assert_eq!(echoed.len(), sent.len());
        for ((seq, ts, text), message) in echoed.iter().zip(&sent) {
            assert_eq!(Some(*seq), message["seq"].as_u64());
            assert_eq!(Some(*ts), message["ts"].as_u64());
            let text: serde_json::Value = serde_json::from_slice(text).unwrap();
            assert_eq!(&text, message, "echoed byte for byte");
        }
        // What the client sent: the handshake for /echo, then the messages as masked frames.
        assert!(fixture("client.bin").starts_with(b"GET /echo HTTP/1.1\r\n"));
    }

    #[test]
    fn it_serves_websocket_only_at_echo() {
        let names: Vec<_> = Transport::all()
            .iter()
            .filter_map(|&t| Pywebsocket3.path(t).map(|path| (t.name(), path)))
            .collect();
        assert_eq!(names, [("ws", "/echo")]);
        assert!(Pywebsocket3.poll_events(b"{}").is_err());
    }
}
