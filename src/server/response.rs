//! Responses every transport shares: the same production-style headers everywhere, so
//! that no transport pays for headers another one is spared.

use std::convert::Infallible;

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, combinators::BoxBody};

use crate::feed::{Event, Since};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub type Body = BoxBody<Bytes, BoxError>;

/// Headers on every answer besides `Date` (hyper adds it) and the length or chunking.
pub fn with_common_headers(
    mut response: Response<Body>,
    content_type: &'static str,
) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::SERVER, HeaderValue::from_static("wsbench"));
    response
}

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

pub fn json(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    with_common_headers(response, "application/json")
}

/// A typed reply as JSON, with the trailing newline every answer has.
pub fn reply(body: &impl serde::Serialize) -> Response<Body> {
    match serde_json::to_string(body) {
        Ok(text) => json(StatusCode::OK, text + "\n"),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// A one-line reason, as JSON: `{"error":"..."}`.
pub fn error(status: StatusCode, reason: &str) -> Response<Body> {
    json(
        status,
        serde_json::json!({ "error": reason }).to_string() + "\n",
    )
}

pub fn no_content() -> Response<Body> {
    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::SERVER, HeaderValue::from_static("wsbench"));
    response
}

/// The answer to a poll: `{"seq":LATEST,"events":[...]}`, 204 when nothing is newer,
/// 410 when `since` is older than the history. Event bytes are copied, never re-encoded.
pub fn events(since: Since, asked: Option<u64>) -> Response<Body> {
    match since {
        Since::Nothing => no_content(),
        Since::Gone { oldest } => json(
            StatusCode::GONE,
            serde_json::json!({
                "error": format!(
                    "since={} is older than the retained history; the oldest event held is {oldest}",
                    asked.unwrap_or(0)
                ),
                "oldest": oldest,
            })
            .to_string()
                + "\n",
        ),
        Since::Events(events) => json(StatusCode::OK, events_body(&events)),
    }
}

pub fn events_body(events: &[std::sync::Arc<Event>]) -> Bytes {
    let latest = events.iter().map(|e| e.seq).max().unwrap_or(0);
    let size = 32 + events.iter().map(|e| e.json.len() + 1).sum::<usize>();
    let mut body = BytesMut::with_capacity(size);
    body.put_slice(b"{\"seq\":");
    body.put_slice(itoa::Buffer::new().format(latest).as_bytes());
    body.put_slice(b",\"events\":[");
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            body.put_u8(b',');
        }
        body.put_slice(&event.json);
    }
    body.put_slice(b"]}");
    body.freeze()
}

/// Reads `name` from a query string as a whole number.
pub fn query_u64(query: Option<&str>, name: &str) -> Result<Option<u64>, String> {
    let Some(query) = query else { return Ok(None) };
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == name {
            return value.parse().map(Some).map_err(|_| {
                format!("malformed `{name}`: expected a whole number, got `{value}`")
            });
        }
    }
    Ok(None)
}

/// The text of query parameter `name`, as sent (no percent-decoding: the values it is used
/// for take unreserved characters only).
pub fn query_text(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_numbers_are_checked() {
        assert_eq!(query_u64(Some("since=5&x=1"), "since"), Ok(Some(5)));
        assert_eq!(query_u64(Some("x=1"), "since"), Ok(None));
        assert_eq!(query_u64(None, "since"), Ok(None));
        assert!(
            query_u64(Some("since=-1"), "since")
                .unwrap_err()
                .contains("malformed `since`")
        );
        assert!(query_u64(Some("since="), "since").is_err());
    }
}
