//! One held response per client, parsed as an event stream. A client that loses its
//! stream reconnects with `Last-Event-ID`, as EventSource does. Each read takes all the
//! socket holds, and every complete message in it is delivered before the next read.

use crate::client::http1::{BodyDecoder, HttpConnection, RequestTemplate};
use crate::client::{Answer, Client, ErrorKind, RECONNECT_DELAY, Received, Tally};

const OK: u16 = 200;

pub async fn run(mut client: Client) -> Tally {
    let mut stop = client.stop_signal();
    let mut last_id: Option<u64> = client.first_since();
    let query = client.query("");
    let mut request = RequestTemplate::new(client.plan.path, &query, &client.plan.headers);
    let mut parser = SseParser::default();
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
            connection.send(request.render(None, last_id)).await?;
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
                match client.deliver(message.data, received, &mut answer) {
                    Ok(head) => last_id = message.id.or(Some(head.seq)),
                    Err(_) => client.count_error(ErrorKind::Protocol),
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

/// One dispatched SSE message; its data lives in the parser until the next message.
#[derive(Debug, PartialEq)]
pub struct SseMessage<'a> {
    pub id: Option<u64>,
    pub data: &'a [u8],
}

/// An incremental `text/event-stream` parser: `id:` and `data:` fields, comments skipped,
/// a blank line dispatches. Body bytes may split lines anywhere. Its buffers are kept from
/// message to message: no allocation per event.
#[derive(Default)]
pub struct SseParser {
    /// Body bytes; those before `parsed` are done with.
    input: Vec<u8>,
    parsed: usize,
    id: Option<u64>,
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

    /// Forgets a stream's leftovers, for the next stream.
    pub fn reset(&mut self) {
        self.input.clear();
        self.parsed = 0;
        self.id = None;
        self.has_data = false;
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
                if self.has_data {
                    self.has_data = false;
                    return Some(SseMessage {
                        id: self.id.take(),
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
                b"id" => self.id = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok()),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The messages of `stream` fed in pieces cut at `cuts`, as (id, data) pairs.
    fn parse_in_pieces(stream: &[u8], cuts: &[usize]) -> Vec<(Option<u64>, Vec<u8>)> {
        let mut parser = SseParser::default();
        let mut messages = Vec::new();
        let mut from = 0;
        for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
            let cut = cut.clamp(from, stream.len());
            parser.input().extend_from_slice(&stream[from..cut]);
            from = cut;
            while let Some(message) = parser.next_message() {
                messages.push((message.id, message.data.to_vec()));
            }
        }
        messages
    }

    const STREAM: &[u8] =
        b": keep-alive\n\nid: 7\ndata: {\"seq\":7}\n\nid: 8\r\ndata: x\r\ndata:y\r\n\r\nevent: e\ndata\n\n";

    fn expected() -> Vec<(Option<u64>, Vec<u8>)> {
        vec![
            (Some(7), b"{\"seq\":7}".to_vec()),
            (Some(8), b"x\ny".to_vec()),
            (None, b"".to_vec()),
        ]
    }

    #[test]
    fn parses_messages_split_at_every_byte_and_skips_comments() {
        for cut in 0..=STREAM.len() {
            assert_eq!(parse_in_pieces(STREAM, &[cut]), expected(), "cut at {cut}");
        }
    }

    #[test]
    fn a_reset_forgets_a_broken_stream() {
        let mut parser = SseParser::default();
        parser.input().extend_from_slice(b"id: 3\ndata: half");
        assert_eq!(parser.next_message(), None);
        parser.reset();
        parser.input().extend_from_slice(b"data: whole\n\n");
        assert_eq!(
            parser.next_message(),
            Some(SseMessage {
                id: None,
                data: b"whole"
            })
        );
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
