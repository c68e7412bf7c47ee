//! A response head, parsed with `httparse` from the front of the read buffer: the status,
//! how the body's end is known, whether the connection stays open, the one header a
//! WebSocket handshake checks, and the validators a conditional poll sends back.

use super::HttpError;
use super::body::Framing;

/// Headers a head may carry; more is refused as malformed.
const MAX_HEADERS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub framing: Framing,
    /// Whether the connection may carry another request after this answer.
    pub keep_alive: bool,
    /// `Sec-WebSocket-Accept`, for a handshake's check (kept only on a 101).
    pub websocket_accept: Option<String>,
    /// `Sec-WebSocket-Extensions`, the extensions the server agreed to (kept only on a 101).
    pub websocket_extensions: Option<String>,
    /// `Last-Modified` and `Etag`, for a dialect that polls with conditional requests.
    pub validators: Validators,
}

/// An answer's `Last-Modified` and `Etag`, sent back as `If-Modified-Since` and
/// `If-None-Match` by a dialect whose polls carry them (`PollCursor::Validators`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub last_modified: Option<String>,
    pub etag: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.last_modified.is_none() && self.etag.is_none()
    }
}

/// Parses the head at the front of `bytes`: the head and its length, or `None` while it is
/// incomplete.
pub fn parse_head(bytes: &[u8]) -> Result<Option<(ResponseHead, usize)>, HttpError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let length = match response.parse(bytes) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(HttpError::Malformed("response head")),
    };
    let status = response.code.unwrap_or(0);
    let http_1_1 = response.version == Some(1);
    let (mut chunked, mut length_header, mut close, mut keep_alive_asked) =
        (false, None, false, false);
    let (mut websocket_accept, mut websocket_extensions) = (None, None);
    let mut validators = Validators::default();
    for header in response.headers.iter() {
        let name = header.name;
        if name.eq_ignore_ascii_case("transfer-encoding") {
            // Chunked is the last coding when present (RFC 9112 §6.3).
            chunked = trimmed(header.value)
                .rsplit(|&b| b == b',')
                .next()
                .is_some_and(|last| trimmed(last).eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(trimmed(header.value)).ok();
            length_header = Some(
                value
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or(HttpError::Malformed("content-length"))?,
            );
        } else if name.eq_ignore_ascii_case("connection") {
            for option in header.value.split(|&b| b == b',') {
                close |= trimmed(option).eq_ignore_ascii_case(b"close");
                keep_alive_asked |= trimmed(option).eq_ignore_ascii_case(b"keep-alive");
            }
        } else if status == 101 && name.eq_ignore_ascii_case("sec-websocket-accept") {
            websocket_accept = Some(String::from_utf8_lossy(header.value).into_owned());
        } else if status == 101 && name.eq_ignore_ascii_case("sec-websocket-extensions") {
            websocket_extensions = Some(String::from_utf8_lossy(header.value).into_owned());
        } else if name.eq_ignore_ascii_case("last-modified") {
            validators.last_modified = Some(String::from_utf8_lossy(header.value).into_owned());
        } else if name.eq_ignore_ascii_case("etag") {
            validators.etag = Some(String::from_utf8_lossy(header.value).into_owned());
        }
    }
    let framing = match (status, chunked, length_header) {
        (100..=199 | 204 | 304, _, _) => Framing::Empty,
        (_, true, _) => Framing::Chunked,
        (_, false, Some(n)) => Framing::Length(n),
        (_, false, None) => Framing::UntilClose,
    };
    let keep_alive = framing != Framing::UntilClose && !close && (http_1_1 || keep_alive_asked);
    let head = ResponseHead {
        status,
        framing,
        keep_alive,
        websocket_accept,
        websocket_extensions,
        validators,
    };
    Ok(Some((head, length)))
}

fn trimmed(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> ResponseHead {
        let (head, length) = parse_head(text.as_bytes()).unwrap().unwrap();
        assert_eq!(length, text.find("\r\n\r\n").unwrap() + 4);
        head
    }

    #[test]
    fn framing_comes_from_status_coding_and_length() {
        let answer = head("HTTP/1.1 200 OK\r\ncontent-length: 42\r\n\r\n{...");
        assert_eq!(
            (answer.status, answer.framing, answer.keep_alive),
            (200, Framing::Length(42), true)
        );
        let stream = head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        assert_eq!(stream.framing, Framing::Chunked);
        let empty = head("HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n");
        assert_eq!((empty.status, empty.framing), (204, Framing::Empty));
        let gone = head("HTTP/1.1 410 Gone\r\ncontent-length: 3\r\nconnection: close\r\n\r\n");
        assert_eq!((gone.framing, gone.keep_alive), (Framing::Length(3), false));
        let until_close = head("HTTP/1.0 200 OK\r\n\r\n");
        assert_eq!(
            (until_close.framing, until_close.keep_alive),
            (Framing::UntilClose, false)
        );
        let upgrade =
            head("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: abc=\r\n\r\n");
        assert_eq!(
            (upgrade.framing, upgrade.websocket_accept.as_deref()),
            (Framing::Empty, Some("abc="))
        );
    }

    #[test]
    fn validators_are_kept_for_the_next_conditional_request() {
        let answer = head(
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\nLast-Modified: Wed, 02 Dec 2026 \
             16:24:31 GMT\r\nEtag: 3\r\n\r\n",
        );
        assert_eq!(
            (answer.status, answer.framing, answer.validators),
            (
                304,
                Framing::Empty,
                Validators {
                    last_modified: Some("Wed, 02 Dec 2026 16:24:31 GMT".into()),
                    etag: Some("3".into())
                }
            )
        );
        assert!(
            head("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .validators
                .is_empty()
        );
    }

    #[test]
    fn an_incomplete_head_waits_and_a_broken_one_is_refused() {
        let full = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        for cut in 0..full.len() {
            assert_eq!(parse_head(&full[..cut]).unwrap(), None, "cut at {cut}");
        }
        assert!(parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n").is_err());
        assert!(parse_head(b"SMTP ready\r\n\r\n").is_err());
    }
}
