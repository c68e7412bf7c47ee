//! The dialects against recorded exchanges: the bytes real servers sent (the matched
//! server, Tornado, Node's ws, websocketd; tests/fixtures/dialects/README.md), decoded as a
//! client decodes them (the response head, the body's framing, the SSE or WebSocket
//! framing, the dialect's poll answer and event head) into the events that Python's own
//! parsers found in the same bytes when they were recorded (scripts/dialects/record.py).

use std::path::{Path, PathBuf};

use super::{DIALECTS, Dialect};
use crate::client::http1::{BodyDecoder, parse_head};
use crate::transport::sse::client::SseParser;
use crate::transport::ws::frames::{FrameDecoder, Incoming};
use crate::transport_kind::Transport;
use crate::wire::EventHead;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dialects")
}

/// One decoded message: its bytes, and the SSE `id` that came with it.
struct Message {
    bytes: Vec<u8>,
    sse_id: Option<u64>,
}

/// The messages in a recorded response to a request for `transport`; what a stream's tail
/// holds of a message not yet whole is left, as a client leaves it until more arrives.
fn messages(transport: &str, raw: &[u8], dialect: &dyn Dialect, file: &Path) -> Vec<Message> {
    let (head, used) = parse_head(raw)
        .unwrap_or_else(|e| panic!("{}: not a response head: {e}", file.display()))
        .unwrap_or_else(|| panic!("{}: the response head is cut off", file.display()));
    let rest = &raw[used..];
    let body = |out: &mut Vec<u8>| {
        BodyDecoder::new(head.framing)
            .decode(rest, out)
            .unwrap_or_else(|e| panic!("{}: a malformed body: {e}", file.display()))
    };
    match transport {
        "ws" => {
            assert_eq!(head.status, 101, "{}", file.display());
            let (mut frames, mut at, mut out) = (FrameDecoder::default(), 0, Vec::new());
            while let Some((incoming, used)) = frames
                .next(&rest[at..])
                .unwrap_or_else(|e| panic!("{}: a malformed frame: {e}", file.display()))
            {
                if let Incoming::Text(text) = incoming {
                    out.push(Message {
                        bytes: text.to_vec(),
                        sse_id: None,
                    });
                }
                at += used;
            }
            out
        }
        "sse" => {
            assert_eq!(head.status, 200, "{}", file.display());
            let mut parser = SseParser::default();
            body(parser.input());
            std::iter::from_fn(|| {
                parser.next_message().map(|m| Message {
                    bytes: m.data.to_vec(),
                    sse_id: std::str::from_utf8(m.last_event_id)
                        .ok()
                        .and_then(|id| id.parse().ok()),
                })
            })
            .collect()
        }
        "poll" | "longpoll" => {
            assert_eq!(head.status, 200, "{}", file.display());
            let mut answer = Vec::new();
            body(&mut answer);
            dialect
                .poll_events(&answer)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
                .iter()
                .map(|event| Message {
                    bytes: event.get().as_bytes().to_vec(),
                    sse_id: None,
                })
                .collect()
        }
        other => panic!("{}: no transport named {other}", file.display()),
    }
}

/// `NAME.events`: the key field (a `# key: FIELD` first line), and one head a line.
fn expected(file: &Path) -> (Option<String>, Vec<EventHead>) {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let mut key_field = None;
    let mut heads = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if let Some(field) = line.strip_prefix("# key: ") {
            key_field = Some(field.to_string());
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}, line {}: {e}", file.display(), index + 1));
        let number = |name: &str| {
            value[name]
                .as_u64()
                .unwrap_or_else(|| panic!("{}, line {}: no {name}", file.display(), index + 1))
        };
        heads.push(EventHead {
            seq: number("seq"),
            ts_ns: number("ts"),
            key: match &value["key"] {
                serde_json::Value::Null => None,
                serde_json::Value::String(key) => Some(key.clone()),
                other => Some(other.to_string()),
            },
        });
    }
    (key_field, heads)
}

/// Servers whose exchanges depend on what the client sent (Nchan's conditional polls,
/// pywebsocket3's echoes): recorded as request and answer, each tested beside its dialect.
const TESTED_BESIDE_THEIR_DIALECT: &[&str] = &["nchan", "pywebsocket3"];

/// Every `SERVER/NAME.http` with its dialect (`SERVER/dialect`) and transport (the name's
/// start: `poll-tickets` is a poll).
fn recorded() -> Vec<(PathBuf, &'static dyn Dialect, String)> {
    let mut found = Vec::new();
    let mut servers: Vec<_> = std::fs::read_dir(fixtures())
        .expect("tests/fixtures/dialects exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            !TESTED_BESIDE_THEIR_DIALECT.contains(&name.as_ref())
        })
        .collect();
    servers.sort();
    for server in servers {
        let name_file = server.join("dialect");
        let name = std::fs::read_to_string(&name_file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", name_file.display()));
        let dialect = DIALECTS
            .iter()
            .copied()
            .find(|d| d.name() == name.trim())
            .unwrap_or_else(|| panic!("{}: no dialect {name:?}", name_file.display()));
        let mut files: Vec<_> = std::fs::read_dir(&server)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "http"))
            .collect();
        files.sort();
        for file in files {
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            let transport = stem.split('-').next().unwrap_or_default().to_string();
            found.push((file, dialect, transport));
        }
    }
    found
}

#[test]
fn each_servers_recorded_bytes_decode_into_the_recorded_events() {
    let recorded = recorded();
    let servers: std::collections::BTreeSet<_> = recorded
        .iter()
        .filter_map(|(file, _, _)| file.parent()?.file_name()?.to_str().map(String::from))
        .collect();
    for server in ["node", "tornado", "websocketd", "wsbench"] {
        assert!(
            servers.contains(server),
            "no fixture of {server}: {servers:?}"
        );
    }
    for (file, dialect, transport) in &recorded {
        let served = Transport::named(transport)
            .unwrap_or_else(|| panic!("{}: no transport {transport}", file.display()));
        assert!(
            dialect.path(served).is_some(),
            "{}: the {} dialect serves no {transport}",
            file.display(),
            dialect.name()
        );
        let raw = std::fs::read(file).unwrap();
        let (key_field, expected) = expected(&file.with_extension("events"));
        let messages = messages(transport, &raw, *dialect, file);
        let heads: Vec<EventHead> = messages
            .iter()
            .map(|m| {
                dialect
                    .event_head(&m.bytes, key_field.as_deref())
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            })
            .collect();
        assert!(!heads.is_empty(), "{}", file.display());
        assert_eq!(heads, expected, "{}", file.display());
        // An SSE message's id is its event's seq (what Last-Event-ID resumes from).
        for (message, head) in messages.iter().zip(&heads) {
            if let Some(id) = message.sse_id {
                assert_eq!(id, head.seq, "{}", file.display());
            }
        }
    }
}

#[test]
fn a_cut_stream_yields_only_its_whole_events() {
    let file = fixtures().join("wsbench/ws.http");
    let raw = std::fs::read(&file).unwrap();
    let (_, expected) = expected(&file.with_extension("events"));
    // Cut one byte short of the end: the last message is not whole, so it is not decoded.
    let heads = messages("ws", &raw[..raw.len() - 1], &super::Wsbench, &file);
    assert_eq!(heads.len(), expected.len() - 1);
}
