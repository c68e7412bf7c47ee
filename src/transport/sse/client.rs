//! One held response per client, parsed as an event stream. A client that loses its
//! stream reconnects with `Last-Event-ID`, as EventSource does: the last `id:` the server
//! sent, verbatim (our seq, or Nchan's `TIME:TAG`), and none when it sent none. Each read
//! takes all the socket holds, and every complete message in it is delivered before the
//! next read.

use crate::client::http1::{BodyDecoder, HttpConnection, RequestTemplate};
use crate::client::{Answer, Client, ErrorKind, RECONNECT_DELAY, Received, Tally};

const OK: u16 = 200;

pub async fn run(mut client: Client) -> Tally {
    let mut stop = client.stop_signal();
    let query = client.query("");
    let mut request = RequestTemplate::new(client.plan.path, &query, &client.plan.headers);
    let mut parser = SseParser::default();
    // A client that must see the stream from its start asks for it as a reconnection would.
    if let Some(since) = client.first_since() {
        parser.resume_from(itoa::Buffer::new().format(since).as_bytes());
    }
    while !client.is_stopped() {
        let mut connection = match HttpConnection::open(&client).await {
            Ok(connection) => connection,
            Err(_) => {
                client.count_error(ErrorKind::Connect);
                tokio::time::sleep(RECONNECT_DELAY).await;
                continue;
            }
        };
        let exchange = async {
            connection
                .send(request.render(None, parser.last_event_id()))
                .await?;
            connection.read_head().await
        };
        let response = tokio::select! {
            response = exchange => response,
            _ = &mut stop => break,
        };
        client.count_request(false);
        let head = match response {
            Ok(head) if head.status == OK => head,
            Ok(_) => {
                client.count_error(ErrorKind::Status);
                tokio::time::sleep(RECONNECT_DELAY).await;
                continue;
            }
            Err(_) => {
                client.count_error(ErrorKind::Disconnect);
                continue;
            }
        };
        client.mark_connected();
        parser.reset();
        let mut body = BodyDecoder::new(head.framing);
        loop {
            let read = tokio::select! {
                read = connection.read_body(&mut body, parser.input()) => read,
                _ = &mut stop => break,
            };
            let received = Received::now(&connection.stamp);
            connection.segments.observe(&client);
            let ended = read.unwrap_or(true);
            while let Some(message) = parser.next_message() {
                let mut answer = Answer::default();
                if client.deliver(message.data, received, &mut answer).is_err() {
                    client.count_error(ErrorKind::Protocol);
                }
                client.finish_answer(answer, received);
            }
            if ended {
                client.count_error(ErrorKind::Disconnect);
                break;
            }
        }
        connection.segments.note_unread_at_stop(&mut client);
        connection.segments.close(&client);
    }
    client.tally
}

/// One dispatched SSE message; it lives in the parser until the next message.
#[derive(Debug, PartialEq)]
pub struct SseMessage<'a> {
    /// The stream's last event ID as of this message: its own `id:`, or the one before.
    pub last_event_id: &'a [u8],
    pub data: &'a [u8],
}

/// An incremental `text/event-stream` parser: `id:` and `data:` fields, comments skipped,
/// a blank line dispatches. Body bytes may split lines anywhere. Its buffers are kept from
/// message to message: no allocation per event. The last event ID is kept as EventSource
/// keeps it: an `id:` field sets it (an empty one clears it), a message without one leaves
/// it, and it outlives the stream, for the reconnection's `Last-Event-ID`.
#[derive(Default)]
pub struct SseParser {
    /// Body bytes; those before `parsed` are done with.
    input: Vec<u8>,
    parsed: usize,
    /// The `id:` fields read so far, taken as the last event ID when a message dispatches.
    id_buffer: Vec<u8>,
    last_event_id: Vec<u8>,
    data: Vec<u8>,
    has_data: bool,
}

impl SseParser {
    /// Where the next body bytes are appended.
    pub fn input(&mut self) -> &mut Vec<u8> {
        if self.parsed > 0 {
            self.input.drain(..self.parsed);
            self.parsed = 0;
        }
        &mut self.input
    }

    /// Forgets a stream's leftovers, for the next stream; the last event ID stays.
    pub fn reset(&mut self) {
        self.input.clear();
        self.parsed = 0;
        self.id_buffer.clone_from(&self.last_event_id);
        self.has_data = false;
    }

    /// Sets the last event ID, as if the server had sent it: where the first stream starts.
    pub fn resume_from(&mut self, id: &[u8]) {
        self.last_event_id = id.to_vec();
        self.id_buffer = id.to_vec();
    }

    /// What a reconnection sends as `Last-Event-ID`; `None` when the server set none.
    pub fn last_event_id(&self) -> Option<&[u8]> {
        Some(self.last_event_id.as_slice()).filter(|id| !id.is_empty())
    }

    pub fn next_message(&mut self) -> Option<SseMessage<'_>> {
        loop {
            let rest = &self.input[self.parsed..];
            let end = rest.iter().position(|&b| b == b'\n')?;
            let mut line = &rest[..end];
            self.parsed += end + 1;
            if let Some(stripped) = line.strip_suffix(b"\r") {
                line = stripped;
            }
            if line.is_empty() {
                // Dispatch sets the last event ID even for a message without data.
                if self.last_event_id != self.id_buffer {
                    self.last_event_id.clone_from(&self.id_buffer);
                }
                if self.has_data {
                    self.has_data = false;
                    return Some(SseMessage {
                        last_event_id: &self.last_event_id,
                        data: &self.data,
                    });
                }
                continue;
            }
            if line[0] == b':' {
                continue;
            }
            let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
            let (field, mut value) = line.split_at(colon);
            if let Some(after_colon) = value.strip_prefix(b":") {
                value = after_colon.strip_prefix(b" ").unwrap_or(after_colon);
            }
            match field {
                b"data" => {
                    if self.has_data {
                        self.data.push(b'\n');
                    } else {
                        self.data.clear();
                    }
                    self.data.extend_from_slice(value);
                    self.has_data = true;
                }
                // An id holding NULL is ignored, as EventSource ignores it.
                b"id" if !value.contains(&0) => {
                    self.id_buffer.clear();
                    self.id_buffer.extend_from_slice(value);
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The messages of `stream` fed in pieces cut at `cuts`, as (last event ID, data) pairs.
    fn parse_in_pieces(stream: &[u8], cuts: &[usize]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut parser = SseParser::default();
        let mut messages = Vec::new();
        let mut from = 0;
        for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
            let cut = cut.clamp(from, stream.len());
            parser.input().extend_from_slice(&stream[from..cut]);
            from = cut;
            while let Some(message) = parser.next_message() {
                messages.push((message.last_event_id.to_vec(), message.data.to_vec()));
            }
        }
        messages
    }

    const STREAM: &[u8] =
        b": keep-alive\n\nid: 7\ndata: {\"seq\":7}\n\nid: 8\r\ndata: x\r\ndata:y\r\n\r\n\
        event: e\ndata\n\nid: 1700000000:3\ndata: nchan\n\nid\ndata: cleared\n\n";

    fn expected() -> Vec<(Vec<u8>, Vec<u8>)> {
        vec![
            (b"7".to_vec(), b"{\"seq\":7}".to_vec()),
            (b"8".to_vec(), b"x\ny".to_vec()),
            // No id of its own: the last one stays.
            (b"8".to_vec(), b"".to_vec()),
            // Any id, verbatim (Nchan's TIME:TAG).
            (b"1700000000:3".to_vec(), b"nchan".to_vec()),
            // An empty id clears it.
            (b"".to_vec(), b"cleared".to_vec()),
        ]
    }

    #[test]
    fn parses_messages_split_at_every_byte_and_skips_comments() {
        for cut in 0..=STREAM.len() {
            assert_eq!(parse_in_pieces(STREAM, &[cut]), expected(), "cut at {cut}");
        }
    }

    #[test]
    fn a_reset_forgets_a_broken_stream_but_not_the_last_event_id() {
        let mut parser = SseParser::default();
        assert_eq!(parser.last_event_id(), None);
        parser
            .input()
            .extend_from_slice(b"id: 2\ndata: one\n\nid: 3\ndata: half");
        assert_eq!(parser.next_message().unwrap().data, b"one");
        assert_eq!(parser.next_message(), None);
        // The reconnection resumes after the last message dispatched, not the broken one.
        assert_eq!(parser.last_event_id(), Some(&b"2"[..]));
        parser.reset();
        parser.input().extend_from_slice(b"data: whole\n\n");
        assert_eq!(
            parser.next_message(),
            Some(SseMessage {
                last_event_id: b"2",
                data: b"whole"
            })
        );
    }

    #[test]
    fn a_stream_started_from_a_point_resumes_from_it_until_the_server_says_otherwise() {
        let mut parser = SseParser::default();
        parser.resume_from(b"0");
        assert_eq!(parser.last_event_id(), Some(&b"0"[..]));
        parser.reset();
        parser.input().extend_from_slice(b"data: no id\n\n");
        assert_eq!(parser.next_message().unwrap().last_event_id, b"0");
    }

    proptest! {
        #[test]
        fn any_cuts_give_the_same_messages(cuts in proptest::collection::vec(0usize..120, 0..10)) {
            let mut cuts = cuts;
            cuts.sort_unstable();
            prop_assert_eq!(parse_in_pieces(STREAM, &cuts), expected());
        }
    }
}
