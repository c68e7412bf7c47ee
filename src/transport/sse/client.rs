//! One held response per client, parsed as an event stream. A client that loses its
//! stream reconnects with `Last-Event-ID`, as EventSource does.

use bytes::{Buf, BytesMut};
use http::{HeaderValue, StatusCode};
use http_body_util::BodyExt;

use crate::client::connection::Connection;
use crate::client::{Answer, Client, ErrorKind, RECONNECT_DELAY, Received, Tally};

pub async fn run(mut client: Client) -> Tally {
    let mut stopped = client.control.stopped();
    // A state feed's client starts from the whole current state, as a real page would.
    let mut last_id: Option<u64> = client.plan.key_field.map(|_| 0);
    while !*stopped.borrow() {
        let mut connection = match Connection::open(&client).await {
            Ok(connection) => connection,
            Err(_) => {
                client.count_error(ErrorKind::Connect);
                tokio::time::sleep(RECONNECT_DELAY).await;
                continue;
            }
        };
        let mut headers = client.plan.headers.clone();
        if let Some(id) = last_id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
            headers.insert("last-event-id", id);
        }
        let response = tokio::select! {
            response = connection.get(client.plan.path, &headers) => response,
            _ = stopped.changed() => break,
        };
        client.count_request(false);
        let mut body = match response {
            Ok(response) if response.status() == StatusCode::OK => response.into_body(),
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
        let mut parser = SseParser::default();
        loop {
            let frame = tokio::select! {
                frame = body.frame() => frame,
                _ = stopped.changed() => break,
            };
            let received = Received::now(&connection.stamp);
            connection.segments.observe(&client);
            let data = match frame {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => data,
                    Err(_) => continue,
                },
                Some(Err(_)) | None => {
                    client.count_error(ErrorKind::Disconnect);
                    break;
                }
            };
            parser.push(&data);
            while let Some(message) = parser.next_message() {
                let mut answer = Answer::default();
                match client.deliver(&message.data, received, &mut answer) {
                    Ok(head) => last_id = message.id.or(Some(head.seq)),
                    Err(_) => client.count_error(ErrorKind::Protocol),
                }
                client.finish_answer(answer, received);
            }
        }
        connection.segments.note_unread_at_stop(&mut client);
        connection.segments.close(&client);
    }
    client.tally
}

/// One dispatched SSE message.
#[derive(Debug, PartialEq)]
pub struct SseMessage {
    pub id: Option<u64>,
    pub data: Vec<u8>,
}

/// An incremental `text/event-stream` parser: `id:` and `data:` fields, comments skipped,
/// a blank line dispatches. Chunks may split lines anywhere.
#[derive(Default)]
pub struct SseParser {
    buffer: BytesMut,
    id: Option<u64>,
    data: Vec<u8>,
    has_data: bool,
}

impl SseParser {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    pub fn next_message(&mut self) -> Option<SseMessage> {
        while let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
            let mut line = self.buffer.split_to(end + 1);
            line.truncate(end);
            if line.last() == Some(&b'\r') {
                line.truncate(end - 1);
            }
            if line.is_empty() {
                if self.has_data {
                    self.has_data = false;
                    return Some(SseMessage {
                        id: self.id.take(),
                        data: std::mem::take(&mut self.data),
                    });
                }
                continue;
            }
            if line[0] == b':' {
                continue;
            }
            let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
            let (field, mut value) = line.split_at(colon);
            if !value.is_empty() {
                value.advance(1);
                if value.first() == Some(&b' ') {
                    value.advance(1);
                }
            }
            match field {
                b"data" => {
                    if self.has_data {
                        self.data.push(b'\n');
                    }
                    self.data.extend_from_slice(value);
                    self.has_data = true;
                }
                b"id" => self.id = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok()),
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_messages_split_across_chunks_and_skips_comments() {
        let mut parser = SseParser::default();
        parser.push(b": keep-alive\n\nid: 7\nda");
        assert_eq!(parser.next_message(), None);
        parser.push(b"ta: {\"seq\":7}\n\nid: 8\r\ndata: x\r\n\r\n");
        assert_eq!(
            parser.next_message(),
            Some(SseMessage {
                id: Some(7),
                data: b"{\"seq\":7}".to_vec()
            })
        );
        assert_eq!(
            parser.next_message(),
            Some(SseMessage {
                id: Some(8),
                data: b"x".to_vec()
            })
        );
        assert_eq!(parser.next_message(), None);
    }
}
