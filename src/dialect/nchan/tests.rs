//! The nchan dialect against exchanges recorded from nginx + Nchan 1.3.6
//! (tests/fixtures/dialects/nchan/, re-recorded by scripts/targets/nchan/record-fixtures.py):
//! the bytes Nchan sent go through the clients' own parsers and the dialect, and exactly the
//! events published come out; each poll's next request carries the answer's validators.

use std::path::PathBuf;

use super::*;
use crate::client::http1::{BodyDecoder, RequestTemplate, ResponseHead, parse_head};
use crate::transport::sse::client::SseParser;
use crate::transport::ws::frames::{FrameDecoder, Incoming};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dialects/nchan")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The recorder publishes seq N with ts 1700000000000000000 + N.
fn event(seq: u64) -> (u64, u64) {
    (seq, 1_700_000_000_000_000_000 + seq)
}

/// A recorded answer: its head and whole body.
fn answer(name: &str) -> (ResponseHead, Vec<u8>) {
    let bytes = fixture(&format!("{name}.response"));
    let (head, length) = parse_head(&bytes).unwrap().unwrap();
    let mut decoder = BodyDecoder::new(head.framing);
    let mut body = Vec::new();
    let used = decoder.decode(&bytes[length..], &mut body).unwrap();
    assert!(decoder.is_done() && length + used == bytes.len(), "{name}");
    (head, body)
}

/// The events of a poll answer, through the dialect: (seq, ts) each.
fn poll_events(body: &[u8]) -> Vec<(u64, u64)> {
    Nchan
        .poll_events(body)
        .unwrap()
        .iter()
        .map(|raw| {
            let head = Nchan.event_head(raw.get().as_bytes(), None).unwrap();
            (head.seq, head.ts_ns)
        })
        .collect()
}

/// The request a polling client of the nchan dialect sends after `previous` (none: its
/// first), with the recorder's only header.
fn next_request(path: &str, previous: Option<&ResponseHead>) -> Vec<u8> {
    let mut headers = http::HeaderMap::new();
    headers.insert("host", fixture_host().parse().unwrap());
    let mut template = RequestTemplate::new(path, "", &headers);
    match previous {
        None => template.render(None, None).to_vec(),
        Some(head) => template.render_conditional(&head.validators).to_vec(),
    }
}

/// The host the fixtures were recorded against, from the first request.
fn fixture_host() -> String {
    let request = String::from_utf8(fixture("poll-1-first.request")).unwrap();
    let line = request.lines().find(|l| l.starts_with("host: ")).unwrap();
    line["host: ".len()..].to_string()
}

#[test]
fn interval_polls_walk_the_queue_one_message_each_and_304_is_nothing_new() {
    assert_eq!(Nchan.poll_cursor(), PollCursor::Validators);
    let steps = [
        ("poll-1-first", vec![event(1)]),
        ("poll-2-queued", vec![event(2)]),
        ("poll-3-queued", vec![event(3)]),
        ("poll-4-nothing", vec![]),
    ];
    let mut previous: Option<ResponseHead> = None;
    for (name, expected) in steps {
        // The request wsbench would send is the one recorded, byte for byte.
        assert_eq!(
            String::from_utf8(next_request("/sub/poll", previous.as_ref())).unwrap(),
            String::from_utf8(fixture(&format!("{name}.request"))).unwrap(),
            "{name}"
        );
        let (head, body) = answer(name);
        let events = match head.status {
            200 => poll_events(&body),
            304 => Vec::new(),
            other => panic!("{name}: status {other}"),
        };
        assert_eq!(events, expected, "{name}");
        previous = Some(head);
    }
    let last = previous.unwrap().validators;
    assert_eq!(last.etag.as_deref(), Some("2"));
    assert!(last.last_modified.unwrap().ends_with(" GMT"));
}

#[test]
fn long_polls_answer_one_message_each_with_validators_for_the_next() {
    let steps = [
        ("longpoll-1-first", event(4)),
        ("longpoll-2-queued", event(5)),
        ("longpoll-3-queued", event(6)),
    ];
    let mut previous: Option<ResponseHead> = None;
    for (name, expected) in steps {
        assert_eq!(
            next_request("/sub/longpoll", previous.as_ref()),
            fixture(&format!("{name}.request")),
            "{name}"
        );
        let (head, body) = answer(name);
        assert_eq!(head.status, 200, "{name}");
        assert_eq!(poll_events(&body), vec![expected], "{name}");
        previous = Some(head);
    }
}

#[test]
fn the_event_stream_carries_each_event_in_data_under_nchans_own_ids() {
    let bytes = fixture("sse.response");
    let (head, length) = parse_head(&bytes).unwrap().unwrap();
    assert_eq!(head.status, 200);
    let mut parser = SseParser::default();
    let mut decoder = BodyDecoder::new(head.framing);
    decoder.decode(&bytes[length..], parser.input()).unwrap();
    let (mut events, mut ids) = (Vec::new(), Vec::new());
    while let Some(message) = parser.next_message() {
        // Nchan's ids are TIME:TAG, not seqs: kept verbatim, for Last-Event-ID.
        ids.push(String::from_utf8(message.last_event_id.to_vec()).unwrap());
        let head = Nchan.event_head(message.data, None).unwrap();
        events.push((head.seq, head.ts_ns));
    }
    assert_eq!(events, vec![event(7), event(8), event(9)]);
    assert!(ids.iter().all(|id| id.contains(':')), "{ids:?}");
    // What a reconnection would send: the last of them, as Nchan wrote it.
    assert_eq!(parser.last_event_id(), Some(ids[2].as_bytes()));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains(&format!("\nid: {}\n", ids[2])), "{text}");
    assert_eq!(text.matches("\nid: ").count(), 3, "{text}");
}

#[test]
fn websocket_messages_are_the_events_themselves() {
    let bytes = fixture("ws.response");
    let (head, length) = parse_head(&bytes).unwrap().unwrap();
    assert_eq!(head.status, 101);
    let mut decoder = FrameDecoder::default();
    let mut input = &bytes[length..];
    let mut events = Vec::new();
    while let Some((incoming, used)) = decoder.next(input).unwrap() {
        match incoming {
            Incoming::Text(message) => {
                let head = Nchan.event_head(message, None).unwrap();
                events.push((head.seq, head.ts_ns));
            }
            other => panic!("unexpected frame {other:?}"),
        }
        input = &input[used..];
    }
    assert!(input.is_empty());
    assert_eq!(events, vec![event(10), event(11), event(12)]);
}

#[test]
fn each_transport_has_its_location_and_the_feed_is_published_at_pub() {
    let path = |name| Nchan.path(Transport::named(name).unwrap());
    assert_eq!(
        ["poll", "longpoll", "sse", "ws", "ws-deflate"].map(path),
        [
            Some("/sub/poll"),
            Some("/sub/longpoll"),
            Some("/sub/sse"),
            Some("/sub/ws"),
            None
        ]
    );
    assert_eq!(Nchan.publish_path(), Some("/pub"));
    assert!(Nchan.poll_events(b"<html>").is_err());
}
